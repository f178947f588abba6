"""A backup carries the data folder's attachments (innovation results): restored into a fresh data
folder, each file is back under its SHA-256 name with the same bytes, so a download still passes
its checksum."""
import asyncio
import hashlib
import tarfile

from contest.innovations import service as innovations
from tests.builders import worker
from tests.setup.cli_runner import assert_ok, run_cli
from tests.setup.serving import contest, data_folder

PDF = b"%PDF-1.4\n% kept across a restore\n%%EOF\n"


async def test_backup_and_restore_bring_the_attachments(session, settings, tmp_path):
    lead = await worker(session)
    submission = innovations.Submission("数控刀具快换夹具", "invention", 2026, "", "worker", [lead.id])
    await innovations.submit(session, submission, "test", [innovations.Upload("说明.pdf", PDF)],
                             settings.attachments_dir)
    digest = hashlib.sha256(PDF).hexdigest()
    backup_file = tmp_path / "backup.tar"
    assert_ok(await asyncio.to_thread(run_cli, settings, "db", "backup", str(backup_file)))
    with tarfile.open(backup_file) as tar:
        assert f"attachments/{digest}" in tar.getnames()
    with data_folder() as folder:
        restored = contest(folder, "db", "restore", str(backup_file))
        assert restored.returncode == 0, restored.stderr
        assert (folder / "attachments" / digest).read_bytes() == PDF
