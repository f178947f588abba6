"""Pages of grass-roots unions online: the office invites units and decides registrations; a unit's
chair opens the invitation on a phone, keeps the unit's profile and enters its workers; a worker
without a unit registers on a public form. What an account may see is the service's rule."""
from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth, clock, web
from contest.errors import InputError
from contest.events import importers
from contest.events import service as events
from contest.forms import Form
from contest.innovations import routes as innovations_pages
from contest.innovations import service as innovations
from contest.people import service as people
from contest.people.models import OWNERSHIPS, UNIT_SIZES, WORK_GROUPS, Unit
from contest.units import service as svc
from contest.units.models import FILING_STATES, REGISTRATION_STATES

FORM_COLUMNS = (importers.NAME, importers.ID_NUMBER, importers.PHONE, importers.AREA, importers.SKILL_LEVEL,
                *(label for label, _ in WORK_GROUPS.values()))


def _id_key(request: Request) -> bytes:
    return request.app.state.settings.id_hash_key.encode()


def _fields(form: Form) -> dict[str, str]:
    return {column: form.text(column) for column in FORM_COLUMNS}


class OfficeController(Controller):
    """The union office: invitations, and the registrations waiting for a decision."""

    guards = [auth.requires("organiser")]
    include_in_schema = False

    @get("/admin/unit-accounts")
    async def accounts_page(self, db: NamedDependency[AsyncSession]) -> Template:
        return Template("units/invitations.html", context={
            "units": await people.list_units(db), "areas": (await people.areas_by_name(db)).values(),
            "invitations": await svc.list_invitations(db)})

    @post("/admin/unit-accounts")
    async def invite(self, request: Request, db: NamedDependency[AsyncSession]) -> Template:
        """The link is shown once (only its code's hash is kept): no cache may keep this page."""
        form = await Form.read(request)
        unit_id = await people.unit_named(db, form.text("unit"), "unit") if form.text("unit") else None
        code = await svc.invite(db, unit_id=unit_id, area_id=form.int("area_id", "县(市、区)"),
                                actor=web.actor(request))
        invited = await svc.open_invitation(db, code)
        link = web.public_url(request, f"/invite/{code}")
        return Template("units/invitation_link.html", headers=web.NO_STORE, context={
            "name": invited.name, "link": link, "qr": web.qr_svg(link),
            "expires": invited.invitation.expires_at})

    @get("/admin/registrations")
    async def registrations_page(self, db: NamedDependency[AsyncSession], show: FromQuery[str] = "pending",
                                 track: FromQuery[str | None] = None) -> Template:
        track_id = web.query_id(track, "track", "赛项")
        state = show if show in REGISTRATION_STATES else "pending"
        listed = await svc.list_registrations(db, track_id=track_id, state=state)
        closes = {e.id: e for e in await events.list_events(db) if e.status == "registration"}
        return Template("units/office_registrations.html", context={
            "listed": listed, "state": state, "states": REGISTRATION_STATES, "open_events": closes.values(),
            "track": track or ""})

    @post("/admin/registrations")
    async def decide(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        approve = form.text("action") == "approve"
        await svc.decide(db, form.ints("ids", "报名"), approve, form.text("reason"), web.actor(request))
        return web.see_other("/admin/registrations")

    @get("/admin/filings")
    async def filings_page(self, db: NamedDependency[AsyncSession], show: FromQuery[str] = "filed") -> Template:
        state = show if show in FILING_STATES else "filed"
        return Template("units/office_filings.html", context={
            "filings": await svc.list_filings(db, state=state), "state": state, "states": FILING_STATES})

    @get("/admin/coverage")
    async def coverage_page(self, db: NamedDependency[AsyncSession], year: FromQuery[int | None] = None) -> Template:
        return Template("units/coverage.html", context={"c": await svc.coverage(db, year or clock.today().year),
                                                        "share": svc.share, "groups": svc.COVERAGE_GROUPS})

    @get("/admin/coverage.xlsx")
    async def coverage_xlsx(self, db: NamedDependency[AsyncSession], year: FromQuery[int | None] = None) -> Response:
        year = year or clock.today().year
        return web.download(svc.coverage_xlsx(await svc.coverage(db, year)), f"{year}年度劳动竞赛覆盖面.xlsx")

    @post("/admin/registrations/events/{slug:str}")
    async def set_closes(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await events.set_registration_closes(db, await events.get_event(db, slug),
                                             form.date("closes", "报名截止日", required=False), web.actor(request))
        return web.see_other("/admin/registrations")


@get("/invite/{code:str}", opt=auth.PUBLIC, include_in_schema=False)
async def invitation_page(db: NamedDependency[AsyncSession], code: FromPath[str]) -> Template:
    invited = await svc.open_invitation(db, code)
    return Template("units/accept.html", headers=web.NO_STORE, context={"name": invited.name, "code": code,
                                                                        "error": None, "username": ""})


@post("/invite/{code:str}", opt=auth.PUBLIC, include_in_schema=False, status_code=200)
async def accept_invitation(request: Request, db: NamedDependency[AsyncSession], code: FromPath[str]) -> Response:
    """The chair sets a username and password and lands, signed in, on the unit's home."""
    form = await Form.read(request)
    invited = await svc.open_invitation(db, code)
    username = form.text("username")[:40]
    try:
        if form.text("password") != form.text("password2"):
            raise InputError("两次输入的密码不一致", "password2")
        account = await svc.accept_invitation(db, code, username, form.text("password")[:200],
                                              form.text("display_name")[:40])
    except InputError as exc:
        await db.rollback()
        return Template("units/accept.html", status_code=400, headers=web.NO_STORE, context={
            "name": invited.name, "code": code, "error": exc.message, "username": username})
    cookie = await auth.begin_session(db, request, auth.Identity("account", account.id, account.display_name,
                                                                 account.role))
    return Redirect("/unit", status_code=303, cookies=[cookie])


class UnitController(Controller):
    """A unit's (or a county union's) own pages. Every unit id is checked by svc.own_unit."""

    path = "/unit"
    guards = [auth.requires("unit_admin", "county_admin")]
    include_in_schema = False

    @get("/")
    async def home(self, request: Request, db: NamedDependency[AsyncSession]) -> Response:
        units = await svc.units_of(db, request.user)
        if len(units) == 1 and request.user.role == "unit_admin":
            return web.see_other(f"/unit/{units[0].id}")
        ids = [u.id for u in units]
        return Template("units/county.html", context={
            "units": units, "listed": await svc.list_registrations(db, unit_ids=ids),
            "filings": await svc.list_filings(db, unit_ids=ids), "states": FILING_STATES})

    @get("/{unit_id:int}")
    async def unit_page(self, request: Request, db: NamedDependency[AsyncSession], unit_id: FromPath[int]) -> Template:
        unit = await svc.own_unit(db, request.user, unit_id)
        return Template("units/home.html", context=await _home(db, unit))

    @post("/{unit_id:int}/profile")
    async def save_profile(self, request: Request, db: NamedDependency[AsyncSession],
                           unit_id: FromPath[int]) -> Redirect:
        unit = await svc.own_unit(db, request.user, unit_id)
        form = await Form.read(request)
        await svc.save_profile(db, unit, svc.ProfileInput(
            ownership=form.text("ownership") or None, size=form.text("size") or None,
            industry_id=form.int("industry_id", "行业"), members=form.int("members", "会员人数"),
            workers=form.int("workers", "职工人数"), contact_name=form.text("contact_name"),
            contact_phone=form.text("contact_phone"), address=form.text("address")), web.actor(request))
        return web.see_other(f"/unit/{unit.id}?saved=1")

    @get("/{unit_id:int}/tracks/{track_id:int}")
    async def track_page(self, request: Request, db: NamedDependency[AsyncSession], unit_id: FromPath[int],
                         track_id: FromPath[int]) -> Template:
        unit = await svc.own_unit(db, request.user, unit_id)
        return Template("units/register.html", context=await _register(db, unit, track_id))

    @post("/{unit_id:int}/tracks/{track_id:int}")
    async def register_worker(self, request: Request, db: NamedDependency[AsyncSession], unit_id: FromPath[int],
                              track_id: FromPath[int]) -> Template:
        """One worker from the phone form; a refusal shows the form again with what was typed."""
        unit = await svc.own_unit(db, request.user, unit_id)
        event, track = await svc.registrable_track(db, track_id)
        form = await Form.read(request)
        fields = _fields(form)
        try:
            registration = await svc.register_worker(db, unit, track, fields, id_key=_id_key(request),
                                                     actor=web.actor(request))
        except InputError as exc:  # refused before anything was written
            return Template("units/register.html", status_code=400, context={
                **await _register(db, unit, track_id), "fields": fields, "error": exc.message})
        return Template("units/register.html", context={
            **await _register(db, unit, track_id), "saved": f"已提交{registration.name}的报名，等待市总工会审核"})

    @post("/{unit_id:int}/tracks/{track_id:int}/file")
    async def register_file(self, request: Request, db: NamedDependency[AsyncSession], unit_id: FromPath[int],
                            track_id: FromPath[int]) -> Template:
        unit = await svc.own_unit(db, request.user, unit_id)
        event, track = await svc.registrable_track(db, track_id)
        upload = (await Form.read(request)).upload("file", "报名表文件")
        report = await svc.register_file(db, unit, track, upload.filename, await upload.read(),
                                         id_key=_id_key(request), actor=web.actor(request))
        return Template("units/register.html", context={**await _register(db, unit, track_id), "report": report})

    @get("/{unit_id:int}/innovations")
    async def innovations_page(self, request: Request, db: NamedDependency[AsyncSession],
                               unit_id: FromPath[int]) -> Template:
        unit = await svc.own_unit(db, request.user, unit_id)
        return Template("units/innovations.html", context=await _innovations(db, unit))

    @post("/{unit_id:int}/innovations", request_max_body_size=web.UPLOAD_LIMIT)
    async def submit_innovation(self, request: Request, db: NamedDependency[AsyncSession],
                                unit_id: FromPath[int]) -> Redirect:
        unit = await svc.own_unit(db, request.user, unit_id)
        data, uploads = await innovations_pages.submission_from(db, await Form.read(request), unit.id)
        await svc.submit_innovation(db, unit, data, uploads, request.app.state.settings.attachments_dir,
                                    web.actor(request), request.user.id)
        return web.see_other(f"/unit/{unit.id}/innovations?saved=1")


async def _innovations(db: AsyncSession, unit: Unit) -> dict:
    results = await innovations.list_results(db, unit.id)
    return {"unit": unit, "results": results, "files": await innovations.files_by_result(db, [r.id for r in results]),
            "units": None, "studios": await svc.own_studios(db, unit), **innovations_pages.labels()}


async def _home(db: AsyncSession, unit: Unit) -> dict:
    areas = {a.id: a.name for a in (await people.areas_by_name(db)).values()}
    return {"unit": unit, "area": areas.get(unit.area_id, ""), "profile": await svc.profile_of(db, unit.id),
            "industries": await people.list_industries(db), "ownerships": OWNERSHIPS, "sizes": UNIT_SIZES,
            "open": await svc.open_tracks(db), "listed": await svc.list_registrations(db, unit_ids=[unit.id])}


async def _register(db: AsyncSession, unit: Unit, track_id: int) -> dict:
    event, track = await svc.registrable_track(db, track_id)
    known = (await people.areas_by_name(db)).values()
    areas = [a.name for a in known]
    default_area = next((a.name for a in known if a.id == unit.area_id), "")
    listed = await svc.list_registrations(db, unit_ids=[unit.id], track_id=track.id)
    return {"unit": unit, "event": event, "track": track, "areas": areas, "taken": await svc.taken(db, track),
            "listed": listed, "fields": {importers.AREA: default_area}, "error": None, "saved": None, "report": None,
            "levels": importers.SKILL_LEVEL_LABELS, "groups": WORK_GROUPS}


class FilingController(Controller):
    """劳动竞赛备案: a unit files; its county union (or the office) accepts. svc.own_filing decides who sees what."""

    guards = [auth.requires("unit_admin", "county_admin", "organiser")]
    include_in_schema = False

    @get("/unit/{unit_id:int}/filings", guards=[auth.requires("unit_admin", "county_admin")])
    async def unit_filings(self, request: Request, db: NamedDependency[AsyncSession],
                           unit_id: FromPath[int]) -> Template:
        unit = await svc.own_unit(db, request.user, unit_id)
        return Template("units/filings.html", context={"unit": unit, "filings": await svc.list_filings(
            db, unit_ids=[unit.id]), "error": None, "typed": {}})

    @post("/unit/{unit_id:int}/filings", guards=[auth.requires("unit_admin", "county_admin")])
    async def file_competition(self, request: Request, db: NamedDependency[AsyncSession],
                               unit_id: FromPath[int]) -> Response:
        unit = await svc.own_unit(db, request.user, unit_id)
        form = await Form.read(request)
        try:
            filing = await svc.file_competition(db, unit, svc.FilingInput(
                theme=form.text("theme"), starts_on=form.date("starts_on", "开始日期"),
                ends_on=form.date("ends_on", "结束日期"), teams=form.text("teams"),
                person_times=form.int("person_times", "参与人次")), web.actor(request))
        except InputError as exc:  # refused before anything was written
            return Template("units/filings.html", status_code=400, context={
                "unit": unit, "filings": await svc.list_filings(db, unit_ids=[unit.id]), "error": exc.message,
                "typed": {k: form.text(k) for k in ("theme", "starts_on", "ends_on", "teams", "person_times")}})
        return web.see_other(f"/unit/filings/{filing.id}")

    @get("/unit/filings/{filing_id:int}")
    async def filing_page(self, request: Request, db: NamedDependency[AsyncSession],
                          filing_id: FromPath[int]) -> Template:
        return Template("units/filing.html", context=await _filing(db, request, filing_id))

    @post("/unit/filings/{filing_id:int}/results", guards=[auth.requires("unit_admin", "county_admin")])
    async def file_results(self, request: Request, db: NamedDependency[AsyncSession],
                           filing_id: FromPath[int]) -> Response:
        filing = await svc.own_filing(db, request.user, filing_id)
        form = await Form.read(request)
        upload = form.chosen_file("file")
        problems = await svc.file_results(
            db, filing, form.int("person_times", "参与人次"), form.text("awards"), web.actor(request),
            (upload.filename, await upload.read()) if upload is not None else None, id_key=_id_key(request))
        if problems:
            return Template("units/filing.html", status_code=400, context={
                **await _filing(db, request, filing_id), "report": {"problems": problems}})
        return web.see_other(f"/unit/filings/{filing_id}")

    @post("/unit/filings/{filing_id:int}/decision")
    async def decide_filing(self, request: Request, db: NamedDependency[AsyncSession],
                            filing_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.decide_filing(db, request.user, filing_id, form.text("action") == "accept", form.text("reason"),
                                web.actor(request))
        return web.see_other(f"/unit/filings/{filing_id}")


async def _filing(db: AsyncSession, request: Request, filing_id: int) -> dict:
    filing = await svc.own_filing(db, request.user, filing_id)
    unit = await db.get(Unit, filing.unit_id)
    listed = next(f.listed for f in await svc.list_filings(db, unit_ids=[unit.id]) if f.filing.id == filing.id)
    return {"filing": filing, "unit": unit, "states": FILING_STATES, "report": None, "listed": listed,
            "may_decide": request.user.role in ("organiser", "county_admin")}


@get("/unit/template.xlsx", guards=[auth.requires("unit_admin", "county_admin")], include_in_schema=False)
async def registration_template(db: NamedDependency[AsyncSession]) -> Response[bytes]:
    """The contestant import's own template: what the office imports is what a unit fills."""
    areas = [a.name for a in (await people.areas_by_name(db)).values()]
    return web.download(importers.write_template(areas or importers.DEFAULT_AREAS), "网上报名表.xlsx")


# --- a worker without a unit, on their own ----------------------------------------------------------------------


@get("/register", opt=auth.PUBLIC, include_in_schema=False)
async def individual_tracks(db: NamedDependency[AsyncSession]) -> Template:
    return Template("units/individual_tracks.html", context={"open": await svc.open_tracks(db)})


@get("/register/{track_id:int}", opt=auth.PUBLIC, include_in_schema=False)
async def individual_page(db: NamedDependency[AsyncSession], track_id: FromPath[int]) -> Template:
    return Template("units/individual.html", context=await _individual(db, track_id))


@post("/register/{track_id:int}", opt=auth.PUBLIC, include_in_schema=False, status_code=200)
async def individual_register(request: Request, db: NamedDependency[AsyncSession], track_id: FromPath[int]) -> Template:
    form = await Form.read(request)
    fields, employer = _fields(form), form.text("employer")
    context = await _individual(db, track_id)
    try:
        registration = await svc.register_individual(db, context["track"], fields, employer,
                                                     address=auth.address_of(request), id_key=_id_key(request))
    except InputError as exc:  # refused before anything was written
        return Template("units/individual.html", status_code=400, context={
            **context, "fields": fields, "employer": employer, "error": exc.message})
    return Template("units/individual.html", context={**context, "done": registration.name})


async def _individual(db: AsyncSession, track_id: int) -> dict:
    event, track = await svc.registrable_track(db, track_id)
    areas = [a.name for a in (await people.areas_by_name(db)).values()]
    return {"event": event, "track": track, "areas": areas, "fields": {}, "employer": "", "error": None,
            "done": None, "levels": importers.SKILL_LEVEL_LABELS, "groups": WORK_GROUPS}


ROUTES = [OfficeController, invitation_page, accept_invitation, UnitController, FilingController, registration_template,
          individual_tracks, individual_page, individual_register]
