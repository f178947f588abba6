"""Innovation studios: the organiser's pages (studios, members, yearly reports, assessments,
alliances, the list import) and the public pages, including the fragment a craftsman profile
loads. Public pages show names only: never an ID number or a phone."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, web
from contest.auth import PUBLIC_PAGE, requires
from contest.forms import Form
from contest.people import service as people
from contest.registry import service as registry
from contest.studios import importers
from contest.studios import service as svc
from contest.studios.models import ALLIANCE_KINDS, ASSESSMENTS, STUDIO_LEVELS, STUDIO_TYPES, Studio


def _labels() -> dict[str, Any]:
    return {"STUDIO_TYPES": STUDIO_TYPES, "STUDIO_LEVELS": STUDIO_LEVELS, "ASSESSMENTS": ASSESSMENTS,
            "ALLIANCE_KINDS": ALLIANCE_KINDS, "REPORT_FIGURES": svc.REPORT_FIGURES}


async def _studio_input(db: AsyncSession, form: Form) -> svc.StudioInput:
    host_unit_id = form.int("host_unit_id", "依托单位")
    lead = form.text("lead")
    lead_id = (await people.find_person(db, lead, host_unit_id, field_name="lead")).id if lead else None
    return svc.StudioInput(
        name=form.required("name", "工作室名称"), kind=form.required("kind", "工作室类型"),
        level=form.required("level", "工作室级别"), lead_id=lead_id, host_unit_id=host_unit_id,
        field=form.text("field"), founded_on=form.date("founded_on", "命名时间", required=False))


def _report_input(form: Form) -> svc.ReportInput:
    figures = {key: form.int(key, label) or 0 for key, label in svc.REPORT_FIGURES.items()}
    benefit = form.decimal("benefit_yuan", svc.BENEFIT_LABEL)
    return svc.ReportInput(year=form.int("year", "年度", required=True),
                           benefit_yuan=benefit if benefit is not None else Decimal(0), **figures)


async def _filters(db: AsyncSession, level: str | None, kind: str | None, area: str, q: str) -> dict[str, Any]:
    area_id = web.query_id(area, "area", "县(市、区)")
    return {"studios": await svc.list_studios(db, level=level or None, kind=kind or None, area_id=area_id, query=q),
            "totals": await svc.report_totals(db, level=level or None, kind=kind or None, area_id=area_id),
            "areas": list((await people.areas_by_name(db)).values()),
            "level": level or "", "kind": kind or "", "area": area_id, "q": q}


class StudiosOffice(Controller):
    path = "/admin/studios"
    guards = [requires("organiser")]
    include_in_schema = False

    @get("/")
    async def studios_page(self, db: NamedDependency[AsyncSession], level: FromQuery[str | None] = None,
                           kind: FromQuery[str | None] = None, area: FromQuery[str] = "",
                           q: FromQuery[str] = "") -> Template:
        context = await _filters(db, level, kind, area, q)
        return Template("studios/admin_list.html", context={
            **context, "overall": svc.overall(context["totals"]), "units": await people.list_units(db), **_labels()})

    @post("/")
    async def create_studio(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        studio = await svc.create_studio(db, await _studio_input(db, form))
        return web.see_other(f"/admin/studios/{studio.id}")

    @get("/{studio_id:int}")
    async def studio_page(self, db: NamedDependency[AsyncSession], studio_id: FromPath[int],
                          year: FromQuery[int | None] = None) -> Template:
        studio = await svc.get_studio(db, studio_id)
        reports = await svc.list_reports(db, studio)
        editing = next((r for r in reports if r.year == year), None)
        row = await svc.studio_row(db, studio.id)
        return Template("studios/admin_studio.html", context={
            "row": row, "s": row, "edit_link": True, "members": await svc.list_members(db, studio),
            "reports": reports, "total": svc.overall(await svc.report_totals(db, studio_ids=[studio.id])),
            "editing": editing, "year": year or clock.today().year, "units": await people.list_units(db),
            "alliances": await svc.list_alliances(db, studio_id=studio.id), **_labels()})

    @post("/{studio_id:int}")
    async def update_studio(self, request: Request, db: NamedDependency[AsyncSession],
                            studio_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        studio = await svc.get_studio(db, studio_id)
        await svc.update_studio(db, studio, await _studio_input(db, form))
        return web.see_other(f"/admin/studios/{studio_id}")

    @post("/{studio_id:int}/members")
    async def add_member(self, request: Request, db: NamedDependency[AsyncSession],
                         studio_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        studio = await svc.get_studio(db, studio_id)
        person = await people.find_person(db, form.required("person", "成员姓名或人员编号"),
                                       form.int("unit_id", "所在单位"))
        await svc.add_member(db, studio, person.id, form.text("role", "成员"))
        return web.see_other(f"/admin/studios/{studio_id}#members")

    @post("/{studio_id:int}/members/{person_id:int}/remove")
    async def remove_member(self, db: NamedDependency[AsyncSession], studio_id: FromPath[int],
                            person_id: FromPath[int]) -> Redirect:
        await svc.remove_member(db, await svc.get_studio(db, studio_id), person_id)
        return web.see_other(f"/admin/studios/{studio_id}#members")

    @post("/{studio_id:int}/reports")
    async def save_report(self, request: Request, db: NamedDependency[AsyncSession],
                          studio_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.save_report(db, await svc.get_studio(db, studio_id), _report_input(form))
        return web.see_other(f"/admin/studios/{studio_id}#reports")

    @post("/{studio_id:int}/assessment")
    async def set_assessment(self, request: Request, db: NamedDependency[AsyncSession],
                             studio_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.set_assessment(db, await svc.get_studio(db, studio_id), form.int("year", "年度", required=True),
                                 form.text("assessment") or None)
        return web.see_other(f"/admin/studios/{studio_id}#reports")

    @post("/import", status_code=200, request_max_body_size=web.UPLOAD_LIMIT)
    async def import_studios(self, request: Request, db: NamedDependency[AsyncSession]) -> Template:
        form = await Form.read(request)
        upload = form.upload("file", "工作室名单文件")
        report = await importers.import_studios(
            db, upload.filename, await upload.read(), id_key=request.app.state.settings.id_hash_key.encode(),
            skip_bad=form.flag("skip_bad"), dry_run=form.flag("dry_run"))
        return Template("studios/import_report.html", context={"report": report})

    @get("/import-template.xlsx")
    async def import_template(self) -> Response[bytes]:
        return web.download(importers.write_template(), "创新工作室导入模板.xlsx")

    # --- alliances ---

    @get("/alliances")
    async def alliances_page(self, db: NamedDependency[AsyncSession]) -> Template:
        return Template("studios/admin_alliances.html", context={
            "alliances": await svc.list_alliances(db), "units": await people.list_units(db), **_labels()})

    @post("/alliances")
    async def create_alliance(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        alliance = await svc.create_alliance(db, svc.AllianceInput(
            name=form.required("name", "联盟名称"), kind=form.required("kind", "联盟类型"),
            lead_unit_id=form.int("lead_unit_id", "牵头单位")))
        return web.see_other(f"/admin/studios/alliances/{alliance.id}")

    @get("/alliances/{alliance_id:int}")
    async def alliance_page(self, db: NamedDependency[AsyncSession], alliance_id: FromPath[int]) -> Template:
        alliance = await svc.get_alliance(db, alliance_id)
        members = await svc.alliance_members(db, alliance)
        joined = {m.id for m in members}
        return Template("studios/admin_alliance.html", context={
            "row": (await svc.list_alliances(db, alliance_id=alliance.id))[0],
            "members": members, "others": [s for s in await svc.list_studios(db) if s.id not in joined],
            **_labels()})

    @post("/alliances/{alliance_id:int}/members")
    async def add_alliance_member(self, request: Request, db: NamedDependency[AsyncSession],
                                  alliance_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.add_alliance_member(db, await svc.get_alliance(db, alliance_id),
                                      form.int("studio_id", "工作室", required=True))
        return web.see_other(f"/admin/studios/alliances/{alliance_id}")

    @post("/alliances/{alliance_id:int}/members/{studio_id:int}/remove")
    async def remove_alliance_member(self, db: NamedDependency[AsyncSession], alliance_id: FromPath[int],
                                     studio_id: FromPath[int]) -> Redirect:
        await svc.remove_alliance_member(db, await svc.get_alliance(db, alliance_id), studio_id)
        return web.see_other(f"/admin/studios/alliances/{alliance_id}")

    @post("/alliances/{alliance_id:int}/chair")
    async def set_chair(self, request: Request, db: NamedDependency[AsyncSession],
                        alliance_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.set_chair(db, await svc.get_alliance(db, alliance_id),
                            form.int("chair_studio_id", "轮值主席单位", required=True))
        return web.see_other(f"/admin/studios/alliances/{alliance_id}")

    @post("/alliances/{alliance_id:int}/rotate")
    async def rotate_chair(self, db: NamedDependency[AsyncSession], alliance_id: FromPath[int]) -> Redirect:
        await svc.rotate_chair(db, await svc.get_alliance(db, alliance_id))
        return web.see_other(f"/admin/studios/alliances/{alliance_id}")


# --- public -------------------------------------------------------------------------------------------------


@get("/studios", opt=PUBLIC_PAGE, include_in_schema=False)
async def studios(db: NamedDependency[AsyncSession], level: FromQuery[str | None] = None,
                  kind: FromQuery[str | None] = None, area: FromQuery[str] = "", q: FromQuery[str] = "") -> Template:
    context = await _filters(db, level, kind, area, q)
    return Template("studios/list.html", context={**context, "overall": svc.overall(context["totals"]),
                                                  **_labels()})


@get("/studios/{studio_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def studio(db: NamedDependency[AsyncSession], studio_id: FromPath[int]) -> Template:
    the_studio: Studio = await svc.get_studio(db, studio_id)
    members = await svc.list_members(db, the_studio)
    people_ids = [m.person_id for m in members] + ([the_studio.lead_id] if the_studio.lead_id else [])
    return Template("studios/detail.html", context={
        "row": await svc.studio_row(db, the_studio.id), "members": members,
        "profiles": await registry.craftsman_ids(db, people_ids), "reports": await svc.list_reports(db, the_studio),
        "total": svc.overall(await svc.report_totals(db, studio_ids=[the_studio.id])),
        "alliances": await svc.list_alliances(db, studio_id=the_studio.id), **_labels()})


@get("/studios/people/{person_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def person_studios(db: NamedDependency[AsyncSession], person_id: FromPath[int]) -> Template:
    """A fragment for the craftsman profile: the person's studios with links; empty when none."""
    return Template("studios/_person_studios.html", context={
        "studios": await svc.studios_of_person(db, person_id), **_labels()})


@get("/alliances", opt=PUBLIC_PAGE, include_in_schema=False)
async def alliances(db: NamedDependency[AsyncSession]) -> Template:
    return Template("studios/alliances.html", context={"alliances": await svc.list_alliances(db), **_labels()})


@get("/alliances/{alliance_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def alliance(db: NamedDependency[AsyncSession], alliance_id: FromPath[int]) -> Template:
    the_alliance = await svc.get_alliance(db, alliance_id)
    members = await svc.alliance_members(db, the_alliance)
    totals = await svc.report_totals(db, studio_ids=[m.id for m in members])
    return Template("studios/alliance.html", context={
        "row": (await svc.list_alliances(db, alliance_id=the_alliance.id))[0], "members": members,
        "totals": totals, "overall": svc.overall(totals), **_labels()})


ROUTES = [StudiosOffice, studios, studio, person_studios, alliances, alliance]
