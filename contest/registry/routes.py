"""The public registry and dashboard, and the registry office's pages (candidates, reviews,
notices, naming, mentorships, imports, the yearly report)."""
from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, scoring, web
from contest.auth import PUBLIC, PUBLIC_PAGE, Identity, requires
from contest.db import get_or_404
from contest.errors import InputError, NotFound
from contest.events.importers import DEFAULT_AREAS
from contest.forms import Form
from contest.people import service as people
from contest.people.models import Unit
from contest.registry import importers
from contest.registry import service as svc
from contest.registry.models import (
    CHANNELS,
    HONOUR_LEVELS,
    NEXT_STEP,
    OUTCOMES,
    PATENT_KINDS,
    ROADS,
    STATES,
    TIERS,
    TRANSITIONS,
    Batch,
    Candidate,
    actions_from,
)

PER_PAGE = 50  # craftsmen on a page of the public registry, people on a page of the office's list
PICK_LIMIT = 10  # choices the person picker shows
PICKED = ("master", "apprentice")  # the person picker's boxes


async def _picked(db: AsyncSession, form: Form, field: str, label: str) -> int:
    """The person chosen in a picker, or (when none was chosen) the one its box names unambiguously."""
    return form.int(f"{field}_id", label) or (await people.find_person(db, form.required(field, label),
                                                                       field_name=field)).id


def _labels() -> dict:
    return {"TIERS": TIERS, "STATES": STATES, "ROADS": ROADS, "HONOUR_LEVELS": HONOUR_LEVELS,
            "PATENT_KINDS": PATENT_KINDS, "TRANSITIONS": TRANSITIONS, "OUTCOMES": OUTCOMES, "CHANNELS": CHANNELS}


def _to_candidate(candidate_id: int) -> Redirect:
    return web.see_other(f"/admin/registry/candidates/{candidate_id}")


def _id_key(request: Request) -> bytes:
    """Keys the hash of an objector's mobile number, as it does ID numbers and contestants' phones."""
    return request.app.state.settings.id_hash_key.encode()


# --- public -------------------------------------------------------------------------------------------------


@get("/registry", opt=PUBLIC_PAGE, include_in_schema=False)
async def dashboard(db: NamedDependency[AsyncSession]) -> Template:
    t = await svc.tracker(db)
    return Template("registry/dashboard.html", context={
        "t": t, "tiers": {TIERS[k]: v for k, v in t.by_tier.items()}, "trades": dict(list(t.by_trade.items())[:15]),
        **_labels()})


