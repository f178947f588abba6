"""Backups that restore: PostgreSQL's own pg_dump and pg_restore (those shipped with the embedded
server, which also serve a server by URL of version 18 or older).

A backup is one tar file:
  database.dump  pg_dump's custom format of the whole database, read in one snapshot while the
                 platform runs (judges may be submitting), so the ledger and its head agree
  backup.json    what the same snapshot held: the ledger's length and head, the schema revision
  id_hash_key    the key of the ID-number hashes, without which a restored platform would no
                 longer recognise the people it knows
  attachments/   the innovation results' attachments of the data folder, each named by its SHA-256
                 (written before the row that names them commits, and never changed, so every file
                 the snapshot names is there; one written since is harmless)
It is as confidential as the data folder itself."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import subprocess
import tarfile
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from contest import clock, db
from contest.errors import InputError

log = logging.getLogger("uvicorn.error")  # the server's log, where scheduled backups report
PATTERN = "contest-*.tar"  # what scheduled backups are named, and all that pruning ever deletes
ATTACHMENTS = "attachments"  # the data folder's attachments (innovation results), and their folder in a backup


@dataclass(frozen=True)
class Manifest:
    taken_at: str  # ISO 8601, in the contest's time zone
    revision: str | None  # Alembic's
    ledger_entries: int
    ledger_head: str


async def backup(url: str, id_hash_key: str, target: Path, attachments: Path | None = None) -> tuple[Path, Manifest]:
    """Write a backup to target — a file, or a folder to hold contest-YYYYMMDD-HHMMSS.tar — with
    the attachments folder's files, and return its path and manifest. The file appears whole or
    not at all."""
    taken = clock.local(clock.now())
    path = target / f"contest-{taken:%Y%m%d-%H%M%S}.tar" if target.is_dir() else target
    partial = path.with_name(path.name + ".partial")
    conn = await asyncpg.connect(db.libpq_url(url))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            # pg_dump reads the snapshot this transaction exported, so the manifest and the dump agree
            snapshot = await conn.fetchval("select pg_export_snapshot()")
            row = await conn.fetchrow("""select (select version_num from alembic_version) as revision,
                                                (select count(*) from ledger_entry) as entries,
                                                (select hash from ledger_head where id = 1) as head""")
            manifest = Manifest(taken.isoformat(timespec="seconds"), row["revision"], row["entries"], row["head"])
            with tempfile.TemporaryDirectory(dir=path.parent, prefix=".contest-backup-") as work:
                dump = Path(work) / "database.dump"
                await asyncio.to_thread(_postgres_tool, url, "pg_dump", "--format=custom", f"--snapshot={snapshot}",
                                        f"--file={dump}")
                with tarfile.open(partial, "w") as tar:
                    tar.add(dump, "database.dump")
                    _add_text(tar, "backup.json", json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
                    _add_text(tar, "id_hash_key", id_hash_key)
                    for stored in _attachments(attachments):
                        tar.add(stored, f"{ATTACHMENTS}/{stored.name}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        await conn.close()
    partial.chmod(0o600)
    partial.replace(path)
    return path, manifest


def read_archive(path: Path) -> tuple[Manifest, str]:
    """The manifest and ID-hash key of a backup file; InputError when it is not one."""
    try:
        with tarfile.open(path) as tar:
            manifest = Manifest(**json.loads(tar.extractfile("backup.json").read()))
            key = tar.extractfile("id_hash_key").read().decode().strip()
            tar.getmember("database.dump")
    except (OSError, tarfile.TarError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{path} 不是 contest db backup 生成的备份文件（{exc}）") from exc
    return manifest, key


async def restore(url: str, path: Path, attachments: Path | None = None) -> Manifest:
    """Restore a backup into an empty database, all or nothing, and check that its ledger head
    arrived; refuse a database that holds any table. Its attachments go into `attachments`, each
    checked against its SHA-256 name."""
    manifest, _ = read_archive(path)
    conn = await asyncpg.connect(db.libpq_url(url))
    try:
        tables = await conn.fetchval("select count(*) from pg_tables where schemaname = 'public'")
        if tables:
            raise InputError(f"目标数据库不是空的（已有 {tables} 张表），恢复只能写入空的数据目录或空数据库："
                             "请换一个新的 CONTEST_DATA_DIR，或新建一个数据库")
        with tempfile.TemporaryDirectory(prefix="contest-restore-") as work:
            with tarfile.open(path) as tar:
                tar.extract("database.dump", work, filter="data")
            await asyncio.to_thread(_postgres_tool, url, "pg_restore", "--exit-on-error", "--single-transaction",
                                    "--no-owner", "--no-privileges", f"--dbname={_dbname(url)}",
                                    str(Path(work) / "database.dump"))
        head = await conn.fetchval("select hash from ledger_head where id = 1")
    finally:
        await conn.close()
    if head != manifest.ledger_head:
        raise InputError(f"恢复后的账本末条哈希 {head} 与备份记录的 {manifest.ledger_head} 不符")
    if attachments is not None:
        _restore_attachments(path, attachments)
    return manifest


def _attachments(folder: Path | None) -> list[Path]:
    """The stored attachments: files named by a SHA-256 (a half-written `.partial` is not one)."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and len(p.name) == 64 and p.name.isalnum())


