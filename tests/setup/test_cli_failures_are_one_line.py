"""Every failure of the `contest` command exits non-zero with one line saying what and where — no
traceback — including when the database cannot be reached or is not migrated."""
import asyncpg
import pytest

from tests.setup.cli_runner import assert_one_line_failure, run_cli, table_counts
from tests.support import libpq


def test_results_compute_with_a_missing_scheme_is_refused(settings, tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text("entry,stage,criterion,judge,mark\n", encoding="utf-8")
    result = run_cli(settings, "results", "compute", "--scheme", str(tmp_path / "nope.yaml"), "--marks", str(marks))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "nope.yaml" in result.stderr  # click's usage error names the option and the file


def test_results_compute_explains_only_entries_it_has(settings, tmp_path):
    (tmp_path / "scheme.yaml").write_text("scheme: 1\nname: t\nstages:\n  - key: s\n    name: 实操\n    criteria:\n"
                                          "      - {key: a, name: 刀工, max: 10, kind: judgement}\n", encoding="utf-8")
    (tmp_path / "marks.csv").write_text("entry,stage,criterion,judge,mark\nA1,s,a,J1,8\n", encoding="utf-8")
    files = ("--scheme", str(tmp_path / "scheme.yaml"), "--marks", str(tmp_path / "marks.csv"))
    assert_one_line_failure(run_cli(settings, "results", "compute", *files, "--entry", "A1"), "--entry", "--explain")
    assert_one_line_failure(run_cli(settings, "results", "compute", *files, "--explain", "--entry", "B2"), "B2")
    sheet = run_cli(settings, "results", "compute", *files, "--explain", "--entry", "A1")
    assert sheet.returncode == 0 and sheet.stdout.startswith("选手 A1    状态 有效\n") and "J1: 8" in sheet.stdout


def test_unreachable_database_is_one_line(settings, tmp_path):
    url = f"postgresql+asyncpg://postgres@/postgres?host={tmp_path}"  # no server listens there
    for args in (["events", "list"], ["user", "create", "office", "--role", "organiser", "--password", "x" * 10],
                 ["seed"]):
        assert_one_line_failure(run_cli(settings, *args, env={"CONTEST_DATABASE_URL": url}))


def test_demo_with_an_unreachable_database_is_one_line(settings, tmp_path):
    url = f"postgresql+asyncpg://postgres@/postgres?host={tmp_path}"
    assert_one_line_failure(run_cli(settings, "demo", "--port", "1", env={"CONTEST_DATABASE_URL": url}, timeout=30),
                            str(tmp_path))


def test_db_upgrade_with_an_unreachable_database_is_one_line(settings, tmp_path):
    url = f"postgresql+asyncpg://postgres@/postgres?host={tmp_path}"
    assert_one_line_failure(run_cli(settings, "db", "upgrade", env={"CONTEST_DATABASE_URL": url}))


@pytest.mark.parametrize("url", ["not a url", "postgresql://postgres@/postgres", "sqlite:///contest.db"])
def test_unusable_database_url_is_one_line(settings, url):
    assert_one_line_failure(run_cli(settings, "events", "list", env={"CONTEST_DATABASE_URL": url}),
                            "postgresql+asyncpg://")


async def test_missing_or_unmigrated_database_is_one_line(settings, pg_url):
    base = pg_url.replace("/postgres?", "/{}?")
    assert base != pg_url
    assert_one_line_failure(run_cli(settings, "events", "list",
                                    env={"CONTEST_DATABASE_URL": base.format("no_such_database")}))
    conn = await asyncpg.connect(libpq(pg_url))
    try:
        await conn.execute("drop database if exists contest_unmigrated")
        await conn.execute("create database contest_unmigrated")
        result = run_cli(settings, "events", "list", env={"CONTEST_DATABASE_URL": base.format("contest_unmigrated")})
        assert_one_line_failure(result, "contest db upgrade")
    finally:
        await conn.execute("drop database if exists contest_unmigrated")
        await conn.close()


async def test_seed_from_a_broken_file_is_one_line_and_loads_nothing(settings, pg_url, clean_db, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("seed: 1\nareas: [\n", encoding="utf-8")
    incomplete = tmp_path / "incomplete.yaml"
    incomplete.write_text("seed: 1\nareas: []\n", encoding="utf-8")
    before = await table_counts(pg_url)
    assert_one_line_failure(run_cli(settings, "seed", str(broken)), "broken.yaml")
    assert_one_line_failure(run_cli(settings, "seed", str(incomplete)), "incomplete.yaml")
    assert await table_counts(pg_url) == before
