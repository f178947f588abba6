"""Browser-test fixtures: a second real server process on the same database, so that a change made
through one process must reach pages served by another (PostgreSQL LISTEN/NOTIFY via channels)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from contest.settings import Settings
from tests.support import contest_server


@pytest.fixture(scope="session")
def second_server(settings: Settings, live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`contest serve --workers 1` in its own process, with the same settings as `live_server`
    (same database, secret key and ID hash key) but its own port."""
    with contest_server(settings, 1, tmp_path_factory.mktemp("second-server") / "server.log") as base:
        yield base
