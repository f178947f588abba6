"""Theory tests and online practice: the organiser's bank and tests, the invigilator's console,
the markers' queue, the contestants' test page (and its JSON API), and the public practice pages.
Handlers stay thin: the rules live in contest.exams.service."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import web
from contest.auth import PUBLIC, Identity, begin_session, identity_of, requires
from contest.errors import InputError, NotFound
from contest.exams import importers
from contest.exams.models import (
    DIFFICULTIES,
    EXAM_STATES,
    KINDS,
    PAPER_MODES,
    SET_KINDS,
    SITTING_STATES,
    Question,
    Sitting,
)
from contest.exams.questions import LETTERS, QuestionInput, answer_text, plain
from contest.exams.service import bank, marking, papers, practice, sittings
from contest.forms import Form
from contest.people import service as people

CHINA = ZoneInfo("Asia/Shanghai")
LEARNER_COOKIE = "learner"
BLUEPRINT_ROWS = 8
LABELS = {"KINDS": KINDS, "DIFFICULTIES": DIFFICULTIES, "EXAM_STATES": EXAM_STATES, "PAPER_MODES": PAPER_MODES,
          "SET_KINDS": SET_KINDS, "SITTING_STATES": SITTING_STATES, "LETTERS": LETTERS, "plain": plain,
          "answer_text": answer_text}


def page(name: str, **context: Any) -> Template:
    return Template(f"exams/{name}", context={**LABELS, **context})


def _question_input(form: Form) -> QuestionInput:
    return QuestionInput(kind=form.text("kind"), stem=form.text("stem"),
                         options=[form.text(f"option_{letter}") for letter in LETTERS], answer=form.text("answer"),
                         points=form.text("points"), difficulty=form.text("difficulty"),
                         knowledge=form.text("knowledge"), source=form.text("source"),
                         explanation=form.text("explanation"), manual="是" if form.flag("manual") else "")


def _blueprint(form: Form) -> list[dict]:
    return [{k: form.text(f"{k}_{n}") for k in ("kind", "difficulty", "knowledge", "count", "points")}
            for n in range(1, BLUEPRINT_ROWS + 1)]


def _local_time(form: Form, name: str, label: str) -> datetime | None:
    value = form.text(name)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=CHINA)
    except ValueError:
        raise InputError(f"{label}格式应为 年-月-日 时:分", name) from None


# --- the organiser: banks, questions, tests, practice sets -----------------------------------------------


class ExamsAdmin(Controller):
    path = "/admin/exams"
    guards = [requires("organiser")]
    include_in_schema = False

    @get("/")
    async def home(self, db: NamedDependency[AsyncSession]) -> Template:
        return page("admin_home.html", banks=await bank.list_banks(db), exams=await papers.list_exams(db),
                    stages=await papers.theory_stages(db), sets=await practice.list_sets(db),
                    blueprint=[{}] * BLUEPRINT_ROWS)

    @post("/banks")
    async def create_bank(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        created = await bank.create_bank(db, form.required("name", "题库名称"), form.text("description"))
        return web.see_other(f"/admin/exams/banks/{created.id}")

    @get("/banks/{bank_id:int}")
    async def bank_page(self, db: NamedDependency[AsyncSession], bank_id: FromPath[int],
                        kind: FromQuery[str] = "", difficulty: FromQuery[str] = "", knowledge: FromQuery[str] = "",
                        q: FromQuery[str] = "", retired: FromQuery[bool] = False) -> Template:
        the_bank = await bank.get_bank(db, bank_id)
        filters = {"kind": kind, "difficulty": difficulty, "knowledge": knowledge, "query": q, "retired": retired}
        return page("bank.html", bank=the_bank, questions=await bank.questions(db, the_bank, **filters),
                    knowledge_points=await bank.knowledge_points(db, bank_id), filters=filters)

    @post("/banks/{bank_id:int}/questions")
    async def add_question(self, request: Request, db: NamedDependency[AsyncSession],
                           bank_id: FromPath[int]) -> Redirect:
        the_bank = await bank.get_bank(db, bank_id)
        question = await bank.add_question(db, the_bank, _question_input(await Form.read(request)), web.actor(request))
        return web.see_other(f"/admin/exams/banks/{bank_id}#q-{question.code}")

    @post("/banks/{bank_id:int}/import", request_max_body_size=web.UPLOAD_LIMIT)
    async def import_questions(self, request: Request, db: NamedDependency[AsyncSession],
                               bank_id: FromPath[int]) -> Template:
        form = await Form.read(request)
        upload = form.upload("file", "题库文件")
        the_bank = await bank.get_bank(db, bank_id)
        report = await bank.import_questions(db, the_bank, upload.filename, await upload.read(), web.actor(request),
                                             skip_bad=form.flag("skip_bad"), dry_run=form.flag("dry_run"))
        return page("import_report.html", bank=the_bank, report=report)

    @get("/question-template.xlsx")
    async def template(self) -> Response[bytes]:
        return web.download(importers.template(), "题库导入模板.xlsx")

    @get("/questions/{question_id:int}")
    async def question_page(self, db: NamedDependency[AsyncSession], question_id: FromPath[int]) -> Template:
        question = await bank.get_question(db, question_id)
        return page("question.html", question=question, bank=await bank.get_bank(db, question.bank_id),
                    versions=await bank.versions(db, question))

    @post("/questions/{question_id:int}")
    async def revise(self, request: Request, db: NamedDependency[AsyncSession], question_id: FromPath[int]) -> Redirect:
        question = await bank.get_question(db, question_id)
        data = _question_input(await Form.read(request))
        revised = await bank.revise_question(db, question, data, web.actor(request))
        return web.see_other(f"/admin/exams/questions/{revised.id}")

    @post("/questions/{question_id:int}/retire")
    async def retire(self, request: Request, db: NamedDependency[AsyncSession], question_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        question = await bank.retire_question(db, await bank.get_question(db, question_id), not form.flag("restore"))
        return web.see_other(f"/admin/exams/questions/{question.id}")

    @post("/tests")
    async def create_exam(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        exam = await papers.create_exam(db, papers.ExamInput(
            stage_id=form.int("stage_id", "环节", required=True), bank_id=form.int("bank_id", "题库", required=True),
            name=form.required("name", "考试名称"), minutes=form.int("minutes", "考试时长", required=True),
            mode=form.text("mode", "each"), blueprint=_blueprint(form)), web.actor(request))
        return web.see_other(f"/admin/exams/tests/{exam.id}")

    @get("/tests/{exam_id:int}")
    async def exam_page(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Template:
        exam = await papers.get_exam(db, exam_id)
        await sittings.sweep(db, exam)
        exam = await papers.get_exam(db, exam_id)
        track, event, stage, round_ = await papers.exam_context(db, exam)
        rows = exam.blueprint + [{}] * max(0, BLUEPRINT_ROWS - len(exam.blueprint))
        return page("exam.html", exam=exam, track=track, event=event, stage=stage, blueprint=rows,
                    counts=await papers.paper_counts(db, exam), the_bank=await bank.get_bank(db, exam.bank_id),
                    knowledge_points=await bank.knowledge_points(db, exam.bank_id),
                    total=plain(papers.total_points(papers.parse_blueprint(exam.blueprint))))

    @post("/tests/{exam_id:int}/blueprint")
    async def set_blueprint(self, request: Request, db: NamedDependency[AsyncSession],
                            exam_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await papers.set_blueprint(db, await papers.get_exam(db, exam_id), _blueprint(form),
                                   form.int("minutes", "考试时长", required=True), form.text("mode", "each"))
        return web.see_other(f"/admin/exams/tests/{exam_id}")

    @post("/tests/{exam_id:int}/draw")
    async def draw(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Redirect:
        await papers.draw_papers(db, await papers.get_exam(db, exam_id), web.actor(request))
        return web.see_other(f"/admin/exams/tests/{exam_id}#draw")

    @post("/tests/{exam_id:int}/undraw")
    async def undraw(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Redirect:
        await papers.undo_draw(db, await papers.get_exam(db, exam_id), web.actor(request))
        return web.see_other(f"/admin/exams/tests/{exam_id}")

    @get("/tests/{exam_id:int}/results")
    async def results(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Template:
        exam = await papers.get_exam(db, exam_id)
        await sittings.sweep(db, exam)
        exam = await papers.get_exam(db, exam_id)
        track, event, stage, round_ = await papers.exam_context(db, exam)
        stored = await marking.stage_results(db, exam)
        return page("results.html", exam=exam, track=track, event=event, stage=stage,
                    rows=await sittings.console(db, exam), stored=stored)

    @get("/tests/{exam_id:int}/papers/{sitting_id:int}")
    async def paper_page(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int],
                         sitting_id: FromPath[int]) -> Template:
        exam = await papers.get_exam(db, exam_id)
        sitting = await db.get(Sitting, sitting_id)
        if sitting is None or sitting.exam_id != exam.id:
            raise NotFound("答卷")
        track, event, stage, round_ = await papers.exam_context(db, exam)
        return page("paper.html", exam=exam, track=track, sitting=sitting,
                    who=await marking.who(db, sitting), lines=await marking.paper_lines(db, sitting),
                    explanation=await marking.entry_explanation(db, exam, sitting))

    @post("/tests/{exam_id:int}/confirm")
    async def confirm(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Redirect:
        await marking.confirm(db, await papers.get_exam(db, exam_id), web.actor(request))
        return web.see_other(f"/admin/exams/tests/{exam_id}/results")

    @get("/tests/{exam_id:int}/analysis")
    async def analysis(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Template:
        exam = await papers.get_exam(db, exam_id)
        track, event, stage, round_ = await papers.exam_context(db, exam)
        return page("analysis.html", exam=exam, track=track, items=await marking.item_analysis(db, exam))

    @post("/sets")
    async def create_set(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        the_set = await practice.create_set(db, practice.SetInput(
            kind=form.text("kind", "practice"), bank_id=form.int("bank_id", "题库", required=True),
            title=form.required("title", "标题"), description=form.text("description"),
            count=form.int("count", "题目数量", required=True), question_kind=form.text("question_kind"),
            knowledge=form.text("knowledge"), starts_at=_local_time(form, "starts_at", "开始时间"),
            ends_at=_local_time(form, "ends_at", "结束时间"), minutes=form.int("minutes", "每次限时"),
            per_attempt=form.int("per_attempt", "每次题数"), max_attempts=form.int("max_attempts", "每人次数")))
        return web.see_other(f"/admin/exams/sets/{the_set.id}")

    @get("/sets/{set_id:int}")
    async def set_page(self, db: NamedDependency[AsyncSession], set_id: FromPath[int]) -> Template:
        the_set = await practice.get_set(db, set_id)
        return page("set_admin.html", the_set=the_set, state=practice.campaign_state(the_set),
                    board=await practice.leaderboard(db, the_set))

    @post("/sets/{set_id:int}/publish")
    async def publish_set(self, request: Request, db: NamedDependency[AsyncSession], set_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await practice.set_published(db, await practice.get_set(db, set_id), not form.flag("withdraw"))
        return web.see_other(f"/admin/exams/sets/{set_id}")


# --- the invigilator ---------------------------------------------------------------------------------------


async def _tests_page(db: AsyncSession, role: str) -> Template:
    """Where an invigilator or a marker lands after signing in: every theory test, each linked to
    the role's own page of it (otherwise they would need the address sent to them)."""
    return page("staff_home.html", exams=await papers.list_exams(db), role=role)


