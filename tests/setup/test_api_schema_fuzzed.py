"""Schemathesis over the OpenAPI schema of a real two-worker server, as a signed-in judge and as a
signed-in organiser: whatever it sends, no answer is a 5xx, and every status code, content type
and body is one the schema documents. Bounded: a fixed seed, a few dozen examples per operation
and a time budget."""
import subprocess
import sys

import httpx
import pytest

from contest.auth import create_account
from tests.builders import make_contest

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
RUN_SCHEMATHESIS = "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"


def fuzz(base: str, cookies: httpx.Cookies, contest, tmp_path) -> subprocess.CompletedProcess[str]:
    """Schemathesis against the server, with the path parameters of the contest's real stage, entry
    and board (so that the bodies reach the sheet's validation rather than a 404)."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"""[parameters]
"path.stage_id" = {contest.practical.id}
"path.entry_id" = {contest.entries[0].id}
"path.slug" = "{contest.event.slug}"
"path.track" = "{contest.track.slug}"
""")
    jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return subprocess.run(
        [sys.executable, "-c", RUN_SCHEMATHESIS, "--config-file", str(config), "run", f"{base}/schema/openapi.json",
         "--checks", CHECKS,
         "--phases", "examples,coverage,fuzzing", "--max-examples", "40", "--seed", "2026", "--max-time", "60",
         "--generation-database", "none", "--workers", "1", "--no-color", "--request-timeout", "20",
         "-H", f"Cookie: {jar}", "-H", f"x-csrftoken: {cookies['csrftoken']}",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=240)


async def signed_in(base: str, path: str, **kwargs) -> httpx.Cookies:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.get("/login")
        response = await client.post(path, headers={"x-csrftoken": client.cookies["csrftoken"]}, **kwargs)
        assert response.status_code in (200, 303), response.text
        return client.cookies


@pytest.mark.parametrize("who", ["judge", "organiser"])
async def test_the_api_answers_as_documented_whatever_it_is_sent(live_server, session, tmp_path, who):
    contest = await make_contest(session)
    if who == "judge":
        cookies = await signed_in(live_server, "/api/judge/session", json={
            "event_code": contest.event.judge_code, "number": "J02", "pin": contest.pins["J02"]})
    else:
        await create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
        cookies = await signed_in(live_server, "/login", data={"username": "clerk", "password": "correct-horse"})
    result = fuzz(live_server, cookies, contest, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "API operations" in result.stdout or "operations" in result.stdout, result.stdout[-2000:]
