"""The authorization matrix: every route of the app (enumerated from app.routes) has a row in the
table below saying who may use it, and every identity gets exactly that — anonymous visitors, an
organiser, a registry reviewer, a scorer, a judge and a chief judge. A route added without a row
fails this test, and so does a row whose route is gone.

The theory tests' routes are held to their rows by the invigilator and the marker too; the
contestant's routes (a sitting's session, which takes a drawn test to get) are checked here to be
closed to every other identity, and opened by a contestant in tests/exams.

"Allowed" means the request gets past sign-in and roles (it may still be a 400 or a 404 for the
made-up ids and empty forms sent); "denied" means 401/403 or a redirect to a sign-in page. A chief
judge's console is hidden from the other judges as a 404. POSTs name objects that do not exist
(except the chief judge's stage), so that the matrix changes nothing it would then depend on."""
import re

import httpx
from litestar.routes import HTTPRoute

from contest.auth import create_account
from contest.people.models import Unit
from tests.builders import make_contest, unit_account
from tests.support import Client

PUBLIC = "public"
ORGANISER = {"organiser"}
REGISTRY = {"organiser", "registry_reviewer"}
SCORING = {"scorer", "organiser"}
JUDGES = {"judge", "chief"}
CHIEF = {"chief"}  # and hidden (404) from the other judges
EXAM_ROOM = {"organiser", "invigilator"}
MARKING = {"organiser", "marker"}
CONTESTANT = {"contestant"}
UNIT_ADMINS = {"unit_admin", "county_admin"}  # a unit's and a county union's accounts (by invitation)
ACCOUNTS = ("organiser", "registry_reviewer", "scorer", "invigilator", "marker")
IDENTITIES = ("anonymous", *ACCOUNTS, *sorted(UNIT_ADMINS), "judge", "chief")

