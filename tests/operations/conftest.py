"""A data folder with its own embedded PostgreSQL, migrated and seeded with the small Xianning
fixture (one event, tea-2026, one track, tea-tasting), stopped between tests: every test here
starts a real `contest serve` on it and leaves it stopped."""
import pytest

from tests.setup.serving import contest, data_folder
from tests.support import FIXTURES


@pytest.fixture(scope="module")
def seeded_folder():
    with data_folder() as folder:
        for args in (("db", "upgrade"), ("seed", str(FIXTURES / "xianning-small.yaml"))):
            done = contest(folder, *args)
            assert done.returncode == 0, done.stderr
        yield folder
