"""Alembic environment: migrations run through the same asyncpg engine the app uses."""
import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import contest.auth  # noqa: F401  every module with tables is imported, so metadata is complete
import contest.events.models  # noqa: F401
import contest.exams.models  # noqa: F401
import contest.innovations.models  # noqa: F401
import contest.judging.models  # noqa: F401
import contest.leaderboards.models  # noqa: F401
import contest.ledger  # noqa: F401
import contest.notify  # noqa: F401
import contest.people.models  # noqa: F401
import contest.registry.models  # noqa: F401
import contest.studios.models  # noqa: F401
import contest.units.models  # noqa: F401

target_metadata = SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_async())
