"""The running contest of the judging tests, judged and then published here."""
from tests.judging.conftest import contest  # noqa: F401
