"""The schema comes only from migrations: an empty database is refused, and the migrated
schema matches the models exactly (alembic check)."""
import asyncpg
import pytest
from alembic import command
from alembic.util.exc import CommandError

from contest import db
from tests.support import libpq


async def _fresh_database(pg_url: str, name: str) -> str:
    conn = await asyncpg.connect(libpq(pg_url))
    await conn.execute(f"drop database if exists {name}")
    await conn.execute(f"create database {name}")
    await conn.close()
    return pg_url.replace("/postgres?", f"/{name}?")


async def test_empty_database_is_refused_with_upgrade_advice(pg_url):
    url = await _fresh_database(pg_url, "empty_db")
    engine = db.make_engine(url)
    with pytest.raises(db.DatabaseNotReady, match="contest db upgrade"):
        await db.ensure_migrated(engine)
    await engine.dispose()


def test_migrations_apply_to_an_empty_database_and_match_the_models(pg_url):
    import asyncio

    url = asyncio.run(_fresh_database(pg_url, "migrated_db"))
    db.upgrade(url)
    try:
        command.check(db.alembic_config(url))
    except CommandError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"models and migrations differ: {exc}")
