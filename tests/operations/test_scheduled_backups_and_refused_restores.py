"""`contest serve --backup-every` backs up on schedule into a folder and keeps the newest K; a
restore never overwrites data (a non-empty database is refused) and refuses a file that is not a
backup — each with one line saying why, changing nothing."""
import asyncio
import signal
import tarfile

from contest.backup import read_archive
from tests.setup.serving import Server, contest, no_postgres_left


async def test_serve_backs_up_every_interval_and_keeps_the_newest(seeded_folder, tmp_path):
    folder = tmp_path / "备份"
    async with Server(seeded_folder, "--backup-every", "0.1", "--backup-keep", "2", "--backup-dir",
                      str(folder)) as server:
        await server.ready()
        for _ in range(300):  # one at start, then every 6 s: wait for the third
            if server.output().count("备份已写入") >= 3:
                break
            await asyncio.sleep(0.1)
        assert server.output().count("备份已写入") >= 3, server.output()
        await server.stop_with_its_postgres(signal.SIGTERM)
    kept = sorted(folder.glob("contest-*.tar"))
    assert len(kept) == 2 and not list(folder.glob("*.partial"))
    manifest, _ = read_archive(kept[-1])
    assert manifest.ledger_entries >= 1 and len(manifest.ledger_head) == 64


async def test_restore_refuses_a_database_with_data_and_a_file_that_is_no_backup(seeded_folder, tmp_path):
    backed_up = contest(seeded_folder, "db", "backup", str(tmp_path))
    assert backed_up.returncode == 0, backed_up.stderr
    [backup] = tmp_path.glob("contest-*.tar")
    refused = contest(seeded_folder, "db", "restore", str(backup))
    assert refused.returncode == 1 and "不是空的" in refused.stderr and len(refused.stderr.splitlines()) == 1
    not_a_backup = tmp_path / "成绩.tar"
    with tarfile.open(not_a_backup, "w") as tar:
        tar.add(backup, "something-else.tar")
    refused = contest(seeded_folder, "db", "restore", str(not_a_backup))
    assert refused.returncode == 1 and "不是 contest db backup 生成的备份文件" in refused.stderr, refused.stderr
    await no_postgres_left(seeded_folder)
