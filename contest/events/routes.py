"""Organiser pages for setting a competition up."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import web
from contest.auth import Identity, requires
from contest.errors import InputError, NotFound
from contest.events import importers, lifecycle, scheme_form
from contest.events import service as svc
from contest.events.models import EVENT_STATUSES, Event, Judge, Round, Stage, Track
from contest.forms import Form
from contest.judging import service as judging
from contest.people import service as people
from contest.people.models import SKILL_LEVEL_LABELS, WORK_GROUPS, Area, Person, Unit
from contest.scoring import chinese

PER_PAGE = 50  # contestants or judges on a page of a list
STATUS_EXAMPLES = {"withdrawn": "赛前因病退赛", "absent": "未按时检录", "disqualified": "违反赛场纪律",
                   "registered": "经核实恢复参赛"}  # what a reason for each status change looks like

def _event_input(form: Form) -> svc.EventInput:
    return svc.EventInput(
        slug=form.required("slug", "活动代码"), name=form.required("name", "活动名称"),
        year=form.int("year", "年度", required=True), level=form.text("level", "city"),
        kind=form.text("kind", "individual"), organisers=form.text("organisers"),
        visibility=form.text("visibility", "hidden"), opinions_public=form.flag("opinions_public"),
        pledge=form.text("pledge"), notice_workdays=_or_default(form.int("notice_workdays", "成绩公示期"), 5))


def _or_default(value: int | None, default: int) -> int:
    return default if value is None else value


class AdminController(Controller):
    path = "/admin"
    guards = [requires("organiser")]
    include_in_schema = False

    @get("/")
    async def dashboard(self, db: NamedDependency[AsyncSession]) -> Template:
        events = await svc.list_events(db)
        return Template("events/dashboard.html", context={"events": events})

    @post("/events")
    async def create_event(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        event = await svc.create_event(db, _event_input(await Form.read(request)), web.actor(request))
        return web.see_other(f"/admin/events/{event.slug}")

    @get("/events/{slug:str}")
    async def event_page(self, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
        event = await svc.get_event(db, slug)
        tracks = await svc.list_tracks(db, event)
        units = await people.list_units(db)
        phase = await lifecycle.event_phase(db, event.id)
        judges = await svc.list_judges(db, event)
        return Template("events/event.html", context={
            "event": event, "tracks": tracks, "counts": await svc.count_entries(db, [t.id for t in tracks]),
            "judges": judges, "locked": await svc.locked_judges(db, event, judges), "units": units,
            "pledges": await judging.pledges(db, event),
            "scorers": await svc.list_scorers(db, event), "scorer_accounts": await svc.scorer_accounts(db),
            "unit_names": {u.id: u.name for u in units}, "scheme_templates": scheme_form.templates(),
            "controls": lifecycle.Controls(phase),
            "phases": {t.id: await lifecycle.track_phase(db, event.id, t.id) for t in tracks},
            "steps": sorted(lifecycle.STATUS_STEPS[event.status].items(),
                            key=lambda step: list(EVENT_STATUSES).index(step[0]))})

    @post("/events/{slug:str}")
    async def update_event(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        event = await svc.update_event(db, await svc.get_event(db, slug), _event_input(await Form.read(request)),
                                       web.actor(request))
        return web.see_other(f"/admin/events/{event.slug}")

    @post("/events/{slug:str}/status")
    async def set_status(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await svc.set_event_status(db, await svc.get_event(db, slug), form.required("status", "状态"),
                                   web.actor(request))
        return web.see_other(f"/admin/events/{slug}")

    @post("/events/{slug:str}/tracks")
    async def create_track(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        name = form.required("name", "赛项名称")
        chosen = form.text("template")
        track = await svc.create_track(db, event, svc.TrackInput(
            slug=form.required("slug", "赛项代码"), name=name, skill_level=form.int("skill_level", "职业技能等级"),
            capacity=form.int("capacity", "名额")), scheme_form.template(chosen, name) if chosen else None,
            actor=web.actor(request))
        return web.see_other(f"/admin/events/{slug}/tracks/{track.slug}")

    @post("/events/{slug:str}/judges")
    async def add_judge(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        judge, pin = await svc.add_judge(db, event, form.required("name", "裁判姓名"),
                                         await people.unit_named(db, form.text("unit"), "unit"),
                                         web.actor(request))
        return Template("events/judge_added.html", context={"event": event, "judge": judge, "pin": pin,
                                                            "link": _login_link(request, judge)},
                        headers=web.NO_STORE)

    @get("/events/{slug:str}/judges")
    async def judges_page(self, db: NamedDependency[AsyncSession], slug: FromPath[str], q: FromQuery[str] = "",
                          page: FromQuery[str | None] = None) -> Template:
        """The event's judges, found by number, name or unit, with their panels; and every panel."""
        event = await svc.get_event(db, slug)
        page_no = web.query_page(page)
        rows, total = await svc.search_judges(db, event, q, limit=PER_PAGE, offset=(page_no - 1) * PER_PAGE)
        words = " ".join(q.split())[:40]
        panels = [(track, round_, await svc.list_panels(db, round_))
                  for track in await svc.list_tracks(db, event) for round_ in await svc.list_rounds(db, track)]
        return Template("events/judges.html", context={
            "event": event, "rows": rows, "total": total, "page": page_no, "pages": max(1, -(-total // PER_PAGE)),
            "q": words, "filters": {"q": words} if words else {}, "panels": [p for p in panels if p[2]]})

    @get("/events/{slug:str}/panels/{panel_id:int}")
    async def panel_page(self, db: NamedDependency[AsyncSession], slug: FromPath[str],
                         panel_id: FromPath[int]) -> Template:
        """A panel's members, edited while nothing is scored, and a judge replaced (with a reason once
        judging has started); the lifecycle says which."""
        event = await svc.get_event(db, slug)
        panel = await svc.get_panel(db, event, panel_id)
        stage = await db.get(Stage, panel.stage_id)
        round_ = await db.get(Round, stage.round_id)
        track = await db.get(Track, round_.track_id)
        members = next(m for p, _, m in await svc.list_panels(db, round_) if p.id == panel.id)
        phase = await lifecycle.track_phase(db, event.id, track.id)
        return Template("events/panel.html", context={
            "event": event, "track": track, "round": round_, "stage": stage, "panel": panel, "members": members,
            "judges": await svc.list_judges(db, event), "controls": lifecycle.Controls(phase),
            "reason_needed": phase.key == "scoring" or phase.correcting})

    @post("/events/{slug:str}/panels/{panel_id:int}")
    async def edit_panel(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                         panel_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        panel = await svc.get_panel(db, await svc.get_event(db, slug), panel_id)
        await svc.edit_panel(db, panel, form.required("name", "裁判组名称"), form.ints("judge_ids", "裁判"),
                             form.int("chief_id", "裁判长"), web.actor(request))
        return web.see_other(f"/admin/events/{slug}/panels/{panel_id}")

    @post("/events/{slug:str}/panels/{panel_id:int}/replace")
    async def replace_judge(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                            panel_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        panel = await svc.get_panel(db, await svc.get_event(db, slug), panel_id)
        await svc.replace_judge(db, panel, form.int("old_id", "被替换的裁判", required=True),
                                form.int("new_id", "接替的裁判", required=True), form.text("reason"),
                                web.actor(request))
        return web.see_other(f"/admin/events/{slug}/panels/{panel_id}")

    @post("/events/{slug:str}/panels/{panel_id:int}/remove")
    async def remove_panel(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           panel_id: FromPath[int]) -> Redirect:
        panel = await svc.get_panel(db, await svc.get_event(db, slug), panel_id)
        await svc.remove_panel(db, panel, web.actor(request))
        return web.see_other(f"/admin/events/{slug}/judges#panels")

    @post("/events/{slug:str}/judges/sheet")
    async def access_sheet(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
        event = await svc.get_event(db, slug)
        issued = await svc.reissue_access(db, event, web.actor(request))
        cards = [{"judge": j, "pin": pin, "link": (link := _login_link(request, j)),
                  "qr": web.qr_svg(link)} for j, pin in issued]
        return Template("events/access_sheet.html", headers=web.NO_STORE, context={
            "event": event, "cards": cards, "login_url": web.public_url(request, "/judge/login")})

    @post("/events/{slug:str}/judges/{judge_id:int}/unlock")
    async def unlock_judge(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           judge_id: FromPath[int]) -> Redirect:
        """Someone in the hall mistyped (or guessed) a judge's PIN: let the judge sign in again now."""
        event = await svc.get_event(db, slug)
        await svc.unlock_judge(db, event, await _judge_of(db, event, judge_id), web.actor(request))
        return web.see_other(f"/admin/events/{slug}#judges")

    @post("/events/{slug:str}/scorers")
    async def assign_scorer(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await svc.assign_scorer(db, await svc.get_event(db, slug), form.int("account_id", "录分员", required=True))
        return web.see_other(f"/admin/events/{slug}#scorers")

    @post("/events/{slug:str}/scorers/{account_id:int}/remove")
    async def unassign_scorer(self, db: NamedDependency[AsyncSession], slug: FromPath[str],
                              account_id: FromPath[int]) -> Redirect:
        await svc.unassign_scorer(db, await svc.get_event(db, slug), account_id)
        return web.see_other(f"/admin/events/{slug}#scorers")

    @post("/events/{slug:str}/conflicts")
    async def declare_conflict(self, request: Request, db: NamedDependency[AsyncSession],
                               slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        judge = await _judge_of(db, event, form.int("judge_id", "裁判", required=True))
        unit_id = await people.unit_named(db, form.text("conflict_unit"), "conflict_unit", required=True)
        await svc.declare_conflict(db, judge, unit_id, None, form.text("reason"), web.actor(request))
        return web.see_other(f"/admin/events/{slug}")

    @get("/events/{slug:str}/tracks/{track:str}")
    async def track_page(self, db: NamedDependency[AsyncSession], slug: FromPath[str],
                         track: FromPath[str], added: FromQuery[str] = "") -> Template:
        event = await svc.get_event(db, slug)
        the_track = await svc.get_track(db, event, track)
        return Template("events/track.html", context={**await _track_context(db, event, the_track),
                                                      "added": bool(added)})

    @get("/events/{slug:str}/tracks/{track:str}/admission-cards")
    async def admission_cards(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                              track: FromPath[str]) -> Template:
        """准考证 to print: each contestant's admission number and the look-up code with which they
        read their own score sheet once it is signed off (the QR code opens the form filled in)."""
        event = await svc.get_event(db, slug)
        the_track = await svc.get_track(db, event, track)
        units = {u.id: u.name for u in await people.list_units(db)}
        lookup = web.public_url(request, f"/events/{event.slug}/tracks/{the_track.slug}/my-score")
        cards = []
        for entry, person in await svc.list_entries(db, the_track):
            code = svc.lookup_code(entry, _id_key(request))
            link = f"{lookup}?{urlencode({'bib': entry.bib, 'code': code})}"
            cards.append({"entry": entry, "name": person.name if person else entry.project_title,
                          "unit": units.get(entry.unit_id, ""), "code": code, "qr": web.qr_svg(link)})
        return Template("events/admission_cards.html", headers=web.NO_STORE, context={
            "event": event, "track": the_track, "cards": cards, "lookup": lookup})

    @post("/events/{slug:str}/tracks/{track:str}/import", request_max_body_size=web.UPLOAD_LIMIT)
    async def import_contestants(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                                 track: FromPath[str]) -> Template:
        form = await Form.read(request)
        upload = form.upload("file", "选手名单文件")
        event = await svc.get_event(db, slug)
        the_track = await svc.get_track(db, event, track)
        importer = svc.import_projects if event.kind == "project" else svc.import_contestants
        report = await importer(
            db, the_track, upload.filename, await upload.read(), id_key=request.app.state.settings.id_hash_key.encode(),
            skip_bad=form.flag("skip_bad"), dry_run=form.flag("dry_run"), actor=web.actor(request))
        return Template("events/import_report.html", context={"event": event, "track": the_track, "report": report})

    @post("/events/{slug:str}/tracks/{track:str}/contestants")
    async def add_contestant(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                             track: FromPath[str]) -> Response:
        """One contestant typed in; a refusal shows the track page again with what was typed."""
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        the_track = await svc.get_track(db, event, track)
        fields = {column: form.text(column) for column in importers.TEMPLATE_COLUMNS}
        try:
            await svc.add_contestant(db, the_track, fields, id_key=request.app.state.settings.id_hash_key.encode(),
                                     actor=web.actor(request))
        except InputError as exc:
            await db.rollback()  # nothing was written; the rows read before are read again
            event = await svc.get_event(db, slug)
            return Template("events/track.html", status_code=400, context={
                **await _track_context(db, event, await svc.get_track(db, event, track)), "one": fields,
                "one_error": exc})
        return web.see_other(f"/admin/events/{slug}/tracks/{track}?added=1#add-one")

    @get("/events/{slug:str}/tracks/{track:str}/contestants")
    async def contestants_page(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                               track: FromPath[str], q: FromQuery[str] = "", status: FromQuery[str] = "",
                               page: FromQuery[str | None] = None, saved: FromQuery[str] = "") -> Template:
        """The track's contestants, found by name, bib, unit or ID number, a page at a time."""
        event = await svc.get_event(db, slug)
        the_track = await svc.get_track(db, event, track)
        page_no = web.query_page(page)
        rows, total = await svc.search_entries(db, the_track, q, _id_key(request), status=status, limit=PER_PAGE,
                                               offset=(page_no - 1) * PER_PAGE)
        filters = {k: v for k, v in {"q": " ".join(q.split())[:40], "status": status}.items() if v}
        return Template("events/contestants.html", context={
            "event": event, "track": the_track, "rows": rows, "total": total, "page": page_no,
            "teams": await svc.teams(db, [r.entry.id for r in rows]),
            "pages": max(1, -(-total // PER_PAGE)), "filters": filters, "q": filters.get("q", ""), "status": status,
            "saved": saved[:20]})

    @get("/events/{slug:str}/tracks/{track:str}/contestants/{bib:str}")
    async def contestant_page(self, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                              bib: FromPath[str]) -> Template:
        return await _contestant_form(db, slug, track, bib)

    @post("/events/{slug:str}/tracks/{track:str}/contestants/{bib:str}")
    async def update_contestant(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                                track: FromPath[str], bib: FromPath[str]) -> Response:
        """A contestant's details corrected; a refusal shows the form again with what was typed."""
        form = await Form.read(request)
        fields = {column: form.text(column) for column in importers.TEMPLATE_COLUMNS}
        event = await svc.get_event(db, slug)
        entry = await svc.get_entry(db, await svc.get_track(db, event, track), bib)
        try:
            await svc.update_contestant(db, entry, fields, id_key=_id_key(request), actor=web.actor(request),
                                        reason=form.text("reason"))
        except InputError as exc:
            await db.rollback()
            return await _contestant_form(db, slug, track, bib, fields, exc)
        return web.see_other(f"/admin/events/{slug}/tracks/{track}/contestants?{urlencode({'q': bib, 'saved': bib})}")

    @post("/events/{slug:str}/tracks/{track:str}/entries")
    async def add_project_entry(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                                track: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        the_track = await svc.get_track(db, event, track)
        await svc.add_project_entry(db, the_track, form.required("project_title", "项目名称"),
                                    form.text("team_members"), form.int("unit_id", "单位"), actor=web.actor(request))
        return web.see_other(f"/admin/events/{slug}/tracks/{track}")

    @post("/events/{slug:str}/tracks/{track:str}/draw")
    async def draw(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                   track: FromPath[str]) -> Redirect:
        user: Identity = request.user
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        await svc.draw_blind_codes(db, await svc.get_track(db, event, track), user.name, reason=form.text("reason"))
        return web.see_other(f"/admin/events/{slug}/tracks/{track}#draw")

    @post("/events/{slug:str}/tracks/{track:str}/draw/late")
    async def draw_late(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                        track: FromPath[str]) -> Redirect:
        user: Identity = request.user
        event = await svc.get_event(db, slug)
        await svc.draw_late_entries(db, await svc.get_track(db, event, track), user.name)
        return web.see_other(f"/admin/events/{slug}/tracks/{track}#draw")

    @post("/events/{slug:str}/tracks/{track:str}/rounds")
    async def add_round(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                        track: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        await svc.add_round(db, await svc.get_track(db, event, track), form.required("name", "轮次"),
                            form.int("advance_top_n", "晋级人数"), form.decimal("advance_top_percent", "晋级比例"),
                            actor=web.actor(request))
        return web.see_other(f"/admin/events/{slug}/tracks/{track}")

    # --- the scheme builder (and the expert editor beside it) ---------------------------------------

    @get("/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme")
    async def scheme_page(self, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                          seq: FromPath[int], saved: FromQuery[str] = "") -> Template:
        page = await SchemePage.of(db, slug, track, seq)
        return page.render(scheme_form.SchemeForm.from_scheme(page.round.scheme), saved=bool(saved))

    @post("/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme")
    async def set_scheme(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                         track: FromPath[str], seq: FromPath[int]) -> Response:
        """Save what the builder's form says, or (field `yaml`) what the expert typed."""
        form = await Form.read(request)
        page = await SchemePage.of(db, slug, track, seq)
        expert = form.has("yaml")
        builder = None if expert else scheme_form.SchemeForm.read(form)
        try:
            scheme = scheme_form.read_text(form.text("yaml")) if expert else builder.to_scheme()
            # an edit before the round's first sheet, a correction with its reason after it (the lifecycle decides)
            await judging.save_scheme(db, page.round, scheme, form.text("reason"), web.actor(request))
        except InputError as exc:
            await db.rollback()  # nothing was saved; the rows read before are read again
            page = await SchemePage.of(db, slug, track, seq)
            return page.render(builder or scheme_form.SchemeForm.from_scheme(page.round.scheme), error=exc,
                               yaml_text=form.text("yaml") if expert else None, status=400, reason=form.text("reason"))
        return web.see_other(f"{page.base}?saved=1")

    @post("/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme/form")
    async def scheme_builder(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                             track: FromPath[str], seq: FromPath[int]) -> Template:
        """A row added or removed, or a template taken: the form again, nothing saved."""
        form = await Form.read(request)
        page = await SchemePage.of(db, slug, track, seq)
        op = form.required("op", "操作")
        if op == "template":
            builder = scheme_form.SchemeForm.from_scheme(scheme_form.template(form.text("template"), page.track.name))
        else:
            builder = scheme_form.SchemeForm.read(form)
            builder.apply(op)
        return page.render(builder, fragment=request.headers.get("hx-request") == "true", reason=form.text("reason"))

    @post("/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/scheme/preview")
    async def scheme_preview(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                             track: FromPath[str], seq: FromPath[int]) -> Template:
        """A sample entry scored through the engine with what the form says now (or why it cannot be)."""
        form = await Form.read(request)
        page = await SchemePage.of(db, slug, track, seq)
        builder = scheme_form.SchemeForm.read(form)
        context: dict[str, Any] = {"form": builder, "base": page.base, "save_refused": page.save_refused}
        try:
            context["result"] = scheme_form.sample_result(svc.check_scheme(builder.to_scheme()))
        except InputError as exc:
            context["error"] = exc.message
        return Template("events/_scheme_preview.html", context={**context, **SCHEME_WORDS})

    @post("/events/{slug:str}/tracks/{track:str}/rounds/{seq:int}/panels")
    async def create_panel(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           track: FromPath[str], seq: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        event = await svc.get_event(db, slug)
        round_ = await svc.get_round(db, await svc.get_track(db, event, track), seq)
        stage_key = form.required("stage", "环节")
        stage = next((s for s in await svc.list_stages(db, round_) if s.key == stage_key), None)
        if stage is None:
            raise InputError(f"环节 {stage_key} 不存在", "stage")
        await svc.create_panel(db, stage, form.required("name", "裁判组名称"), form.ints("judge_ids", "裁判"),
                               form.int("chief_id", "裁判长"), web.actor(request))
        return web.see_other(f"/admin/events/{slug}/tracks/{track}#round-{seq}")

    @get("/judges-template.xlsx")
    async def judges_template(self) -> Response[bytes]:
        return web.download(importers.write_judges_template(), "裁判导入模板.xlsx")

    @post("/events/{slug:str}/judges/import", request_max_body_size=web.UPLOAD_LIMIT)
    async def import_judges(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
        form = await Form.read(request)
        upload = form.upload("file", "裁判名单文件")
        event = await svc.get_event(db, slug)
        report = await svc.import_judges(db, event, upload.filename, await upload.read(),
                                         skip_bad=form.flag("skip_bad"), dry_run=form.flag("dry_run"),
                                         actor=web.actor(request))
        return Template("events/judges_import_report.html", context={"event": event, "report": report})

    @get("/import-template.xlsx")
    async def import_template(self, db: NamedDependency[AsyncSession]) -> Response[bytes]:
        areas = list(await people.areas_by_name(db)) or list(importers.DEFAULT_AREAS)
        return web.download(importers.write_template(areas), "选手导入模板.xlsx")

    @get("/projects-template.xlsx")
    async def projects_template(self, db: NamedDependency[AsyncSession]) -> Response[bytes]:
        areas = list(await people.areas_by_name(db)) or list(importers.DEFAULT_AREAS)
        return web.download(importers.write_projects_template(areas), "创新项目导入模板.xlsx")


def _login_link(request: Request, judge: Judge) -> str:
    return web.public_url(request, f"/judge/login/{judge.login_token}")


async def _judge_of(db: AsyncSession, event: Event, judge_id: int | None) -> Judge:
    judge = await db.get(Judge, judge_id)
    if judge is None or judge.event_id != event.id:
        raise NotFound("裁判")
    return judge


SCHEME_WORDS = {"PRESETS": scheme_form.PRESETS, "KINDS": chinese.KINDS, "AGGREGATES": chinese.AGGREGATES,
                "TIER_SIZES": scheme_form.TIER_SIZES, "EFFECTS": scheme_form.ADJUSTMENT_EFFECTS,
                "TARGETS": scheme_form.ADJUSTMENT_TARGETS, "OPINIONS": chinese.OPINIONS}


@dataclass
class SchemePage:
    """A round's scheme page: the builder, its preview and the expert editor."""

    event: Event
    track: Track
    round: Round
    controls: lifecycle.Controls  # the round's phase: an edit, a correction with a reason, or neither

    @classmethod
    async def of(cls, db: AsyncSession, slug: str, track_slug: str, seq: int) -> SchemePage:
        event = await svc.get_event(db, slug)
        track = await svc.get_track(db, event, track_slug)
        round_ = await svc.get_round(db, track, seq)
        return cls(event, track, round_, lifecycle.Controls(await lifecycle.round_phase(db, event.id, round_.id)))

    @property
    def base(self) -> str:
        return f"/admin/events/{self.event.slug}/tracks/{self.track.slug}/rounds/{self.round.seq}/scheme"

    @property
    def save_refused(self) -> str | None:
        """Why the scheme can be neither edited nor corrected now, if so (the builder's buttons wait too)."""
        return self.controls.refusal("scheme.correct") if self.controls.refusal("scheme.edit") else None

    def render(self, form: scheme_form.SchemeForm | None, *, error: InputError | None = None, saved: bool = False,
               yaml_text: str | None = None, fragment: bool = False, status: int = 200, reason: str = "") -> Template:
        """The page (or, for htmx, the builder alone). `form` None: the scheme uses settings the form
        cannot show, and only the expert editor edits it. Once the round is scored, saving is a
        correction with a reason (`reason`: the one typed), and refused where the lifecycle refuses it."""
        field = scheme_form.field_of(error.field) if error and form and yaml_text is None else ""
        edit_refused = self.controls.refusal("scheme.edit")
        context = {"event": self.event, "track": self.track, "round": self.round, "base": self.base, "form": form,
                   "saved": saved, "errors": {field: error.message} if field else {},
                   "error": error.message if error and not field else None, "expert": yaml_text is not None,
                   "yaml_text": yaml_text if yaml_text is not None else scheme_form.write_text(self.round.scheme),
                   "templates": scheme_form.templates(), "controls": self.controls, "reason": reason,
                   "correcting": bool(edit_refused) and not self.save_refused, "save_refused": self.save_refused,
                   "correction_confirm": "更正后本轮全部成绩按新版本重新计算，原版本保留在案。确定吗？", **SCHEME_WORDS}
        template = "events/_scheme_form.html" if fragment else "events/scheme.html"
        return Template(template, context=context, status_code=status)


def _id_key(request: Request) -> bytes:
    return request.app.state.settings.id_hash_key.encode()


async def _contestant_form(db: AsyncSession, slug: str, track_slug: str, bib: str, typed: dict | None = None,
                           error: InputError | None = None) -> Template:
    """The form that corrects a contestant: what was typed, or what is on record."""
    event = await svc.get_event(db, slug)
    track = await svc.get_track(db, event, track_slug)
    entry = await svc.get_entry(db, track, bib)
    person = await db.get(Person, entry.person_id) if entry.person_id else None
    if person is None:
        raise NotFound("该选手的个人信息")
    if typed is None:
        unit = await db.get(Unit, entry.unit_id) if entry.unit_id else None
        area = await db.get(Area, person.area_id) if person.area_id else None
        typed = {"姓名": person.name, "性别": person.gender or "", "工作单位": unit.name if unit else "",
                 "县(市、区)": area.name if area else "",
                 "职业技能等级": SKILL_LEVEL_LABELS.get(person.skill_level, ""),
                 **{label: "是" if getattr(person, field) else "否" for field, (label, _) in WORK_GROUPS.items()}}
    controls = lifecycle.Controls(await lifecycle.track_phase(db, event.id, track.id))
    return Template("events/contestant.html", status_code=400 if error else 200, context={
        "event": event, "track": track, "entry": entry, "person": person, "one": typed, "one_error": error,
        "editing": person.id_masked or "", "units": await people.list_units(db),
        "areas": list(await people.areas_by_name(db)), "controls": controls,
        "status_choices": [(status, action, lifecycle.ACTIONS[action].label, STATUS_EXAMPLES[status])
                           for status, action in lifecycle.ENTRY_STATUS_ACTIONS.items()]})


def _status_actions(controls: lifecycle.Controls) -> list[tuple[str, str | None]]:
    """Each status an entry can be changed to, with the lifecycle's refusal (None: allowed)."""
    return [(status, controls.refusal(action)) for status, action in lifecycle.ENTRY_STATUS_ACTIONS.items()]


async def _track_context(db: AsyncSession, event: Event, track: Track) -> dict[str, Any]:
    rounds = await svc.list_rounds(db, track)
    controls = lifecycle.Controls(await lifecycle.track_phase(db, event.id, track.id))
    entries = await svc.list_entries(db, track)
    return {
        "event": event, "track": track, "entries": entries, "controls": controls,
        "teams": await svc.teams(db, [e.id for e, _ in entries]),
        "status_actions": _status_actions(controls),
        "rounds": [await _round_context(db, event, r) for r in rounds],
        "draws": await svc.list_draws(db, track), "undrawn": await svc.undrawn_entries(db, track),
        "judges": await svc.list_judges(db, event),
        "recusals": await svc.list_recusals(db, track), "units": await people.list_units(db),
        "areas": list(await people.areas_by_name(db)), "one": {}, "one_error": None,
    }


async def _round_context(db: AsyncSession, event: Event, round_: Round) -> dict[str, Any]:
    stages = await svc.list_stages(db, round_)
    signed = await lifecycle.signed_stages(db, round_.id)
    return {"round": round_, "stages": stages, "panels": await svc.list_panels(db, round_),
            "controls": lifecycle.Controls(await lifecycle.round_phase(db, event.id, round_.id)),
            "versions": await svc.scheme_versions(db, round_), "signed": [(s, s.id in signed) for s in stages]}


ROUTES = [AdminController]
