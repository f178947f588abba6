"""/metrics in Prometheus' format counts what an operator watches — requests by route and status
with their latencies, open live streams, pooled connections, submitted sheets and the ledger — added
up over every worker; it is not public: a token when one is configured, else this machine only."""
import re

import httpx
from argon2 import PasswordHasher

from contest.events import service as events_service
from tests.builders import FULL, make_contest, put_sheet, sign_in_judge
from tests.setup.serving import Server, data_folder
from tests.support import Client

TOKEN = "metrics-token-for-the-test"
SUBMIT_ROUTE = 'path="/api/judge/stages/{stage_id}/entries/{entry_id}"'


def figure(text: str, name: str, *labels: str) -> float:
    """The sum of a metric's samples whose labels include all of `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"{name}(\{{.*\}})? (\S+)$", line)  # label values may hold braces: path templates
        if match and all(label in (match[1] or "") for label in labels):
            total += float(match[2])
    return total


async def test_a_submission_is_counted_over_every_worker(settings, session, monkeypatch, pg_url):
    monkeypatch.setattr(events_service, "hash_secret", PasswordHasher(time_cost=1, memory_cost=1024).hash)
    contest = await make_contest(session)
    with data_folder() as folder:
        async with Server(folder, "--workers", "2", env={
                "CONTEST_DATABASE_URL": pg_url, "CONTEST_SECRET_KEY": settings.secret_key,
                "CONTEST_ID_HASH_KEY": settings.id_hash_key, "CONTEST_METRICS_TOKEN": TOKEN}) as server:
            await server.ready()
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as scraper:
                assert (await scraper.get("/metrics")).status_code == 403  # no token
                assert (await scraper.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
                before = (await scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text

                async with Client(base_url=server.base, timeout=10) as tablet:
                    assert (await sign_in_judge(tablet, contest)).status_code == 200
                    sent = await put_sheet(tablet, contest, contest.entries[0], FULL, 0, submit=True)
                    assert sent.status_code == 200, sent.text

                for _ in range(4):  # whichever worker answers, the figures are the same
                    after = await scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
                    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
                    text = after.text
                    assert figure(text, "contest_sheets_submitted") == figure(before, "contest_sheets_submitted") + 1
                    assert figure(text, "contest_ledger_entries", 'action="sheet.submit"') == \
                        figure(before, "contest_ledger_entries", 'action="sheet.submit"') + 1
                    assert figure(text, "contest_http_requests_total", SUBMIT_ROUTE, 'status_code="200"') == 1
                    assert figure(text, "contest_http_request_duration_seconds_count", SUBMIT_ROUTE) == 1
                    assert figure(text, "contest_http_requests_total", 'path="/healthz"') >= 1
                    assert "contest_db_connections_in_use" in text and "contest_live_streams" in text


async def test_without_a_token_only_this_machine_reads_metrics(client):
    assert (await client.get("/metrics")).status_code == 200  # the test client comes from 127.0.0.1
    proxied = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403 and "CONTEST_METRICS_TOKEN" in proxied.text
