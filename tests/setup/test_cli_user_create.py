"""`contest user create`: the first organiser comes from the command line and can sign in; a taken
username or a short password is refused in one line and creates nothing."""
from tests.setup.cli_runner import assert_ok, assert_one_line_failure, run_cli, table_counts


async def test_created_organiser_can_sign_in(settings, client):
    result = run_cli(settings, "user", "create", "office", "--role", "organiser", "--name", "竞赛办",
                     "--password", "xianning-2026")
    assert_ok(result)
    assert "office" in result.stdout
    response = await client.login("office", "xianning-2026")
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("/admin")
    assert (await client.get("/admin")).status_code == 200


async def test_duplicate_username_is_refused_in_one_line(settings, pg_url, clean_db):
    assert_ok(run_cli(settings, "user", "create", "office", "--role", "organiser", "--password", "xianning-2026"))
    before = await table_counts(pg_url)
    result = run_cli(settings, "user", "create", "office", "--role", "scorer", "--password", "another-2026")
    assert_one_line_failure(result, "office")
    assert await table_counts(pg_url) == before


async def test_short_password_is_refused(settings, pg_url, clean_db, client):
    result = run_cli(settings, "user", "create", "office", "--role", "organiser", "--password", "short")
    assert_one_line_failure(result, "密码")
    assert (await table_counts(pg_url))["account"] == 0
    assert (await client.login("office", "short")).status_code != 303
