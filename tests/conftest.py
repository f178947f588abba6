"""One embedded PostgreSQL per test session, migrated once; every database test starts from
empty tables. The app is driven over real HTTP semantics in the test's own event loop."""
from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from contest import db
from contest.app import create_app
from contest.settings import Settings
from tests.builders import Contest, make_contest, sign_in_organiser
from tests.support import ID_KEY, Client, chromium_path, contest_server, empty_database


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("CONTEST_TEST_DATABASE_URL")
    postgres = None
    if not url:
        # Not under pytest's tmp folders: pytest prunes old ones, and the server runs as another user.
        postgres = db.EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="contest-test-pg-")))
        url = postgres.start()
    db.upgrade(url)
    yield url
    if postgres is not None:
        postgres.discard()


@pytest.fixture(scope="session")
def settings(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=pg_url, secret_key="test-secret" * 4,
                    id_hash_key=ID_KEY, base_url=None, secure_cookies=False)


@pytest.fixture(scope="session")
async def app(settings: Settings):
    """The app with its lifespan entered and left inside one task (pytest-asyncio issue 1191)."""
    application = create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait_for(started.wait(), 30)
    yield application
    stop.set()
    await task


@pytest.fixture
async def clean_db(pg_url: str) -> None:
    await empty_database(pg_url)


@pytest.fixture
async def session(app, clean_db):
    async with app.state.sessionmaker() as s:
        yield s


@pytest.fixture
async def contest(session) -> Contest:
    """A running contest to judge (see builders.make_contest)."""
    return await make_contest(session)


@pytest.fixture
async def client(app, clean_db) -> AsyncIterator[Client]:
    app.state.revision.forget()  # emptied behind its back: the truncation's announcement may still be on its way
    async with Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def organiser(app, session, client: Client) -> Client:
    """A client signed in as an organiser."""
    await sign_in_organiser(client, session)
    return client


@pytest.fixture(scope="session")
def live_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`contest serve` in a real process on loopback (two workers), on the test database."""
    with contest_server(settings, 2, tmp_path_factory.mktemp("server") / "server.log") as base:
        yield base


@pytest.fixture(scope="session")
async def browser():
    """Debian's chromium driven by Playwright's async API (never Playwright's own download)."""
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium on this machine: apt-get install chromium (CI's .ci/run does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        await b.close()
