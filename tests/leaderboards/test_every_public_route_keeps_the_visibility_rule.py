"""Every public route of an event — its page, the board page, rows, JSON feed, big screen, contestant
pages, unit page, notice and its XLSX, results XLSX, marks CSV, scheme, certificates and the live
stream (the board's and the big screen's) — under each
visibility rule (hidden, blind, named) at each state of the results (provisional, signed off, under
notice, final), and for a draft event: nothing the rule hides is found anywhere, and what it shows is."""
from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from decimal import Decimal

import asyncpg
import httpx
import openpyxl
from sqlmodel import select

from contest import clock, scoring
from contest.judging.models import Result
from contest.leaderboards import public
from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate
from contest.people.models import Unit
from tests.builders import NAMES, Contest, certified_contest, make_contest, score_everything, sign_off
from tests.support import libpq

RULES = ("hidden", "blind", "named")


def readable(response: httpx.Response) -> str:
    """A response as text: spreadsheets cell by cell."""
    if response.content[:2] == b"PK":
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(" ".join(str(v) for v in row if v is not None)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return response.text


async def first_sse_event(live_server: str, track_id: int) -> tuple[int, str]:
    """The live stream's status and first event, from a real server (the in-process transport buffers)."""
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as real, \
            real.stream("GET", f"/live/tracks/{track_id}") as response:
        if response.status_code != 200:
            return response.status_code, (await response.aread()).decode()
        data = []
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                data.append(line)
            elif not line and data:
                return 200, "\n".join(data)
    return 200, ""


async def walk(client, live_server: str, session, contest: Contest) -> dict[str, httpx.Response | tuple]:
    """Every public route of the contest's event: path -> response (the live stream: status, first event)."""
    base, track = f"/events/{contest.event.slug}", f"/events/{contest.event.slug}/tracks/{contest.track.slug}"
    unit_id = (await session.exec(select(Unit.id))).first()
    codes = (await session.exec(select(Certificate.code))).all()
    paths = ["/", base, track, f"{track}/rows", f"{track}/rows?view=screen", f"/api{track}/board",
             f"/screen{track}", f"/units/{unit_id}", f"{base}/notice", f"{base}/notice.xlsx", f"{track}/results.xlsx",
             f"{track}/marks.csv", f"{track}/scheme.json",
             *(f"{track}/entries/{e.blind_code}" for e in contest.entries),
             *(f"/certificates/{c}" for c in codes), *(f"/verify/{c}" for c in codes)]
    seen: dict[str, httpx.Response | tuple] = {path: await client.get(path) for path in paths}
    seen["/live"] = await asyncio.wait_for(first_sse_event(live_server, contest.track.id), 20)
    return seen


def text(answer: httpx.Response | tuple) -> str:
    return answer[1] if isinstance(answer, tuple) else readable(answer)


def status(answer: httpx.Response | tuple) -> int:
    return answer[0] if isinstance(answer, tuple) else answer.status_code


async def totals(session, contest: Contest) -> set[str]:
    """Every entry's total as the board prints it (two places)."""
    rows = (await session.exec(select(Result.total).where(Result.total.is_not(None)))).all()
    assert rows, "the contest has results"
    return {scoring.format_decimal(Decimal(total), 2) for total in rows}


async def set_visibility(session, contest: Contest, rule: str) -> None:
    contest.event.visibility = rule
    session.add(contest.event)
    await session.commit()


async def check_every_route(client, live_server, session, contest: Contest, state: str) -> None:
    secret_totals = await totals(session, contest)
    names = set(NAMES[:len(contest.entries)])
    for rule in RULES:
        await set_visibility(session, contest, rule)
        shows_results, shows_names = public.visibility(contest.event, state)
        seen = await walk(client, live_server, session, contest)
        published = state in ("under_notice", "final")
        for path, answer in seen.items():
            where = f"{rule}/{state} {path}"
            body = text(answer)
            if not shows_names:
                assert not any(name in body for name in names), where
            if not shows_results:
                assert not any(total in body for total in secret_totals), where
            expected = 404 if (path.endswith(("marks.csv", "scheme.json", "/notice", "notice.xlsx"))
                               and not published) or (path.endswith("results.xlsx") and not shows_results) else 200
            assert status(answer) == expected, (where, status(answer))
        board = text(seen[f"/events/cook/tracks/{contest.track.slug}"]) + text(seen["/live"])
        assert any(name in board for name in names) == shows_names, f"{rule}/{state}: names shown?"
        assert any(total in board for total in secret_totals) == shows_results, f"{rule}/{state}: totals shown?"


async def test_every_route_keeps_each_rule_at_each_state(client, session, live_server):
    contest = await make_contest(session)
    await score_everything(session, contest)
    await check_every_route(client, live_server, session, contest, "provisional")
    await sign_off(session, contest)
    await check_every_route(client, live_server, session, contest, "signed_off")
    today = clock.today()
    await boards.publish(session, contest.event, today - timedelta(days=8), today - timedelta(days=1), "监督仲裁组",
                         "account:1 竞赛办", today=today - timedelta(days=8))
    await check_every_route(client, live_server, session, contest, "under_notice")
    await boards.finalise(session, contest.event, "account:1 竞赛办")
    await boards.issue_certificates(session, contest.event, contest.track, "account:1 竞赛办")
    await check_every_route(client, live_server, session, contest, "final")


# What fills each path parameter of a public route in the walk of a draft event; a route with another
# parameter fails the walk until the value that reaches the event's data is added here.
NOT_THE_EVENTS = {"file_path": "css/site.css", "studio_id": "1", "alliance_id": "1", "batch_id": "1",
                  "receipt": "GS-1", "set_id": "1", "result_id": "1", "file_id": "1"}


def public_get_routes(app) -> list[str]:
    """Every public GET route of the app, from its route table: a new one is walked without asking."""
    return sorted({route.path for route in app.routes for handler in getattr(route, "route_handlers", [])
                   if (handler.opt or {}).get("exclude_from_auth") and "GET" in (handler.http_methods or ())})


def filled(path: str, values: dict[str, str]) -> str:
    for part in path.split("{")[1:]:
        spec = part.split("}")[0]
        name = spec.split(":")[0]
        assert name in values, f"public route {path}: say here which value of {{{name}}} reaches the event"
        path = path.replace("{" + spec + "}", values[name])
    return path


async def test_nothing_of_a_draft_event_is_public(app, session, live_server, pg_url):
    """Every public route of the app's route table, for an event that has everything to show (final
    results, notice, exports, certificates) but is a draft: 404s, and not a name, a title or a live
    stream of it anywhere."""
    contest = await make_contest(session)
    await certified_contest(session, contest)
    code = (await session.exec(select(Certificate.code))).first()
    judge = contest.judges[0]
    values = {**NOT_THE_EVENTS, "slug": "cook", "track": contest.track.slug, "track_id": str(contest.track.id),
              "unit_id": str(contest.entries[0].unit_id), "code": code, "token": judge.login_token,
              "person_id": str(contest.entries[0].person_id)}
    # a route whose parameter means something else there: a contestant's page is by blind code
    by_route = {"/events/{slug:str}/tracks/{track:str}/entries/{code:str}": {"code": contest.entries[0].blind_code}}
    conn = await asyncpg.connect(libpq(pg_url))
    await conn.execute("update event set status = 'draft'")  # the lifecycle never goes back: only behind its back
    await conn.close()
    routes = public_get_routes(app)
    assert "/live/tracks/{track_id:int}" in routes and "/certificates/{code:str}" in routes
    for rule in RULES:
        await set_visibility(session, contest, rule)
        async with httpx.AsyncClient(base_url=live_server, timeout=10) as public:
            for route in routes:
                url = filled(route, {**values, **by_route.get(route, {})})
                async with public.stream("GET", url) as response:
                    kind = response.headers.get("content-type", "")
                    assert not (response.status_code == 200 and "event-stream" in kind), f"{url} streams the event"
                    await response.aread()
                body = re.sub(r'placeholder="[^"]*"', "", readable(response))  # a search box's example name
                for secret in (*NAMES, contest.event.name, contest.track.name, code):
                    assert secret not in body, (rule, url, response.status_code, secret)
                if route.startswith(("/events/", "/live/", "/api/events/", "/screen/", "/certificates/", "/verify/")):
                    assert response.status_code == 404, (rule, url, response.status_code)
