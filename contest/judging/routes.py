"""Judges' tablets (pages and the JSON API they use), the chief judge's console and the
scorers' paper-sheet entry. Handlers stay thin: the rules live in judging.service."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, web
from contest.auth import PUBLIC, Identity, address_of, begin_session, requires
from contest.errors import InputError, NotFound, TooManyAttempts
from contest.events import lifecycle
from contest.events import service as events
from contest.events.models import Entry, Event, Judge, Round, Stage, Track
from contest.forms import Form
from contest.judging import service as svc
from contest.judging.models import RECHECK_OUTCOMES, SHEET_STATES
from contest.scoring.chinese import KINDS


async def _judge(db: AsyncSession, request: Request) -> Judge:
    user: Identity = request.user
    judge = await db.get(Judge, user.id) if user.kind == "judge" else None
    if judge is None or judge.event_id != user.event_id:
        raise NotFound("裁判")
    return judge


def _judge_identity(request: Request) -> Identity:
    user: Identity = request.user
    if user.kind != "judge":
        raise NotFound("裁判")
    return user


async def _seat(db: AsyncSession, request: Request, stage_id: int) -> tuple[Judge, svc.Assignment]:
    """The signed-in judge and a stage the judge sits on."""
    user = _judge_identity(request)
    return await svc.seat(db, user.id, user.event_id, stage_id)


async def _sign_in(db: AsyncSession, request: Request, judge: Judge) -> Cookie:
    return await begin_session(db, request, Identity("judge", judge.id, judge.name, "judge", judge.event_id))


# --- sign-in (public) -------------------------------------------------------------------------------


@get("/judge/login", opt=PUBLIC, include_in_schema=False)
async def login_page() -> Template:
    return Template("judging/login.html", context={"error": None})


@post("/judge/login", opt=PUBLIC, include_in_schema=False, status_code=303)
async def login(request: Request, db: NamedDependency[AsyncSession]) -> Response:
    """The sign-in form; a refusal shows the form again with what was typed (but the PIN)."""
    form = await Form.read(request)
    code, number = form.text("event_code")[:12], form.text("number")[:8]
    try:
        judge = await svc.sign_in(db, form.required("event_code", "活动代码"), form.required("number", "裁判编号"),
                                  form.required("pin", "PIN"), address_of(request))
    except (InputError, TooManyAttempts) as exc:
        status, headers = (429, exc.headers) if isinstance(exc, TooManyAttempts) else (400, None)
        return Template("judging/login.html", context={"error": exc.message, "event_code": code, "number": number},
                        status_code=status, headers=headers)
    return Redirect("/judge", status_code=303, cookies=[await _sign_in(db, request, judge)])


@get("/judge/login/{token:str}", opt=PUBLIC, include_in_schema=False)
async def qr_login(request: Request, db: NamedDependency[AsyncSession], token: FromPath[str]) -> Redirect:
    judge = await svc.judge_by_token(db, token)
    return Redirect("/judge", status_code=303, cookies=[await _sign_in(db, request, judge)])


@dataclass
class SignIn:
    event_code: str
    number: str
    pin: str


@post("/api/judge/session", opt=PUBLIC, tags=["judging"], status_code=200, responses=web.API_ERRORS,
      security=web.CSRF)
async def api_sign_in(request: Request, db: NamedDependency[AsyncSession],
                      data: JSONBody[SignIn]) -> Response[dict[str, Any]]:
    """Sign a judge in with the event code, judge number and PIN; the session cookie follows. Every
    failure is the same 400; too many failures are a 429 (Retry-After says for how long)."""
    judge = await svc.sign_in(db, data.event_code, data.number, data.pin, address_of(request))
    return Response({"judge": judge.number, "name": judge.name, "event_id": judge.event_id},
                    cookies=[await _sign_in(db, request, judge)])


# --- the judge's tablet -----------------------------------------------------------------------------


@dataclass
class SheetWrite:
    marks: dict[str, str | int | float | None]
    base_version: int
    key: str
    submit: bool = False
    device: str = ""
    opinion: str = ""  # the judge's written opinion on the sheet (评审意见)
    notes: dict[str, str] = field(default_factory=dict)  # criterion key -> a note on that criterion
    # the contestant's confirmation of values measured at the station (criteria with `confirm`):
    # {"bib": their admission number, "values": {criterion: value}, "agreed": bool, "reason": "…"}
    confirmation: dict[str, Any] | None = None


@dataclass
class QueueEntry:
    entry_id: int
    blind_code: str
    running_order: int | None
    state: str


@dataclass
class StageQueue:
    stage_id: int
    stage: str
    track: str
    round: str
    is_chief: bool
    signed_off: bool
    entries: list[QueueEntry] = field(default_factory=list)


async def _queues(db: AsyncSession, judge: Judge) -> list[StageQueue]:
    out = []
    for a in await svc.assignments(db, judge):
        items = await svc.queue(db, judge, a.stage, a.track)
        out.append(StageQueue(a.stage.id, a.stage.name, a.track.name, a.round.name, a.is_chief,
                              await svc.is_signed_off(db, a.stage.id),
                              [QueueEntry(i.entry_id, i.blind_code, i.running_order, i.state) for i in items]))
    return out


def _criteria(a: svc.Assignment) -> list[dict[str, Any]]:
    return [{"key": c.key, "name": c.name, "kind": c.kind, "min": str(c.min), "max": str(c.mark_limit),
             "step": str(c.step or ""), "counts": c.counts, "levels": c.levels, "confirm": c.confirm}
            for c in a.criteria]


async def _pledge_form(db: AsyncSession, judge: Judge, error: str | None = None,
                       chosen: dict[str, Any] | None = None) -> Template:
    event = await db.get(Event, judge.event_id)
    text = svc.pledge_text(event)
    return Template("judging/pledge.html", status_code=400 if error else 200, context={
        "judge": judge, "event": event, "text": text, "digest": svc.pledge_digest(text),
        "relations": await svc.relations(db, event), "error": error,
        "chosen": chosen or {"unit_ids": [], "entry_ids": [], "relation": ""}})


class JudgeController(Controller):
    guards = [requires("judge")]

    @get("/judge", include_in_schema=False)
    async def home(self, request: Request, db: NamedDependency[AsyncSession]) -> Template | Redirect:
        judge = await _judge(db, request)
        if await svc.pledge_of(db, judge) is None:  # first sign-in for the event: the pledge comes first
            return web.see_other("/judge/pledge")
        event = await db.get(Event, judge.event_id)
        return Template("judging/queue.html", context={"judge": judge, "event": event,
                                                       "queues": await _queues(db, judge), "states": SHEET_STATES})

    @get("/judge/pledge", include_in_schema=False)
    async def pledge_page(self, request: Request, db: NamedDependency[AsyncSession]) -> Template | Redirect:
        judge = await _judge(db, request)
        if await svc.pledge_of(db, judge) is not None:
            return web.see_other("/judge")
        return await _pledge_form(db, judge)

    @post("/judge/pledge", include_in_schema=False, status_code=303)
    async def accept_pledge(self, request: Request, db: NamedDependency[AsyncSession]) -> Template | Redirect:
        """A refusal shows the pledge again with what the judge ticked and typed, and why."""
        judge = await _judge(db, request)
        form = await Form.read(request)
        chosen = {"unit_ids": form.texts("unit_ids"), "entry_ids": form.texts("entry_ids"),
                  "relation": form.text("relation")[:200]}
        try:
            if not form.flag("agree"):
                raise InputError("请勾选“本人已阅读上述承诺书……”后再签署", "agree")
            await svc.accept_pledge(db, judge, await db.get(Event, judge.event_id), form.text("shown"),
                                    form.ints("unit_ids", "单位"), form.ints("entry_ids", "选手"),
                                    form.text("relation"), _device(request))
        except InputError as exc:
            return await _pledge_form(db, judge, exc.message, chosen)
        return web.see_other("/judge")

    @get("/judge/stages/{stage_id:int}", include_in_schema=False)
    async def stage_page(self, request: Request, db: NamedDependency[AsyncSession],
                         stage_id: FromPath[int]) -> Template | Redirect:
        """The tablet's scoring page for a stage: the whole queue and every sheet of this judge, so
        scoring goes on when the network drops (drafts and submissions wait on the device)."""
        judge, a = await _seat(db, request, stage_id)
        if await svc.pledge_of(db, judge) is None:
            return web.see_other("/judge/pledge")
        data = {"judge": {"id": judge.id, "number": judge.number},
                "stage": {"id": a.stage.id, "name": a.stage.name, "opinion": a.scheme_stage.opinion},
                "criteria": _criteria(a), "sheets": await svc.sheets_for_tablet(db, judge, a),
                "signed_off": await svc.is_signed_off(db, a.stage.id)}
        return Template("judging/stage.html", context={"judge": judge, "a": a, "data": data})

    @get("/api/judge/queue", tags=["judging"], responses=web.API_ERRORS)
    async def api_queue(self, request: Request, db: NamedDependency[AsyncSession]) -> list[StageQueue]:
        """The stages the judge sits on, each with its entries by blind code and running order."""
        return await _queues(db, await _judge(db, request))

    @get("/api/judge/stages/{stage_id:int}/entries/{entry_id:int}", tags=["judging"], responses=web.API_ERRORS)
    async def api_read_sheet(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int],
                             entry_id: FromPath[int]) -> dict[str, Any]:
        """The judge's own sheet for an entry: criteria, state, version and marks."""
        judge, a = await _seat(db, request, stage_id)
        return {**asdict(await svc.read_sheet(db, judge, a, entry_id)), "criteria": _criteria(a)}

    @put("/api/judge/stages/{stage_id:int}/entries/{entry_id:int}", tags=["judging"], responses=web.API_ERRORS,
         security=web.CSRF)
    async def api_write_sheet(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int],
                              entry_id: FromPath[int], data: JSONBody[SheetWrite]) -> dict[str, Any]:
        """Save a draft (`submit: false`) or submit the sheet. Send a fresh `key` per change and the same key
        when retrying; `base_version` is the version the change was made on (409 if the sheet moved on)."""
        user = _judge_identity(request)
        outcome = await svc.write_sheet(db, svc.SheetInput(
            user.id, user.event_id, stage_id, entry_id, data.marks, base_version=data.base_version,
            submit=data.submit, key=data.key, device=data.device or _device(request), opinion=data.opinion,
            notes=data.notes, confirmation=data.confirmation))
        return {**outcome.as_dict(), "replayed": outcome.replayed}