@get("/invigilate", guards=[requires("organiser", "invigilator")], include_in_schema=False)
async def invigilator_home(db: NamedDependency[AsyncSession]) -> Template:
    return await _tests_page(db, "invigilator")


@get("/marking", guards=[requires("organiser", "marker")], include_in_schema=False)
async def marker_home(db: NamedDependency[AsyncSession]) -> Template:
    return await _tests_page(db, "marker")



class Invigilation(Controller):
    path = "/invigilate/tests/{exam_id:int}"
    guards = [requires("organiser", "invigilator")]
    include_in_schema = False

    async def _context(self, db: AsyncSession, exam_id: int) -> dict[str, Any]:
        exam = await papers.get_exam(db, exam_id)
        await sittings.sweep(db, exam)
        exam = await papers.get_exam(db, exam_id)
        track, event, stage, round_ = await papers.exam_context(db, exam)
        return {"exam": exam, "track": track, "event": event, "rows": await sittings.console(db, exam)}

    @get("/")
    async def console(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Template:
        return page("console.html", **await self._context(db, exam_id))

    @get("/rows")
    async def rows(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Template:
        """The console's table, polled every few seconds (and the clock's sweep with it)."""
        return page("_console_rows.html", **await self._context(db, exam_id))

    @post("/open")
    async def open_exam(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Redirect:
        await sittings.open_exam(db, await papers.get_exam(db, exam_id), web.actor(request))
        return web.see_other(f"/invigilate/tests/{exam_id}")

    @post("/end")
    async def end(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await sittings.end_now(db, await papers.get_exam(db, exam_id), form.text("reason"), web.actor(request))
        return web.see_other(f"/invigilate/tests/{exam_id}")

    @post("/code")
    async def new_code(self, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Redirect:
        await sittings.new_code(db, await papers.get_exam(db, exam_id))
        return web.see_other(f"/invigilate/tests/{exam_id}")

    @post("/sittings/{sitting_id:int}/extend")
    async def extend(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int],
                     sitting_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await sittings.extend(db, await papers.get_exam(db, exam_id), sitting_id, form.int("minutes", "延时分钟数"),
                              form.text("reason"), web.actor(request))
        return web.see_other(f"/invigilate/tests/{exam_id}#sitting-{sitting_id}")

    @post("/sittings/{sitting_id:int}/release")
    async def release(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int],
                      sitting_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await sittings.release_device(db, await papers.get_exam(db, exam_id), sitting_id, form.text("reason"),
                                      web.actor(request))
        return web.see_other(f"/invigilate/tests/{exam_id}#sitting-{sitting_id}")


# --- markers: fill-in answers only a person can judge ----------------------------------------------------------


class Marking(Controller):
    path = "/marking/tests/{exam_id:int}"
    guards = [requires("organiser", "marker")]
    include_in_schema = False

    @get("/")
    async def queue(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int]) -> Template:
        exam = await papers.get_exam(db, exam_id)
        track, event, stage, round_ = await papers.exam_context(db, exam)
        user: Identity = request.user
        return page("marking.html", exam=exam, track=track, me=user.name, queue=await marking.fill_queue(db, exam))

    @post("/answers/{sitting_id:int}/{position:int}")
    async def mark(self, request: Request, db: NamedDependency[AsyncSession], exam_id: FromPath[int],
                   sitting_id: FromPath[int], position: FromPath[int]) -> Template:
        form = await Form.read(request)
        exam = await papers.get_exam(db, exam_id)
        user: Identity = request.user
        outcome = await marking.mark_fill(db, exam, sitting_id, position, user.name, form.text("points"))
        track, event, stage, round_ = await papers.exam_context(db, exam)
        return page("marking.html", exam=exam, track=track, me=user.name, queue=await marking.fill_queue(db, exam),
                    outcome=outcome, last=(sitting_id, position))


# --- the contestant's test page and its API ---------------------------------------------------------------------


CONTESTANT = [requires("contestant")]  # a sitting signed in with bib and code


def _contestant(request: Request) -> tuple[int, str | None]:
    """The signed-in contestant's sitting and the device token this browser holds."""
    user: Identity = request.user
    return user.id, user.device


@get("/exam", opt=PUBLIC, include_in_schema=False)
async def login_page() -> Template:
    return page("login.html")


@post("/exam/login", opt=PUBLIC, include_in_schema=False, status_code=303)
async def login(request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
    form = await Form.read(request)
    signed_in = await identity_of(request)
    mine = signed_in.device if signed_in else None  # a reload of this page on the device already answering
    code, bib = form.required("code", "考试码"), form.required("bib", "准考证号")
    sitting, device, name = await sittings.sign_in(db, code, bib, request.headers.get("user-agent", ""), mine)
    exam = await papers.get_exam(db, sitting.exam_id)
    track, event, stage, round_ = await papers.exam_context(db, exam)
    cookie = await begin_session(db, request, Identity("contestant", sitting.id, name, "contestant", event.id, device))
    return Redirect("/exam/paper", status_code=303, cookies=[cookie])


@get("/exam/paper", guards=CONTESTANT, include_in_schema=False)
async def paper_page(request: Request, db: NamedDependency[AsyncSession]) -> Template | Redirect:
    sitting_id, device = _contestant(request)
    sitting, exam = await sittings.contestant_sitting(db, sitting_id, device)
    if sitting.state not in sittings.WAITING:
        return Redirect("/exam/done", status_code=303)
    data = await sittings.paper(db, sitting, exam)
    return page("test.html", data=data, exam=exam)


@dataclass
class AnswerSave:
    response: str
    seq: int
    key: str


@dataclass
class HandIn:
    key: str = ""


@put("/api/exam/answers/{position:int}", guards=CONTESTANT, tags=["exams"], responses=web.API_ERRORS,
     security=web.CSRF)
async def api_save_answer(request: Request, db: NamedDependency[AsyncSession], position: FromPath[int],
                          data: JSONBody[AnswerSave]) -> dict[str, Any]:
    """Save the answer to one place of the signed-in contestant's paper. `seq` numbers the device's
    saves in order and `key` names this one: send the same key when retrying."""
    sitting_id, device = _contestant(request)
    outcome = await sittings.save_answer(db, sitting_id, device, position, data.response, data.seq, data.key)
    return asdict(outcome)


@get("/api/exam/status", guards=CONTESTANT, tags=["exams"], responses=web.API_ERRORS)
async def api_status(request: Request, db: NamedDependency[AsyncSession]) -> dict[str, Any]:
    """The server's clock for the signed-in contestant: state and milliseconds left."""
    sitting_id, device = _contestant(request)
    sitting, exam = await sittings.contestant_sitting(db, sitting_id, device)
    return await sittings.status(db, sitting, exam)


@post("/api/exam/hand-in", guards=CONTESTANT, tags=["exams"], status_code=200, responses=web.API_ERRORS,
      security=web.CSRF)
async def api_hand_in(request: Request, db: NamedDependency[AsyncSession], data: JSONBody[HandIn]) -> dict[str, Any]:
    """交卷. Handing in twice is handing in once."""
    sitting_id, device = _contestant(request)
    sitting = await sittings.hand_in(db, sitting_id, "contestant", device)
    return {"state": sitting.state}


@get("/exam/done", guards=CONTESTANT, include_in_schema=False)
async def done_page(request: Request, db: NamedDependency[AsyncSession]) -> Template:
    sitting_id, _ = _contestant(request)
    sitting = await db.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("考生")
    return page("done.html", sitting=sitting)


@get("/exam/review", opt=PUBLIC, include_in_schema=False)
async def review_page() -> Template:
    return page("review.html", found=None)


@post("/exam/review", opt=PUBLIC, include_in_schema=False, status_code=200)
async def review(request: Request, db: NamedDependency[AsyncSession]) -> Template:
    """A contestant's own paper, once the results are published: admission number and ID number."""
    form = await Form.read(request)
    found = await marking.review(db, form.required("bib", "准考证号"), form.required("id_number", "身份证号"),
                                 request.app.state.settings.id_hash_key.encode())
    return page("review.html", found=[(exam, sitting, await marking.paper_lines(db, sitting))
                                      for exam, sitting in found])


# --- 网上练兵 (public, phone first) ---------------------------------------------------------------------------


async def _learner(request: Request, db: AsyncSession):
    return await practice.learner_by_token(db, request.cookies.get(LEARNER_COOKIE))


@get("/practice", opt=PUBLIC, include_in_schema=False)
async def practice_home(request: Request, db: NamedDependency[AsyncSession]) -> Template:
    sets = await practice.list_sets(db, public=True)
    return page("practice_home.html", sets=[(s, practice.campaign_state(s)) for s in sets],
                learner=await _learner(request, db))


@get("/practice/me", opt=PUBLIC, include_in_schema=False)
async def me_page(request: Request, db: NamedDependency[AsyncSession], next: FromQuery[str] = "") -> Template:
    learner = await _learner(request, db)
    return page("me.html", learner=learner, units=await people.list_units(db),
                next=next if next.startswith("/practice") else "",
                attempts=await practice.my_attempts(db, learner) if learner else [])


@post("/practice/me", opt=PUBLIC, include_in_schema=False, status_code=303)
async def register(request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
    form = await Form.read(request)
    learner = await practice.register(db, form.text("name"), form.int("unit_id", "工作单位"), form.text("phone"),
                                      request.app.state.settings.id_hash_key.encode())
    target = form.text("next")
    response = Redirect(target if target.startswith("/practice") else "/practice/me", status_code=303)
    response.set_cookie(LEARNER_COOKIE, learner.token, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                        secure=request.app.state.settings.secure_cookies)
    return response


@get("/practice/sets/{set_id:int}", opt=PUBLIC, include_in_schema=False)
async def set_page(request: Request, db: NamedDependency[AsyncSession], set_id: FromPath[int]) -> Template:
    the_set = await practice.get_set(db, set_id, public=True)
    return page("practice_set.html", the_set=the_set, state=practice.campaign_state(the_set),
                learner=await _learner(request, db))


@post("/practice/sets/{set_id:int}/start", opt=PUBLIC, include_in_schema=False, status_code=303)
async def start(request: Request, db: NamedDependency[AsyncSession], set_id: FromPath[int]) -> Redirect:
    the_set = await practice.get_set(db, set_id, public=True)
    learner = await _learner(request, db)
    if the_set.kind == "quiz" and learner is None:
        return Redirect(f"/practice/me?next=/practice/sets/{set_id}", status_code=303)
    attempt = await practice.start(db, the_set, learner)
    return Redirect(f"/practice/attempts/{attempt.token}", status_code=303)


async def _attempt_context(db: AsyncSession, token: str) -> dict[str, Any]:
    attempt, the_set = await practice.attempt_by_token(db, token)
    questions, answers = await practice.attempt_view(db, attempt)
    return {"attempt": attempt, "the_set": the_set, "questions": questions, "answers": answers,
            "remaining_ms": max(0, int((attempt.deadline - practice.utcnow()).total_seconds() * 1000))
            if attempt.deadline and not attempt.finished_at else None}


@get("/practice/attempts/{token:str}", opt=PUBLIC, include_in_schema=False)
async def attempt_page(db: NamedDependency[AsyncSession], token: FromPath[str]) -> Template:
    return page("attempt.html", **await _attempt_context(db, token))


@post("/practice/attempts/{token:str}/questions/{question_id:int}", opt=PUBLIC, include_in_schema=False,
      status_code=200)
async def answer(request: Request, db: NamedDependency[AsyncSession], token: FromPath[str],
                 question_id: FromPath[int]) -> Template:
    """One answer: the question's card comes back marked (a practice set shows the explanation)."""
    form = await Form.read(request)
    attempt, the_set = await practice.attempt_by_token(db, token)
    response = "".join(form.texts("response"))
    given = await practice.answer(db, attempt, the_set, question_id, response)
    attempt, the_set = await practice.attempt_by_token(db, token)
    question = await db.get(Question, question_id)
    number = attempt.question_ids.index(question_id) + 1
    return page("_card.html", attempt=attempt, the_set=the_set, q=question, number=number, given=given,
                done=attempt.finished_at is not None)


@post("/practice/attempts/{token:str}/finish", opt=PUBLIC, include_in_schema=False, status_code=303)
async def finish(db: NamedDependency[AsyncSession], token: FromPath[str]) -> Redirect:
    attempt, _ = await practice.attempt_by_token(db, token)
    await practice.finish(db, attempt)
    return Redirect(f"/practice/attempts/{token}", status_code=303)


@get("/practice/sets/{set_id:int}/board", opt=PUBLIC, include_in_schema=False)
async def board(db: NamedDependency[AsyncSession], set_id: FromPath[int]) -> Template:
    the_set = await practice.get_set(db, set_id, public=True)
    return page("board.html", the_set=the_set, state=practice.campaign_state(the_set),
                board=await practice.leaderboard(db, the_set))


@get("/units/{unit_id:int}/practice", opt=PUBLIC, include_in_schema=False)
async def unit_practice(db: NamedDependency[AsyncSession], unit_id: FromPath[int]) -> Template:
    """A unit's workers in practice and quizzes (a fragment of the unit's page)."""
    return page("_unit_practice.html", lines=await practice.unit_participation(db, unit_id))


ROUTES = [ExamsAdmin, invigilator_home, Invigilation, marker_home, Marking, login_page, login, paper_page,
          api_save_answer, api_status, api_hand_in, done_page, review_page, review, practice_home, me_page, register,
          set_page, start, attempt_page, answer, finish, board, unit_practice]
