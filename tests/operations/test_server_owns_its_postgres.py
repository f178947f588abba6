"""`contest serve` owns the embedded PostgreSQL it started: SIGTERM (a service manager, `docker
stop`) and SIGINT sent to the server's process alone stop both, with one worker or several; the
next start comes up on the same data; a second server on the same data folder is refused; and
after a crash that killed everything (kill -9), the stale postmaster.pid does not stop the next
start."""
import os
import signal

import psutil

from tests.setup.serving import Server, contest, counts, postgres_serving

EVENT_NAME = "2026年咸宁市茶产业职业技能竞赛"  # the small Xianning fixture's event
TABLES = ("account", "area", "unit", "person", "event", "track", "entry", "ledger_entry")


async def counted(server: Server) -> dict[str, int]:
    await server.ready(path="/", text=EVENT_NAME)
    return await counts(server.folder, TABLES)


async def test_sigterm_stops_server_and_postgres_and_the_next_start_has_the_same_data(seeded_folder):
    async with Server(seeded_folder) as server:
        before = await counted(server)
        await server.stop_with_its_postgres(signal.SIGTERM)
        assert server.proc.returncode == 0, server.output()  # a service manager sees a clean stop
    async with Server(seeded_folder) as again:
        assert await counted(again) == before and before["event"] == 1
        await again.stop_with_its_postgres(signal.SIGTERM)


async def test_sigint_to_the_master_of_several_workers_stops_everything(seeded_folder):
    async with Server(seeded_folder, "--workers", "2") as server:
        await counted(server)
        workers = psutil.Process(server.proc.pid).children(recursive=True)
        assert len([w for w in workers if "python" in w.name()]) >= 2
        refused = contest(seeded_folder, "serve", "--port", "1")  # a second server on the same folder
        assert refused.returncode == 1 and "已有一个服务器在运行" in refused.stderr, refused.stderr
        assert str(server.proc.pid) in refused.stderr
        await server.ready()  # the first one is untouched
        await server.stop_with_its_postgres(signal.SIGINT)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, alive


async def test_after_kill_9_of_everything_the_next_start_recovers(seeded_folder):
    async with Server(seeded_folder) as server:
        before = await counted(server)
        [postmaster] = postgres_serving(seeded_folder)
        everything = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(recursive=True),
                      postmaster, *postmaster.children(recursive=True)]
        for proc in everything:
            proc.kill()
        psutil.wait_procs(everything, timeout=10)
        server.proc.wait(10)
    pid_file = seeded_folder / "pgdata" / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    # the crashed postmaster's PID now belongs to another process, as after a reboot
    pid_file.write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")
    async with Server(seeded_folder) as again:
        assert await counted(again) == before
        await again.stop_with_its_postgres(signal.SIGTERM)