TABLE = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # its own rule (this machine, or a token): tests/operations
    ("GET", "/judge/sw.js"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/{path:str}"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    # grass-roots unions: an invitation is opened by its one-time code; a worker without a unit registers
    ("GET", "/invite/{code:str}"): PUBLIC,
    ("POST", "/invite/{code:str}"): PUBLIC,
    ("GET", "/register"): PUBLIC,
    ("GET", "/register/{track_id:int}"): PUBLIC,
    ("POST", "/register/{track_id:int}"): PUBLIC,
    ("GET", "/unit"): UNIT_ADMINS,
    ("GET", "/unit/template.xlsx"): UNIT_ADMINS,
    ("GET", "/unit/{unit_id:int}"): UNIT_ADMINS,
    ("POST", "/unit/{unit_id:int}/profile"): UNIT_ADMINS,
    ("GET", "/unit/{unit_id:int}/tracks/{track_id:int}"): UNIT_ADMINS,
    ("POST", "/unit/{unit_id:int}/tracks/{track_id:int}"): UNIT_ADMINS,
    ("POST", "/unit/{unit_id:int}/tracks/{track_id:int}/file"): UNIT_ADMINS,
    ("GET", "/unit/{unit_id:int}/filings"): UNIT_ADMINS,
    ("POST", "/unit/{unit_id:int}/filings"): UNIT_ADMINS,
    ("GET", "/unit/{unit_id:int}/innovations"): UNIT_ADMINS,
    ("POST", "/unit/{unit_id:int}/innovations"): UNIT_ADMINS,
    ("POST", "/unit/filings/{filing_id:int}/results"): UNIT_ADMINS,
    ("GET", "/unit/filings/{filing_id:int}"): UNIT_ADMINS | ORGANISER,  # a unit's own, its county's; the office all
    ("POST", "/unit/filings/{filing_id:int}/decision"): UNIT_ADMINS | ORGANISER,  # the service refuses the unit itself
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    # public pages, feeds and files (what a board shows is the public gate's business, tested elsewhere)
    ("GET", "/"): PUBLIC,
    ("GET", "/events/{slug:str}"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}/rows"): PUBLIC,
    ("GET", "/live/tracks/{track_id:int}"): PUBLIC,
    ("GET", "/api/events/{slug:str}/tracks/{track:str}/board"): PUBLIC,
    ("GET", "/screen/events/{slug:str}/tracks/{track:str}"): PUBLIC,
    ("GET", "/units/{unit_id:int}"): PUBLIC,
    ("GET", "/units/{unit_id:int}/practice"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}/entries/{code:str}"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}/my-score"): PUBLIC,
    ("POST", "/events/{slug:str}/tracks/{track:str}/my-score"): PUBLIC,
    ("GET", "/events/{slug:str}/notice"): PUBLIC,
    ("GET", "/events/{slug:str}/notice.xlsx"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}/results.xlsx"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}/marks.csv"): PUBLIC,
    ("GET", "/events/{slug:str}/tracks/{track:str}/scheme.json"): PUBLIC,
    ("GET", "/certificates/{code:str}"): PUBLIC,
    ("GET", "/verify/{code:str}"): PUBLIC,
    ("GET", "/studios"): PUBLIC,
    ("GET", "/studios/{studio_id:int}"): PUBLIC,
    ("GET", "/studios/people/{person_id:int}"): PUBLIC,
    ("GET", "/alliances"): PUBLIC,
    ("GET", "/alliances/{alliance_id:int}"): PUBLIC,
    ("GET", "/innovations"): PUBLIC,
    ("GET", "/innovations/{result_id:int}"): PUBLIC,
    ("GET", "/innovations/{result_id:int}/images/{file_id:int}"): PUBLIC,
    ("GET", "/innovations/studios/{studio_id:int}"): PUBLIC,
    ("GET", "/innovations/people/{person_id:int}"): PUBLIC,
    # an attachment: a 404 for anyone but the organiser, the assigned experts and the submitting
    # account (tests/innovations), so its route lets everyone ask
    ("GET", "/innovations/files/{file_id:int}"): PUBLIC,
    # an expert's review of the innovation results assigned to them
    ("GET", "/review/innovations"): {"registry_reviewer"},
    ("GET", "/review/innovations/{result_id:int}"): {"registry_reviewer"},
    ("POST", "/review/innovations/{result_id:int}"): {"registry_reviewer"},
    ("GET", "/registry"): PUBLIC,
    ("GET", "/registry/people"): PUBLIC,
    ("GET", "/registry/people/{person_id:int}"): PUBLIC,
    ("GET", "/registry/notices"): PUBLIC,
    ("GET", "/registry/notices/{batch_id:int}"): PUBLIC,
    ("POST", "/registry/notices/{batch_id:int}/objections"): PUBLIC,  # anyone may object, under a real name
    ("GET", "/registry/objections/{receipt:str}"): PUBLIC,  # an objector follows up by receipt code
    # judges: sign-in is public, the rest needs a judge's session
    ("GET", "/judge/login"): PUBLIC,
    ("POST", "/judge/login"): PUBLIC,
    ("GET", "/judge/login/{token:str}"): PUBLIC,
    ("POST", "/api/judge/session"): PUBLIC,
    ("GET", "/judge"): JUDGES,
    ("GET", "/judge/stages/{stage_id:int}"): JUDGES,
    ("GET", "/judge/pledge"): JUDGES,
    ("POST", "/judge/pledge"): JUDGES,
    ("GET", "/api/judge/queue"): JUDGES,
    ("GET", "/api/judge/stages/{stage_id:int}/entries/{entry_id:int}"): JUDGES,
    ("PUT", "/api/judge/stages/{stage_id:int}/entries/{entry_id:int}"): JUDGES,
    ("GET", "/chief/stages/{stage_id:int}"): CHIEF,
    ("GET", "/chief/stages/{stage_id:int}/sheets/{sheet_id:int}"): CHIEF,
    ("GET", "/chief/stages/{stage_id:int}/record"): CHIEF,
    ("POST", "/chief/stages/{stage_id:int}/recheck"): CHIEF,
    ("POST", "/chief/stages/{stage_id:int}/sheets/{sheet_id:int}/reopen"): CHIEF,
    ("POST", "/chief/stages/{stage_id:int}/signoff"): CHIEF,
    ("POST", "/chief/stages/{stage_id:int}/signoff/withdraw"): CHIEF,
    ("POST", "/chief/stages/{stage_id:int}/recheck/{bib:str}"): CHIEF,
    ("GET", "/scorer"): SCORING,
    ("GET", "/scorer/stages/{stage_id:int}"): SCORING,
    ("POST", "/scorer/stages/{stage_id:int}"): SCORING,
    # the registry office
    ("GET", "/admin/registry"): REGISTRY,
    ("GET", "/admin/registry/candidates/{candidate_id:int}"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/profile"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/eligibility"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/recheck"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/review"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/finish-review"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/decisions/{decision:str}"): REGISTRY,
    ("POST", "/admin/registry/candidates/{candidate_id:int}/objections"): REGISTRY,
    ("GET", "/admin/registry/objections"): REGISTRY,
    ("POST", "/admin/registry/candidates"): REGISTRY,
    ("POST", "/admin/registry/import"): REGISTRY,
    ("POST", "/admin/registry/mentorships"): REGISTRY,
    ("POST", "/admin/registry/mentorships/{pair_id:int}/close"): REGISTRY,
    ("GET", "/admin/registry/import-template.xlsx"): REGISTRY,
    ("GET", "/admin/registry/people"): REGISTRY,
    ("GET", "/admin/registry/people/pick/{field:str}"): REGISTRY,
    ("GET", "/admin/registry/people/{person_id:int}"): REGISTRY,
    ("POST", "/admin/registry/people/{person_id:int}/skill-level"): REGISTRY,
    ("POST", "/admin/registry/batches/{batch_id:int}/name"): REGISTRY,
    ("POST", "/admin/registry/notice"): REGISTRY,
    ("GET", "/admin/registry/report"): REGISTRY,
    ("GET", "/admin/registry/report.xlsx"): REGISTRY,
    ("POST", "/admin/registry/objections/{objection_id:int}"): REGISTRY,
    ("POST", "/admin/registry/target"): REGISTRY,
    ("POST", "/admin/registry/sync"): REGISTRY,
    # theory tests: the hall, the markers, the contestant (sign-in by bib and code), and 网上练兵 for anyone
    ("GET", "/invigilate"): EXAM_ROOM,
    ("GET", "/invigilate/tests/{exam_id:int}"): EXAM_ROOM,
    ("GET", "/invigilate/tests/{exam_id:int}/rows"): EXAM_ROOM,
    ("POST", "/invigilate/tests/{exam_id:int}/code"): EXAM_ROOM,
    ("POST", "/invigilate/tests/{exam_id:int}/open"): EXAM_ROOM,
    ("POST", "/invigilate/tests/{exam_id:int}/end"): EXAM_ROOM,
    ("POST", "/invigilate/tests/{exam_id:int}/sittings/{sitting_id:int}/extend"): EXAM_ROOM,
    ("POST", "/invigilate/tests/{exam_id:int}/sittings/{sitting_id:int}/release"): EXAM_ROOM,
    ("GET", "/marking"): MARKING,
    ("GET", "/marking/tests/{exam_id:int}"): MARKING,
    ("POST", "/marking/tests/{exam_id:int}/answers/{sitting_id:int}/{position:int}"): MARKING,
    ("GET", "/exam"): PUBLIC,
    ("POST", "/exam/login"): PUBLIC,
    ("GET", "/exam/review"): PUBLIC,
    ("POST", "/exam/review"): PUBLIC,
    ("GET", "/exam/paper"): CONTESTANT,
    ("GET", "/exam/done"): CONTESTANT,
    ("PUT", "/api/exam/answers/{position:int}"): CONTESTANT,
    ("GET", "/api/exam/status"): CONTESTANT,
    ("POST", "/api/exam/hand-in"): CONTESTANT,
    ("GET", "/practice"): PUBLIC,
    ("GET", "/practice/me"): PUBLIC,
    ("POST", "/practice/me"): PUBLIC,
    ("GET", "/practice/sets/{set_id:int}"): PUBLIC,
    ("POST", "/practice/sets/{set_id:int}/start"): PUBLIC,
    ("GET", "/practice/sets/{set_id:int}/board"): PUBLIC,
    ("GET", "/practice/attempts/{token:str}"): PUBLIC,
    ("POST", "/practice/attempts/{token:str}/questions/{question_id:int}"): PUBLIC,
    ("POST", "/practice/attempts/{token:str}/finish"): PUBLIC,
}
ORGANISER_ONLY = """
GET /admin
GET /admin/units
POST /admin/units
GET /admin/import-template.xlsx
GET /admin/projects-template.xlsx
GET /admin/judges-template.xlsx
POST /admin/events
GET /admin/events/{slug:str}
POST /admin/events/{slug:str}
POST /admin/events/{slug:str}/status
POST /admin/events/{slug:str}/tracks
POST /admin/events/{slug:str}/judges
POST /admin/events/{slug:str}/judges/sheet
POST /admin/events/{slug:str}/judges/import
GET /admin/events/{slug:str}/notice.xlsx
POST /admin/events/{slug:str}/judges/{judge_id:int}/unlock
POST /admin/events/{slug:str}/scorers
POST /admin/events/{slug:str}/scorers/{account_id:int}/remove
POST /admin/events/{slug:str}/conflicts
GET /admin/events/{slug:str}/tracks/{track:str}
POST /admin/events/{slug:str}/tracks/{track:str}/import
POST /admin/events/{slug:str}/tracks/{track:str}/entries
POST /admin/events/{slug:str}/tracks/{track:str}/entries/status
GET /admin/events/{slug:str}/tracks/{track:str}/contestants
GET /admin/events/{slug:str}/tracks/{track:str}/contestants/{bib:str}
POST /admin/events/{slug:str}/tracks/{track:str}/contestants/{bib:str}
GET /admin/events/{slug:str}/judges
GET /admin/events/{slug:str}/panels/{panel_id:int}
POST /admin/events/{slug:str}/panels/{panel_id:int}
POST /admin/events/{slug:str}/panels/{panel_id:int}/remove
POST /admin/events/{slug:str}/panels/{panel_id:int}/replace
POST /admin/events/{slug:str}/tracks/{track:str}/stages/{stage_id:int}/signoff/withdraw
POST /admin/events/{slug:str}/tracks/{track:str}/contestants
GET /admin/events/{slug:str}/standard-scores
GET /admin/events/{slug:str}/tracks/{track:str}/results.xlsx
GET /admin/events/{slug:str}/tracks/{track:str}/marks.csv
GET /admin/events/{slug:str}/tracks/{track:str}/opinions.csv
GET /admin/events/{slug:str}/tracks/{track:str}/admission-cards
GET /admin/events/{slug:str}/tracks/{track:str}/certificates
POST /admin/events/{slug:str}/tracks/{track:str}/draw
POST /admin/events/{slug:str}/tracks/{track:str}/draw/late
POST /admin/events/{slug:str}/tracks/{track:str}/rounds
POST /admin/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme
GET /admin/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme
POST /admin/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme/form
POST /admin/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme/preview
POST /admin/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/panels
GET /admin/events/{slug:str}/publication
POST /admin/events/{slug:str}/publication/notice
POST /admin/events/{slug:str}/publication/titles
POST /admin/events/{slug:str}/publication/titles/{rule_id:int}/remove
POST /admin/events/{slug:str}/publication/corrections
POST /admin/events/{slug:str}/publication/corrections/issue
POST /admin/events/{slug:str}/publication/corrections/withdraw
POST /admin/events/{slug:str}/publication/appeals
POST /admin/events/{slug:str}/publication/appeals/{appeal_id:int}
POST /admin/events/{slug:str}/publication/final
POST /admin/events/{slug:str}/publication/tracks/{track:str}/{action:str}
POST /admin/events/{slug:str}/publication/certificates/{code:str}/revoke
GET /admin/accounts
POST /admin/accounts
GET /admin/unit-accounts
POST /admin/unit-accounts
GET /admin/registrations
GET /admin/filings
GET /admin/coverage
GET /admin/coverage.xlsx
POST /admin/registrations
POST /admin/registrations/events/{slug:str}
POST /admin/accounts/{account_id:int}
POST /admin/accounts/{account_id:int}/password
GET /admin/studios
POST /admin/studios
POST /admin/studios/import
GET /admin/studios/import-template.xlsx
GET /admin/studios/{studio_id:int}
POST /admin/studios/{studio_id:int}
POST /admin/studios/{studio_id:int}/members
POST /admin/studios/{studio_id:int}/members/{person_id:int}/remove
POST /admin/studios/{studio_id:int}/reports
POST /admin/studios/{studio_id:int}/assessment
GET /admin/studios/alliances
POST /admin/studios/alliances
GET /admin/studios/alliances/{alliance_id:int}
POST /admin/studios/alliances/{alliance_id:int}/members
POST /admin/studios/alliances/{alliance_id:int}/members/{studio_id:int}/remove
POST /admin/studios/alliances/{alliance_id:int}/rotate
POST /admin/studios/alliances/{alliance_id:int}/chair
GET /admin/innovations
POST /admin/innovations
GET /admin/innovations/{result_id:int}
POST /admin/innovations/{result_id:int}/experts
POST /admin/innovations/{result_id:int}/finish-review
POST /admin/innovations/{result_id:int}/award
POST /admin/innovations/files/{file_id:int}/public
GET /admin/exams
POST /admin/exams/banks
GET /admin/exams/banks/{bank_id:int}
POST /admin/exams/banks/{bank_id:int}/import
POST /admin/exams/banks/{bank_id:int}/questions
GET /admin/exams/question-template.xlsx
GET /admin/exams/questions/{question_id:int}
POST /admin/exams/questions/{question_id:int}
POST /admin/exams/questions/{question_id:int}/retire
POST /admin/exams/sets
GET /admin/exams/sets/{set_id:int}
POST /admin/exams/sets/{set_id:int}/publish
POST /admin/exams/tests
GET /admin/exams/tests/{exam_id:int}
POST /admin/exams/tests/{exam_id:int}/blueprint
POST /admin/exams/tests/{exam_id:int}/draw
POST /admin/exams/tests/{exam_id:int}/undraw
POST /admin/exams/tests/{exam_id:int}/confirm
GET /admin/exams/tests/{exam_id:int}/analysis
GET /admin/exams/tests/{exam_id:int}/papers/{sitting_id:int}
GET /admin/exams/tests/{exam_id:int}/results
"""
TABLE |= {tuple(line.split(" ", 1)): ORGANISER for line in ORGANISER_ONLY.strip().splitlines()}

PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
SIGN_IN_PAGES = ("/login", "/judge/login")
EXAM_SIGN_IN = "/exam"  # a contestant's


def routes(app) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes if isinstance(route, HTTPRoute)
            for method in route.route_handler_map if method not in ("HEAD", "OPTIONS")}


def fill(method: str, path: str, contest) -> str:
    """The route's address: a GET names real things, a POST made-up ones (but the chief's stage)."""
    real = {"slug": contest.event.slug, "track": contest.track.slug, "seq": "1", "file_path": "js/site.js",
            "path": "openapi.json", "stage_id": str(contest.practical.id), "entry_id": str(contest.entries[0].id),
            "track_id": "999999", "token": "not-a-token", "code": "not-a-code", "action": "certificates"}
    made_up = {"slug": "no-such-event", "track": "no-such-track", "code": "not-a-code", "action": "nothing"}
    keep_stage = path.startswith("/chief/")

    def value(match: re.Match) -> str:
        name = match.group(1)
        if method == "GET" or (name == "stage_id" and keep_stage):
            return real.get(name, "1")
        return made_up.get(name, "999999")

    return PARAMETER.sub(value, path)


def denied(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.is_redirect and (location.startswith(SIGN_IN_PAGES) or location == EXAM_SIGN_IN)


async def identities(app, session, contest) -> dict[str, Client]:
    clients = {name: Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
               for name in IDENTITIES}
    for role in ACCOUNTS:
        await create_account(session, role, role, role, "correct-horse")
        assert (await clients[role].login(role)).status_code == 303
    for role, scope in (("unit_admin", {"unit_id": contest.entries[0].unit_id}),
                        ("county_admin", {"area_id": (await session.get(Unit, contest.entries[0].unit_id)).area_id})):
        await unit_account(session, role, **scope)
        assert (await clients[role].login(role)).status_code == 303
    for name, number in (("judge", "J02"), ("chief", "J01")):
        signed = await clients[name].post("/api/judge/session", json={
            "event_code": contest.event.judge_code, "number": number, "pin": contest.pins[number]},
            headers={"x-csrftoken": await clients[name].csrf()})
        assert signed.status_code == 200
    return clients


async def test_every_route_has_a_row_and_every_identity_gets_what_it_says(app, session):
    assert routes(app) - set(TABLE) == set(), "routes without a row in the access table"
    assert set(TABLE) - routes(app) == set(), "rows for routes that no longer exist"
    contest = await make_contest(session)
    clients = await identities(app, session, contest)
    wrong = []
    for (method, path), allowed in sorted(TABLE.items(), key=lambda row: row[0] == ("POST", "/logout")):
        url = fill(method, path, contest)
        for name, client in clients.items():
            if allowed == PUBLIC and name != "anonymous" and method != "GET":
                continue  # signing in or out as someone else: nothing to learn, and it would end the session
            headers = {"x-csrftoken": await client.csrf()}
            body = {} if method == "GET" else {"json": {}} if url.startswith("/api/") else {"data": {}}
            response = await client.request(method, url, headers=headers, **body)
            may = allowed == PUBLIC or name in allowed
            hidden = allowed == CHIEF and name == "judge" and response.status_code == 404
            if may == denied(response) and not hidden:
                wrong.append(f"{method} {url} as {name}: {response.status_code} "
                             f"{response.headers.get('location', '')} ({'allowed' if may else 'denied'} expected)")
    for client in clients.values():
        await client.aclose()
    assert not wrong, "\n".join(wrong)
