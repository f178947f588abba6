"""A CONTEST_* on/off variable means what it says or stops the start: 1/true/yes/on and
0/false/no/off in any case; anything else is an error naming the variable, never a quiet "off"."""
import pytest

from contest.settings import Settings, SettingsError
from tests.setup.cli_runner import assert_one_line_failure, run_cli


@pytest.mark.parametrize(("value", "meaning"), [
    ("1", True), ("true", True), ("TRUE", True), ("Yes", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("OFF", False), ("", False)])
def test_flags_read_every_usual_spelling(monkeypatch, tmp_path, value, meaning):
    monkeypatch.setenv("CONTEST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONTEST_SECURE_COOKIES", value)
    monkeypatch.setenv("CONTEST_DEBUG", value)
    settings = Settings.from_env()
    assert (settings.secure_cookies, settings.debug) == (meaning, meaning)


@pytest.mark.parametrize("value", ["ture", "2", "enabled", "on please"])
def test_anything_else_is_refused_naming_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("CONTEST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONTEST_SECURE_COOKIES", value)
    with pytest.raises(SettingsError, match="CONTEST_SECURE_COOKIES"):
        Settings.from_env()


def test_the_command_says_so_in_one_line(settings):
    line = assert_one_line_failure(run_cli(settings, "events", "list", env={"CONTEST_SECURE_COOKIES": "ture"}),
                                   "CONTEST_SECURE_COOKIES", "ture")
    assert "无法识别" in line