def _restore_attachments(path: Path, folder: Path) -> None:
    """The backup's attachments into folder, each checked against its SHA-256 name."""
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if not (member.isfile() and member.name.startswith(f"{ATTACHMENTS}/")):
                continue
            name = member.name.removeprefix(f"{ATTACHMENTS}/")
            body = tar.extractfile(member).read()
            if hashlib.sha256(body).hexdigest() != name:
                raise InputError(f"备份中的附件 {name[:12]}… 校验不符，备份文件已损坏")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(body)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` scheduled backups in folder (and nothing else); the deleted."""
    old = sorted(folder.glob(PATTERN))[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


class Schedule:
    """Backups every `minutes` into a folder, keeping the newest `keep`, on a thread of the serving
    process: the first at once, the last one finished before the server lets its database go."""

    def __init__(self, url: str, id_hash_key: str, folder: Path, minutes: float, keep: int,
                 attachments: Path | None = None) -> None:
        self.url, self.id_hash_key, self.folder, self.minutes, self.keep = url, id_hash_key, folder, minutes, keep
        self.attachments = attachments
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="contest-backups", daemon=True)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                path, manifest = asyncio.run(backup(self.url, self.id_hash_key, self.folder, self.attachments))
                prune(self.folder, self.keep)
                log.info("备份已写入 %s（账本 %d 条）", path, manifest.ledger_entries)
            except Exception as exc:  # the next round tries again; the server goes on serving
                log.error("定时备份失败：%s", str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
            self._stop.wait(self.minutes * 60)


def _postgres_tool(url: str, program: str, *args: str) -> None:
    """Run pg_dump or pg_restore on the database at url; the password travels in the environment,
    not on the command line where `ps` shows it."""
    parts = make_url(url)
    env = os.environ | {k: str(v) for k, v in {
        "PGHOST": parts.query.get("host") or parts.host, "PGPORT": parts.query.get("port") or parts.port,
        "PGUSER": parts.username, "PGPASSWORD": parts.password, "PGDATABASE": parts.database,
    }.items() if v}
    done = subprocess.run([str(db.postgres_binary(program)), *args], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        problem = next((line for line in done.stderr.splitlines() if line.strip()), f"exit {done.returncode}")
        raise RuntimeError(f"{program}: {problem}")


def _dbname(url: str) -> str:
    return make_url(url).database or "postgres"


def _add_text(tar: tarfile.TarFile, name: str, content: str) -> None:
    data = content.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(clock.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