def _device(request: Request) -> str:
    return request.headers.get("user-agent", "")[:120]


# --- the chief judge's console -----------------------------------------------------------------------


class ChiefController(Controller):
    path = "/chief/stages/{stage_id:int}"
    guards = [requires("judge")]
    include_in_schema = False

    async def _chief(self, db: AsyncSession, request: Request, stage_id: int) -> tuple[Judge, svc.Assignment]:
        judge, a = await _seat(db, request, stage_id)
        if not a.is_chief:
            raise NotFound("裁判长控制台")
        return judge, a

    @get("/")
    async def console(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int]) -> Template:
        judge, a = await self._chief(db, request, stage_id)
        progress = await svc.progress(db, a.stage, a.track)
        results = await svc.compute_round(db, a.round)
        return Template("judging/console.html", context={
            "judge": judge, "a": a, "progress": progress, "missing": (missing := progress.missing()),
            "recheck_waits": svc.unsheeted_recheck(len(missing)) if missing else None,
            "consistency": await svc.consistency(db, a.round), "results": results,
            "signed_off": await svc.is_signed_off(db, a.stage.id), "states": SHEET_STATES,
            "controls": lifecycle.Controls(await lifecycle.track_phase(db, a.track.event_id, a.track.id)),
            "rechecks": (rechecks := await svc.recheck_draws(db, a.stage)),
            "findings": await svc.recheck_outcomes(db, rechecks[0]) if rechecks else {}, "outcomes": RECHECK_OUTCOMES,
            "recheck_pending": await svc.recheck_pending(db, a.stage),
            "pledges": await svc.pledges(db, await db.get(Event, judge.event_id)),
            "mismatches": await svc.paper_mismatches(db, a.stage),
            "codes": {e.id: e.blind_code for e in progress.entries},
            "judge_numbers": {j.id: j.number for j in progress.judges},
            "criterion_names": {c.key: c.name for c in a.criteria},
            "bib_codes": {e.bib: e.blind_code for e in progress.entries}})

    @get("/sheets/{sheet_id:int}")
    async def sheet(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int],
                    sheet_id: FromPath[int]) -> Template:
        """Any sheet of the stage, read-only: to look at a suspicious sheet before sending it back."""
        judge, a = await self._chief(db, request, stage_id)
        return Template("judging/sheet.html", context={
            "judge": judge, "a": a, "s": await svc.sheet_for_chief(db, a.stage, sheet_id), "states": SHEET_STATES,
            "kinds": KINDS, "signed_off": await svc.is_signed_off(db, a.stage.id)})

    @get("/record")
    async def record(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int]) -> Template:
        """The stage's judging record (评分记录表), to print on A4 and archive."""
        judge, a = await self._chief(db, request, stage_id)
        return Template("judging/record.html", context={
            "judge": judge, "a": a, "event": await db.get(Event, a.track.event_id),
            "record": await svc.judging_record(db, a.stage, a.track), "printed": clock.now()})

    @post("/sheets/{sheet_id:int}/reopen")
    async def reopen(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int],
                     sheet_id: FromPath[int]) -> Redirect:
        judge, a = await self._chief(db, request, stage_id)
        form = await Form.read(request)
        sheet = await svc.sheet_of_stage(db, a.stage, sheet_id)
        await svc.reopen_sheet(db, sheet.id, form.required("reason", "退回原因"), svc.actor_of(judge), a.track.event_id)
        return web.see_other(f"/chief/stages/{stage_id}")

    @post("/recheck")
    async def recheck(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int]) -> Redirect:
        judge, a = await self._chief(db, request, stage_id)
        await svc.draw_recheck(db, a.stage, a.round, svc.actor_of(judge))
        return web.see_other(f"/chief/stages/{stage_id}#recheck")

    @post("/recheck/{bib:str}")
    async def recheck_finding(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int],
                              bib: FromPath[str]) -> Redirect:
        judge, a = await self._chief(db, request, stage_id)
        form = await Form.read(request)
        await svc.record_recheck(db, a.stage, bib, form.required("outcome", "复核结果"), form.text("note"),
                                 svc.actor_of(judge))
        return web.see_other(f"/chief/stages/{stage_id}#recheck")

    @post("/signoff")
    async def signoff(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int]) -> Redirect:
        judge, a = await self._chief(db, request, stage_id)
        await svc.sign_off(db, judge, a)
        return web.see_other(f"/chief/stages/{stage_id}")

    @post("/signoff/withdraw")
    async def withdraw_signoff(self, request: Request, db: NamedDependency[AsyncSession],
                               stage_id: FromPath[int]) -> Redirect:
        judge, a = await self._chief(db, request, stage_id)
        form = await Form.read(request)
        await svc.withdraw_signoff(db, a.stage, form.required("reason", "撤回原因"), svc.actor_of(judge))
        return web.see_other(f"/chief/stages/{stage_id}#signoff")


