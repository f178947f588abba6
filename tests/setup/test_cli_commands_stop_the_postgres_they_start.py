"""A `contest` command that had to start the embedded PostgreSQL stops it when it ends — on success,
on a failure, on Ctrl+C and on SIGTERM — and one that found it running (a server is up on the same
data folder) leaves it running, and the server keeps answering."""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import httpx

from tests.builders import HEADER
from tests.setup.cli_runner import ROOT, contestant
from tests.setup.serving import Server, contest, contest_env, data_folder, no_postgres_left, postgres_serving
from tests.support import FIXTURES

SEED = str(FIXTURES / "xianning-small.yaml")  # one event: tea-2026, one track: tea-tasting


def commands(files) -> list[tuple[str, ...]]:
    """Every command that touches the database (serving aside), each as an operator would type it."""
    people = files / "选手.csv"
    people.write_text("\n".join(",".join(row) for row in [HEADER, *map(contestant, range(3))]) + "\n",
                      encoding="utf-8")
    marks = files / "marks.csv"
    marks.write_text("entry,stage,criterion,judge,mark\n", encoding="utf-8")
    return [
        ("db", "upgrade"),
        ("seed", SEED),
        ("user", "create", "office", "--role", "organiser", "--password", "correct-horse-1"),
        ("events", "list"),
        ("import", "contestants", str(people), "--event", "tea-2026", "--track", "tea-tasting"),
        ("marks", "import", str(marks), "--event", "tea-2026", "--scorer", "office", "--pass", "1"),
        ("audit", "verify"),
    ]


def assert_ok(result: subprocess.CompletedProcess[str], args) -> None:
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"


async def test_each_command_stops_the_postgres_it_started(tmp_path):
    with data_folder() as folder:
        for args in commands(tmp_path):
            assert_ok(contest(folder, *args), args)
            await no_postgres_left(folder)
        # a failure: one line, and the server it started is stopped all the same
        failed = contest(folder, "import", "contestants", str(tmp_path / "选手.csv"), "--event", "no-such-event",
                         "--track", "tea-tasting")
        assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
        await no_postgres_left(folder)


async def test_ctrl_c_or_sigterm_during_a_command_stops_its_postgres():
    with data_folder() as folder:
        assert_ok(contest(folder, "db", "upgrade"), "db upgrade")
        for sig in (signal.SIGINT, signal.SIGTERM):
            proc = subprocess.Popen([sys.executable, "-m", "contest.cli", "seed", SEED], env=contest_env(folder),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    stdin=subprocess.DEVNULL, cwd=ROOT)
            try:
                for _ in range(300):  # interrupt it once its PostgreSQL runs, in the middle of its work
                    if postgres_serving(folder) or proc.poll() is not None:
                        break
                    await asyncio.sleep(0.05)
                assert postgres_serving(folder), f"the seed did not start PostgreSQL: {proc.communicate()}"
                proc.send_signal(sig)  # to the command alone, as a service manager or `kill` would
                _, err = await asyncio.to_thread(proc.communicate, timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
            assert proc.returncode != 0 and "Traceback" not in err, err
            await no_postgres_left(folder)


async def test_commands_leave_a_running_server_its_postgres(tmp_path):
    with data_folder() as folder:
        assert_ok(contest(folder, "db", "upgrade"), "db upgrade")
        async with Server(folder) as server, httpx.AsyncClient(base_url=server.base, timeout=5) as client:
            await server.ready()
            [postmaster] = postgres_serving(folder)
            for args in commands(tmp_path):
                assert_ok(contest(folder, *args), args)
                assert postgres_serving(folder) == [postmaster] and postmaster.is_running(), args
                assert (await client.get("/healthz")).status_code == 200, args
                assert (await client.get("/")).status_code == 200, args
            home = await client.get("/")
            assert "2026年咸宁市茶产业职业技能竞赛" in home.text  # what the seed command loaded, served
            await server.stop_with_its_postgres(signal.SIGTERM)  # the server, which started it, stopped it
