"""The studio tests' fixture: a small Xianning of people (see builders.make_world)."""
import pytest

from tests.builders import World, make_world


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)