# --- the organiser's changes that move results ----------------------------------------------------------


class ChangesController(Controller):
    """Entries withdrawn, absent or disqualified, sign-offs withdrawn: posted from a track's admin
    page (events.routes), decided by judging.service. A scheme's edit or correction is posted from
    its builder page (events.routes), decided by judging.service.save_scheme."""

    path = "/admin/events/{slug:str}/tracks/{track:str}"
    guards = [requires("organiser")]
    include_in_schema = False

    @post("/entries/status")
    async def entry_status(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           track: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        the_track = await _track(db, slug, track)
        entry = await svc.entry_of_track(db, the_track, form.required("bib", "参赛证号"))
        await svc.change_entry_status(db, entry, form.required("status", "参赛状态"), form.text("reason"),
                                      web.actor(request))
        if form.text("back") == "contestant":  # from the contestant's own page
            return web.see_other(f"/admin/events/{slug}/tracks/{track}/contestants/{quote(entry.bib)}#status")
        return web.see_other(f"/admin/events/{slug}/tracks/{track}#entries")

    @post("/stages/{stage_id:int}/signoff/withdraw")
    async def withdraw_signoff(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                               track: FromPath[str], stage_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        the_track = await _track(db, slug, track)
        stage = await db.get(Stage, stage_id)
        if stage is None or (await db.get(Round, stage.round_id)).track_id != the_track.id:
            raise NotFound("环节")
        await svc.withdraw_signoff(db, stage, form.required("reason", "撤回原因"), web.actor(request))
        return web.see_other(f"/admin/events/{slug}/tracks/{track}#signoffs")


async def _track(db: AsyncSession, slug: str, track: str) -> Track:
    return await events.get_track(db, await events.get_event(db, slug), track)


# --- scorers: marks from signed paper sheets ------------------------------------------------------------


class ScorerController(Controller):
    path = "/scorer"
    guards = [requires("scorer", "organiser")]
    include_in_schema = False

    @get("/")
    async def stages(self, request: Request, db: NamedDependency[AsyncSession]) -> Template:
        return Template("judging/scorer_stages.html", context={"stages": await svc.all_stages(db, request.user)})

    @get("/stages/{stage_id:int}")
    async def paper_form(self, request: Request, db: NamedDependency[AsyncSession],
                         stage_id: FromPath[int]) -> Template:
        return Template("judging/paper.html", context=await svc.paper_context(db, stage_id, request.user))

    @post("/stages/{stage_id:int}")
    async def enter(self, request: Request, db: NamedDependency[AsyncSession], stage_id: FromPath[int]) -> Template:
        form = await Form.read(request)
        context = await svc.paper_context(db, stage_id, request.user)
        judge = next((j for j in context["judges"] if j.id == form.int("judge_id", "裁判", required=True)), None)
        entry: Entry | None = next((e for e in context["entries"] if e.id == form.int("entry_id", "选手",
                                                                                      required=True)), None)
        if judge is None or entry is None:
            raise NotFound("裁判或选手")
        a = await svc.assignment(db, judge, stage_id)
        marks = {c.key: form.text(f"mark_{c.key}") for c in a.criteria}
        outcome = await svc.enter_paper(db, request.user, judge, a, entry.id, marks,
                                        form.int("pass_no", "录入遍次", required=True), form.text("opinion"))
        return Template("judging/paper.html", context={**await svc.paper_context(db, stage_id, request.user),
                                                       "outcome": outcome,
                                                       "last": {"judge": judge, "entry": entry}})


ROUTES = [login_page, login, qr_login, api_sign_in, JudgeController, ChiefController, ScorerController,
          ChangesController]
