"""Registry tests build on the judged contest of the judging tests."""
from tests.judging.conftest import contest  # noqa: F401