@get("/registry/people", opt=PUBLIC_PAGE, include_in_schema=False)
async def craftsmen(db: NamedDependency[AsyncSession], q: FromQuery[str] = "", tier: FromQuery[str | None] = None,
                    area: FromQuery[str | None] = None, industry: FromQuery[str | None] = None,
                    year: FromQuery[str | None] = None, page: FromQuery[str | None] = None) -> Template:
    """The public registry. Every filter may come empty (the form's "all"); the pager keeps them."""
    if tier and tier not in TIERS:
        raise InputError(f"层级取值无效：{tier[:20]}", "tier")
    filters = {"q": " ".join(q.split())[:40], "tier": tier or None, "area": web.query_id(area, "area", "县(市、区)"),
               "industry": web.query_id(industry, "industry", "行业"), "year": web.query_id(year, "year", "命名年度")}
    page_no = web.query_page(page)
    rows, total = await svc.public_list(db, query=filters["q"], tier=filters["tier"], area_id=filters["area"],
                                        industry_id=filters["industry"], year=filters["year"], limit=PER_PAGE,
                                        offset=(page_no - 1) * PER_PAGE)
    return Template("registry/people.html", context={
        "rows": rows, "total": total, "page": page_no, "pages": max(1, -(-total // PER_PAGE)), **filters,
        "filters": {k: v for k, v in filters.items() if v}, "areas": (await people.areas_by_name(db)).values(),
        "industries": await people.list_industries(db), **_labels()})


@get("/registry/people/{person_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def profile(db: NamedDependency[AsyncSession], person_id: FromPath[int]) -> Template:
    return Template("registry/profile.html", context={**await svc.public_profile(db, person_id), **_labels()})


@get("/registry/notices", opt=PUBLIC_PAGE, include_in_schema=False)
async def notices(db: NamedDependency[AsyncSession]) -> Template:
    return Template("registry/notices.html", context={"batches": await svc.public_batches(db), "today": clock.today()})


@get("/registry/notices/{batch_id:int}", opt=PUBLIC, include_in_schema=False)
async def notice(db: NamedDependency[AsyncSession], batch_id: FromPath[int],
                 to: FromQuery[str | None] = None) -> Template:
    """The notice; `to` picks the candidate in the objection form (from a candidate's own link)."""
    typed = {"candidate_id": str(web.query_id(to, "to", "公示对象") or "")}
    return Template("registry/notice.html", context={"n": await svc.public_notice(db, batch_id), "typed": typed})


@post("/registry/notices/{batch_id:int}/objections", opt=PUBLIC, include_in_schema=False)
async def object_to(request: Request, db: NamedDependency[AsyncSession], batch_id: FromPath[int]) -> Response:
    """An objection from the public: on a mistake the notice comes back with what was typed."""
    form = await Form.read(request)
    typed = {k: form.text(k) for k in ("candidate_id", "by_name", "phone", "by_unit", "content")}
    try:
        objection = await svc.lodge_public_objection(
            db, batch_id, form.int("candidate_id", "异议对象") or 0, _id_key(request), name=typed["by_name"],
            phone=typed["phone"], unit=typed["by_unit"], content=typed["content"])
    except InputError as exc:
        await db.rollback()
        return Template("registry/notice.html", status_code=400, context={
            "n": await svc.public_notice(db, batch_id), "typed": typed, "error": exc})
    return web.see_other(f"/registry/objections/{objection.receipt}")


@get("/registry/objections/{receipt:str}", opt=PUBLIC, include_in_schema=False)
async def receipt(db: NamedDependency[AsyncSession], receipt: FromPath[str]) -> Template:
    """Where an objector follows their objection up, by its receipt code: its content and the
    office's answer, without anyone's name or number."""
    objection, name, batch = await svc.objection_by_receipt(db, receipt)
    return Template("registry/objection_receipt.html", context={"o": objection, "name": name, "batch": batch,
                                                                 **_labels()})


# --- the registry office ------------------------------------------------------------------------------------


class RegistryOffice(Controller):
    path = "/admin/registry"
    guards = [requires("organiser", "registry_reviewer")]
    include_in_schema = False

    @get("/")
    async def office(self, db: NamedDependency[AsyncSession], show: FromQuery[str] = "candidate") -> Template:
        state = show
        candidates = (await db.exec(select(Candidate).where(Candidate.state == state)
                                    .order_by(Candidate.id.desc()).limit(300))).all()
        names = {p.id: p.name for p in await svc.people_named(db, [c.person_id for c in candidates])}
        counts = await svc.state_counts(db)
        return Template("registry/office.html", context={
            "candidates": candidates, "names": names, "state": state, "counts": counts,
            "standards": await svc.contest_standards(db, candidates), "standard_rule": scoring.STANDARD_RULE,
            "target": await svc.target(db), "batches": await svc.batches(db), "today": clock.today(),
            "this_year": clock.today().year, "open_objections": len(await svc.objections(db, open_only=True)),
            "units": await people.list_units(db), **_labels()})

    @post("/sync")
    async def sync(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        await svc.sync_contest_candidates(db, web.actor(request))
        await db.commit()
        return web.see_other("/admin/registry/?show=candidate")

    @post("/candidates")
    async def nominate(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        unit_id = await people.unit_named(db, form.text("unit"), "unit")
        person_id = await svc.person_by_name_and_unit(db, form.required("name", "姓名"), unit_id)
        documents = [{"name": d.strip(), "kind": "附件"} for d in form.text("documents").split("\n") if d.strip()]
        candidate = await svc.nominate(db, person_id, form.required("tier", "层级"), form.required("road", "渠道"),
                                       web.actor(request), nominating_unit_id=unit_id,
                                       union_chain=form.text("union_chain"), documents=documents)
        return web.see_other(f"/admin/registry/candidates/{candidate.id}")

    @get("/candidates/{candidate_id:int}")
    async def candidate(self, db: NamedDependency[AsyncSession], candidate_id: FromPath[int]) -> Template:
        candidate = await svc.get_candidate(db, candidate_id)
        person = await svc.get_person(db, candidate.person_id)
        actions = actions_from(candidate.state)
        return Template("registry/candidate.html", context={
            "c": candidate, "person": person, "profile": await svc.ensure_profile(db, person),
            "steps": await svc.steps(db, candidate), "batch": await db.get(Batch, candidate.batch_id or 0),
            "eligibility": await svc.eligibility(db, candidate) if "check_eligibility" in actions else None,
            "reviews": await svc.review_marks(db, candidate), "competencies": svc.COMPETENCIES,
            "result": await svc.candidate_result(db, candidate),
            "objections": await svc.objections(db, candidate_id=candidate.id), "actions": actions,
            "decisions": [a for a in svc.DECISIONS if a in actions], "next_step": NEXT_STEP[candidate.state],
            **_labels()})

    @post("/candidates/{candidate_id:int}/profile")
    async def profile(self, request: Request, db: NamedDependency[AsyncSession],
                      candidate_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        candidate = await svc.get_candidate(db, candidate_id)
        await svc.update_profile(db, candidate.person_id, trade=form.text("trade"),
                                 professional_title=form.text("professional_title"),
                                 years_in_post=form.int("years_in_post", "本岗位工作年限"),
                                 unit_head=form.flag("unit_head"))
        return _to_candidate(candidate_id)

    @post("/candidates/{candidate_id:int}/eligibility")
    async def eligibility(self, request: Request, db: NamedDependency[AsyncSession],
                          candidate_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.check_eligibility(db, await svc.get_candidate(db, candidate_id), web.actor(request),
                                    form.required("confirmed", "确认的审查结论"))
        return _to_candidate(candidate_id)

    @post("/candidates/{candidate_id:int}/recheck")
    async def recheck(self, request: Request, db: NamedDependency[AsyncSession],
                      candidate_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.recheck(db, await svc.get_candidate(db, candidate_id), form.text("reason"), web.actor(request))
        return _to_candidate(candidate_id)

    @post("/candidates/{candidate_id:int}/review")
    async def review(self, request: Request, db: NamedDependency[AsyncSession],
                     candidate_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        user: Identity = request.user
        await svc.record_review(db, await svc.get_candidate(db, candidate_id), user.name,
                                {k: form.text(k) for k, _ in svc.COMPETENCIES}, form.text("opinion"))
        return _to_candidate(candidate_id)

    @post("/candidates/{candidate_id:int}/finish-review")
    async def finish_review(self, request: Request, db: NamedDependency[AsyncSession],
                            candidate_id: FromPath[int]) -> Redirect:
        await svc.finish_review(db, await svc.get_candidate(db, candidate_id), web.actor(request))
        return _to_candidate(candidate_id)

    @post("/candidates/{candidate_id:int}/decisions/{decision:str}")
    async def decide(self, request: Request, db: NamedDependency[AsyncSession], candidate_id: FromPath[int],
                     decision: FromPath[str]) -> Redirect:
        """不予命名, 撤回, 暂停, 恢复, 撤销, 退休, 去世: each its own service function, with a reason."""
        if decision not in svc.DECISIONS:
            raise NotFound("该操作")
        form = await Form.read(request)
        await svc.DECISIONS[decision](db, await svc.get_candidate(db, candidate_id), form.text("reason"),
                                      web.actor(request))
        return _to_candidate(candidate_id)

    @post("/candidates/{candidate_id:int}/objections")
    async def lodge(self, request: Request, db: NamedDependency[AsyncSession], candidate_id: FromPath[int]) -> Redirect:
        """An objection received by letter or telephone, typed in by the office."""
        form = await Form.read(request)
        await svc.lodge_objection(db, await svc.get_candidate(db, candidate_id), _id_key(request),
                                  name=form.text("by_name"), phone=form.text("phone"), unit=form.text("by_unit"),
                                  content=form.text("content"), channel="office")
        return web.see_other(f"/admin/registry/candidates/{candidate_id}#objections")

    @get("/objections")
    async def queue(self, db: NamedDependency[AsyncSession]) -> Template:
        return Template("registry/objections.html", context={"objections": await svc.objections(db), **_labels()})

    @post("/objections/{objection_id:int}")
    async def resolve(self, request: Request, db: NamedDependency[AsyncSession],
                      objection_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        objection = await svc.resolve_objection(db, objection_id, form.text("outcome"), form.text("resolution"),
                                                web.actor(request))
        back = "/admin/registry/objections" if form.text("back") == "queue" else \
            f"/admin/registry/candidates/{objection.candidate_id}"
        return web.see_other(f"{back}#objection-{objection.id}")

    @post("/notice")
    async def notice(self, request: Request, db: NamedDependency[AsyncSession]) -> Template:
        form = await Form.read(request)
        batch = await svc.get_batch(db, form.int("year", "年度", required=True), form.int("seq", "批次", required=True))
        check = await svc.open_notice(db, batch, form.ints("candidate_ids", "候选人"),
                                      form.date("starts_on", "公示开始"), form.date("ends_on", "公示结束"),
                                      web.actor(request))
        return Template("registry/notice_opened.html", context={"batch": batch, "check": check})

    @post("/batches/{batch_id:int}/name")
    async def name(self, request: Request, db: NamedDependency[AsyncSession], batch_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        if not form.flag("confirm"):
            raise InputError("请勾选确认：已核对公示期满、异议均已处理", "confirm")
        await svc.name_batch(db, await get_or_404(db, Batch, batch_id, "批次"), web.actor(request))
        return web.see_other("/admin/registry/?show=named")

    @post("/target")
    async def set_target(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        await svc.set_target(db, form.int("count", "目标人数", required=True), form.int("first_year", "起始年度",
                                                                                     required=True),
                             form.int("last_year", "截止年度", required=True),
                             [t for t in TIERS if form.flag(f"tier_{t}")],
                             form.int("min_years_in_post", "本岗位工作年限", required=True),
                             form.int("max_skill_level", "职业技能等级", required=True))
        return web.see_other("/admin/registry/")

    # --- people: the skill level and its history, mentorships ---

    @get("/people")
    async def people_page(self, request: Request, db: NamedDependency[AsyncSession], q: FromQuery[str] = "",
                          page: FromQuery[str | None] = None) -> Template:
        page_no = web.query_page(page)
        rows, total = await people.search_people(db, q, _id_key(request), limit=PER_PAGE,
                                                 offset=(page_no - 1) * PER_PAGE)
        words = " ".join(q.split())[:40]
        return Template("registry/office_people.html", context={
            "rows": rows, "total": total, "q": words, "page": page_no, "pages": max(1, -(-total // PER_PAGE)),
            "filters": {"q": words} if words else {}})

    @get("/people/pick/{field:str}")
    async def pick(self, request: Request, db: NamedDependency[AsyncSession], field: FromPath[str]) -> Template:
        """The person picker's choices for what was typed into its box (a fragment)."""
        if field not in PICKED:
            raise NotFound("该查找框")
        typed = request.query_params.get(field, "")
        rows, total = await people.search_people(db, typed, _id_key(request), limit=PICK_LIMIT) \
            if typed.strip() else ([], 0)
        return Template("registry/_person_choices.html", context={
            "rows": rows, "total": total, "field": field, "typed": typed.strip(), "limit": PICK_LIMIT,
})

    @get("/people/{person_id:int}")
    async def person_page(self, db: NamedDependency[AsyncSession], person_id: FromPath[int]) -> Template:
        person = await svc.get_person(db, person_id)
        unit = await db.get(Unit, person.unit_id) if person.unit_id else None
        candidates = (await db.exec(select(Candidate).where(Candidate.person_id == person.id)
                                    .order_by(Candidate.id))).all()
        return Template("registry/person.html", context={
            "person": person, "unit": unit, "candidates": candidates, "today": clock.today(),
            "public": bool(await svc.craftsman_ids(db, [person.id])),
            "history": await people.skill_history(db, person.id),
            "mentorships": await svc.mentorships_of(db, person.id), **_labels()})

    @post("/people/{person_id:int}/skill-level")
    async def change_skill_level(self, request: Request, db: NamedDependency[AsyncSession],
                                 person_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        person = await svc.get_person(db, person_id)
        await people.change_skill_level(db, person, form.int("level", "职业技能等级", required=True),
                                        form.date("changed_on", "变更日期"), form.text("basis"), web.actor(request))
        await db.commit()
        return web.see_other(f"/admin/registry/people/{person_id}#skill")

    @post("/mentorships")
    async def mentorship(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        pair = await svc.add_mentorship(db, await _picked(db, form, "master", "师傅"),
                                        await _picked(db, form, "apprentice", "徒弟"),
                                        form.date("starts_on", "开始日期"), form.date("ends_on", "结业日期"),
                                        form.text("goals"), form.flag("override"))
        return web.see_other(f"/admin/registry/people/{pair.master_id}#mentorships")

    @post("/mentorships/{pair_id:int}/close")
    async def close_mentorship(self, request: Request, db: NamedDependency[AsyncSession],
                               pair_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        pair = await svc.close_mentorship(db, pair_id, form.text("outcome"), web.actor(request),
                                          level=form.int("level", "结业时的职业技能等级"),
                                          on=form.date("changed_on", "结业日期", required=False))
        back = form.text("back")
        person_id = pair.apprentice_id if back == "apprentice" else pair.master_id
        return web.see_other(f"/admin/registry/people/{person_id}#mentorships")

    @get("/import-template.xlsx")
    async def import_template(self, db: NamedDependency[AsyncSession]) -> Response[bytes]:
        areas = list(await people.areas_by_name(db)) or list(DEFAULT_AREAS)
        return web.download(importers.write_template(areas), "工匠名单导入模板.xlsx")

    @post("/import", status_code=200, request_max_body_size=web.UPLOAD_LIMIT)
    async def import_craftsmen(self, request: Request, db: NamedDependency[AsyncSession]) -> Template:
        form = await Form.read(request)
        upload = form.upload("file", "工匠名单文件")
        report = await importers.import_craftsmen(db, upload.filename, await upload.read(), _id_key(request),
                                                  skip_bad=form.flag("skip_bad"), dry_run=form.flag("dry_run"),
                                                  actor=web.actor(request))
        return Template("registry/import_report.html", context={"report": report})

    @get("/report")
    async def report(self, db: NamedDependency[AsyncSession], year: FromQuery[int | None] = None) -> Template:
        return Template("registry/report.html", context={
            "r": await svc.competition_report(db, year or clock.today().year)})

    @get("/report.xlsx")
    async def report_xlsx(self, db: NamedDependency[AsyncSession], year: FromQuery[int | None] = None) -> Response:
        year = year or clock.today().year
        return web.download(svc.report_xlsx(await svc.competition_report(db, year)), f"{year}年度竞赛统计.xlsx")


ROUTES = [dashboard, craftsmen, profile, notices, notice, object_to, receipt, RegistryOffice]
