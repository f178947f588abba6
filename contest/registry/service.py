"""The 香城工匠 registry: profiles, the three roads into candidacy, the review pipeline (every
step recorded and ledgered), naming batches, the target tracker and master–apprentice pairs."""
from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, db, ledger, scoring, tables
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Event, TeamMember, Track
from contest.exams.service import practice
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.leaderboards.models import TitleRule
from contest.people.identity import mask_phone, phone_hash, validate_phone
from contest.people.models import SKILL_LEVEL_LABELS, Area, Industry, Person, Unit
from contest.people.service import change_skill_level, pinyin_key, search_text, skill_rises
from contest.registry.models import (
    ACTIVE,
    CHANNELS,
    COUNTED,
    HONOUR_LEVELS,
    NEW,
    OUTCOMES,
    PATENT_KINDS,
    ROADS,
    STATES,
    TIERS,
    TRANSITIONS,
    Batch,
    Candidate,
    CandidateStep,
    Honour,
    Innovation,
    Mentorship,
    Objection,
    Profile,
    ReviewMark,
    ReviewOpinion,
    Target,
    refusal,
)

MAX_APPRENTICES = 5
COMPETENCIES = (("lead", "引领"), ("practice", "实践"), ("innovate", "创新"), ("tackle", "攻关"), ("pass_on", "传承"))


def default_review_scheme() -> dict:
    """Five competencies, 0–20 each; the experts' marks are averaged, dropping the highest and
    the lowest when at least five experts marked; each expert writes an opinion (评审意见)."""
    return {"scheme": 1, "name": "香城工匠专家评审标准", "rounding": {"places": 2, "mode": "half_up"},
            "stages": [{"key": "review", "name": "专家评审", "weight": 1, "opinion": "required",
                        "panel": {"aggregate": "trimmed_mean", "trim": 1, "min_judges": 3},
                        "criteria": [{"key": k, "name": n, "max": 20, "kind": "judgement", "step": "0.5"}
                                     for k, n in COMPETENCIES]}]}


async def target(session: AsyncSession) -> Target:
    found = (await session.exec(select(Target))).first()
    if found is None:
        found = Target(review_scheme=default_review_scheme())
        session.add(found)
        await session.flush()
    return found


# --- profiles -------------------------------------------------------------------------------------------


async def ensure_profile(session: AsyncSession, person: Person, **fields) -> Profile:
    profile = (await session.exec(select(Profile).where(Profile.person_id == person.id))).first()
    if profile is None:
        profile = Profile(person_id=person.id, pinyin=pinyin_key(person.name))
    profile.sqlmodel_update({key: value for key, value in fields.items() if value is not None})
    session.add(profile)
    await session.flush()
    return profile


async def get_person(session: AsyncSession, person_id: int) -> Person:
    return await db.get_or_404(session, Person, person_id, "人员")


# --- the transitions: every change of a candidate's state goes through here ---------------------------------


async def require(session: AsyncSession, candidate: Candidate, action: str) -> None:
    """The state check of every registry action, by the one table (models.TRANSITIONS): a 409
    that says why and what to do instead. The candidate stays locked to the commit, so that two
    clerks (or one double click) cannot move the same candidate at once."""
    name = (await get_person(session, candidate.person_id)).name
    if candidate.id is not None:
        stored = (await session.exec(select(Candidate.state).where(Candidate.id == candidate.id)
                                     .with_for_update())).one()
        if stored != candidate.state:
            raise Conflict(f"{name}的状态刚被更改为“{STATES[stored]}”，请刷新页面后再操作。")
    if (why := refusal(name, candidate.state if candidate.id is not None else NEW, action)) is not None:
        raise Conflict(why)


async def _transition(session: AsyncSession, candidate: Candidate, action: str, actor: str, note: str = "", *,
                      to: str | None = None, **facts) -> None:
    """Move the candidate as the action says (to one of its targets), record the step and append it
    to the ledger, in the caller's transaction."""
    rule = TRANSITIONS[action]
    await require(session, candidate, action)
    if rule.reason and not note.strip():
        raise InputError(f"请填写{rule.label}的原因", "reason")
    before, candidate.state = candidate.state if candidate.id is not None else NEW, to or rule.targets[0]
    if candidate.state not in rule.targets:
        raise ValueError(f"{action} cannot end in {candidate.state}")
    session.add(candidate)
    await session.flush()
    note = note.strip()[:400]
    session.add(CandidateStep(candidate_id=candidate.id, actor=actor[:80], from_state=before, to_state=candidate.state,
                              note=note))
    await ledger.append(session, event_id=None, actor=actor, device="", action=f"registry.{action}",
                        subject=f"candidate:{candidate.id}",
                        payload={"from": before, "to": candidate.state, "note": note, **facts})


# --- the three roads ----------------------------------------------------------------------------------


async def nominate(session: AsyncSession, person_id: int, tier: str, road: str, actor: str, *,
                   nominating_unit_id: int | None = None, union_chain: str = "", documents: list | None = None,
                   entry_id: int | None = None, honour_id: int | None = None) -> Candidate:
    person = await get_person(session, person_id)
    if tier not in TIERS:
        raise InputError(f"层级取值无效：{tier}", "tier")
    if road not in ROADS:
        raise InputError(f"推荐渠道取值无效：{road}", "road")
    if road in ("nomination", "self") and nominating_unit_id is None:
        raise InputError("单位推荐和个人自荐须填写推荐单位", "nominating_unit_id")
    if why := await _why_not_nominated(session, person, tier):
        raise Conflict(why)
    await ensure_profile(session, person)
    candidate = Candidate(person_id=person.id, tier=tier, road=road, nominating_unit_id=nominating_unit_id,
                          union_chain=union_chain.strip()[:200], documents=documents or [], entry_id=entry_id,
                          honour_id=honour_id)
    await _transition(session, candidate, "nominate", actor, f"{ROADS[road]}推荐", tier=tier, road=road)
    await session.commit()
    return candidate


async def _why_not_nominated(session: AsyncSession, person: Person, tier: str) -> str | None:
    """One candidacy per person in the pipeline, and no second naming at a tier the person holds."""
    held = (await session.exec(select(Candidate.state, Candidate.tier).where(
        Candidate.person_id == person.id, Candidate.state.in_(ACTIVE + COUNTED)))).all()
    if active := next((state for state, _ in held if state in ACTIVE), None):
        return f"{person.name}已在评审流程中（{STATES[active]}），请先完成或撤回该推荐"
    if any(t == tier for _, t in held):
        return f"{person.name}已是{TIERS[tier]}，不能重复推荐"
    return None


async def contest_candidates(session: AsyncSession, event: Event) -> list[tuple[Entry, str]]:
    """Who a published contest puts forward: first prizes of a city-level contest, and the places
    the event's title rules mark as craftsman candidates."""
    rules = (await session.exec(select(TitleRule).where(TitleRule.event_id == event.id,
                                                        TitleRule.craftsman_candidate))).all()
    reach = max((r.up_to_rank for r in rules), default=0)
    found = []
    for track in await events.list_tracks(session, event):
        board = await boards.board(session, track.id)
        if not boards.published(board):
            continue
        first_tier = _first_tier(board)
        for row in board.rows:
            by_prize = event.level == "city" and first_tier and row.award == first_tier
            by_rule = row.rank is not None and row.rank <= reach
            if by_prize or by_rule:
                found.append((await session.get(Entry, row.entry_id), row.award or f"第{row.rank}名"))
    return found


async def contest_standards(session: AsyncSession, candidates: Sequence[Candidate]) -> dict[int, Decimal]:
    """Candidate id -> the standard score of the contest result that put them forward (finished,
    signed-off tracks only): how winners of different trades compare."""
    standards = await boards.entry_standards(session, {c.entry_id for c in candidates if c.entry_id})
    return {c.id: standards[c.entry_id] for c in candidates if c.entry_id in standards}


def _first_tier(board: boards.Board) -> str | None:
    awards = scoring.parse_scheme(board.round.scheme).awards
    return awards.tiers[0].name if awards and awards.tiers else None


async def sync_contest_candidates(session: AsyncSession, actor: str) -> int:
    """Put forward every contest finisher the rules name, once: the contestant, or each member of a
    project's team (a person already put forward by that entry, already in the pipeline or holding
    that tier is skipped). The result is linked by the entry. Returns how many were added."""
    added = 0
    for event in await events.list_events(session):
        if event.status not in ("published", "closed"):
            continue
        found = await contest_candidates(session, event)
        teams = await events.teams(session, [entry.id for entry, _ in found])
        for entry, why in found:
            team = teams.get(entry.id, [])
            what = f"{event.name} {why}" + (f"（项目“{entry.project_title}”团队成员）" if team else "")
            tier = "city" if event.level == "city" else "county"
            for person_id in [m.person_id for m in team] or ([entry.person_id] if entry.person_id else []):
                known = (await session.exec(select(Candidate.id).where(Candidate.entry_id == entry.id,
                                                                       Candidate.person_id == person_id))).first()
                if known or await _why_not_nominated(session, await get_person(session, person_id), tier):
                    continue
                await nominate(session, person_id, tier, "contest", actor, entry_id=entry.id,
                               documents=[{"name": what, "kind": "竞赛成绩"}])
                added += 1
    return added


# --- the pipeline -------------------------------------------------------------------------------------


async def get_candidate(session: AsyncSession, candidate_id: int) -> Candidate:
    return await db.get_or_404(session, Candidate, candidate_id, "候选人")


@dataclass(frozen=True)
class Eligibility:
    """资格审查 of a candidate's profile by the target's rules: what is missing from the profile
    (it cannot be checked until filled), and what falls short."""

    missing: list[str]
    problems: list[str]

    @property
    def outcome(self) -> str | None:
        return None if self.missing else "ineligible" if self.problems else "eligible"


async def eligibility(session: AsyncSession, candidate: Candidate) -> Eligibility:
    rules = await target(session)
    person = await get_person(session, candidate.person_id)
    profile = await ensure_profile(session, person)
    missing = [label for label, value in (("工种", profile.trade), ("本岗位工作年限", profile.years_in_post),
                                          ("职业技能等级", person.skill_level)) if value in (None, "")]
    problems = []
    if profile.years_in_post is not None and profile.years_in_post < rules.min_years_in_post:
        problems.append(f"本岗位工作年限{profile.years_in_post}年，不足{rules.min_years_in_post}年")
    if person.skill_level is not None and person.skill_level > rules.max_skill_level:
        problems.append(f"职业技能等级为{SKILL_LEVEL_LABELS[person.skill_level]}，"
                        f"未达到{SKILL_LEVEL_LABELS[rules.max_skill_level]}")
    return Eligibility(missing, problems)


async def check_eligibility(session: AsyncSession, candidate: Candidate, actor: str, confirmed: str) -> Candidate:
    """资格审查, confirmed: `confirmed` is the outcome the office was shown for the profile as it
    stood; if the profile has changed since, nothing is decided and the office looks again."""
    await require(session, candidate, "check_eligibility")
    check = await eligibility(session, candidate)
    if check.missing:
        raise Conflict(f"档案未填写完整（{'、'.join(check.missing)}），不能进行资格审查。请先补全档案。")
    if confirmed != check.outcome:
        raise Conflict(f"按当前档案，资格审查结论为“{STATES[check.outcome]}”，与确认的结论不同（档案可能刚被修改）。"
                       "请核对后重新确认。")
    candidate.reason = "；".join(check.problems) or None
    await _transition(session, candidate, "check_eligibility", actor, candidate.reason or "符合条件",
                      to=check.outcome, problems=check.problems)
    await session.commit()
    return candidate


async def recheck(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    """复核: a failed eligibility check goes back to the candidate state with the reason, so that the
    profile can be corrected and checked again."""
    await _transition(session, candidate, "recheck", actor, reason)
    candidate.reason = None
    await session.commit()
    return candidate


async def record_review(session: AsyncSession, candidate: Candidate, reviewer: str, marks: dict[str, str],
                        opinion: str = "") -> None:
    """One expert's marks on the five competencies and their written opinion (replacing that
    expert's earlier ones), checked as a judge's sheet is: known criteria, numbers, range and step,
    every one marked, and the opinion the review scheme requires."""
    await require(session, candidate, "review")
    stage = scoring.parse_scheme((await target(session)).review_scheme).stages[0]
    person = await get_person(session, candidate.person_id)
    checked = judging.check_marks(stage.criteria, marks, complete=True, entry=person.name, judge=reviewer,
                                  roles=("候选人", "评审专家"))
    words = judging.check_words(stage, opinion, {}, complete=True)
    for key, value in checked.items():
        found = (await session.exec(select(ReviewMark).where(
            ReviewMark.candidate_id == candidate.id, ReviewMark.reviewer == reviewer,
            ReviewMark.criterion == key))).first() or ReviewMark(candidate_id=candidate.id, reviewer=reviewer,
                                                                 criterion=key, value="0")
        found.value = str(value)
        session.add(found)
    written = (await session.exec(select(ReviewOpinion).where(
        ReviewOpinion.candidate_id == candidate.id, ReviewOpinion.reviewer == reviewer))).first()
    if words.opinion or written:
        written = written or ReviewOpinion(candidate_id=candidate.id, reviewer=reviewer, opinion="")
        written.opinion = words.opinion
        session.add(written)
    await ledger.append(session, event_id=None, actor=f"reviewer {reviewer}"[:80], device="", action="registry.review",
                        subject=f"candidate:{candidate.id}",
                        payload={"marks": {k: str(v) for k, v in checked.items()}, "opinion": words.opinion})
    await session.commit()


async def finish_review(session: AsyncSession, candidate: Candidate, actor: str) -> Candidate:
    """The experts' total through the scoring engine; below the panel minimum it is refused."""
    await require(session, candidate, "finish_review")
    scheme = scoring.parse_scheme((await target(session)).review_scheme)
    rows = (await session.exec(select(ReviewMark).where(ReviewMark.candidate_id == candidate.id))).all()
    marks = [scoring.Mark("c", "review", m.criterion, m.reviewer, Decimal(m.value)) for m in rows]
    (result,) = scoring.compute(scheme, marks, {"c": "registered"})
    if result.status != "ok":
        raise Conflict(f"评审未完成：{'；'.join(result.problems) or '专家人数不足'}")
    candidate.review_total = str(result.total)
    await _transition(session, candidate, "finish_review", actor, f"专家评审总分 {result.total}",
                      review_total=str(result.total))
    await session.commit()
    return candidate


async def _decide(session: AsyncSession, candidate: Candidate, action: str, reason: str, actor: str) -> Candidate:
    await _transition(session, candidate, action, actor, reason)
    candidate.reason = reason.strip()[:400] or candidate.reason
    session.add(candidate)
    await session.commit()
    return candidate


async def reject(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    """不予命名: after the experts' review, or during the notice."""
    return await _decide(session, candidate, "reject", reason, actor)


async def withdraw(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    """撤回推荐, at the nominating unit's or the person's request, at any point before naming."""
    return await _decide(session, candidate, "withdraw", reason, actor)


async def suspend(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    return await _decide(session, candidate, "suspend", reason, actor)


async def reinstate(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    return await _decide(session, candidate, "reinstate", reason, actor)


async def revoke(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    return await _decide(session, candidate, "revoke", reason, actor)


async def retire(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    return await _decide(session, candidate, "retire", reason, actor)


async def decease(session: AsyncSession, candidate: Candidate, reason: str, actor: str) -> Candidate:
    return await _decide(session, candidate, "decease", reason, actor)


# The office's decisions that need only a reason, by the name their form posts.
DECISIONS = {"reject": reject, "withdraw": withdraw, "suspend": suspend, "reinstate": reinstate, "revoke": revoke,
             "retire": retire, "decease": decease}


@dataclass(frozen=True)
class Composition:
    count: int
    front_line: int
    women: int
    unit_heads: int

    def share(self, part: int) -> Decimal:
        return (Decimal(part) / self.count * 100).quantize(Decimal("0.1")) if self.count else Decimal(0)


async def composition(session: AsyncSession, candidate_ids: Sequence[int]) -> Composition:
    rows = (await session.exec(select(Person.front_line, Person.gender, Profile.unit_head)
                               .join(Candidate, Candidate.person_id == Person.id)
                               .outerjoin(Profile, Profile.person_id == Person.id)
                               .where(Candidate.id.in_(candidate_ids)))).all()
    return Composition(len(rows), sum(1 for f, _, _ in rows if f), sum(1 for _, g, _ in rows if g == "女"),
                       sum(1 for _, _, h in rows if h))


# --- naming batches, their notice (公示) and objections -------------------------------------------------

MIN_NOTICE_DAYS = 5  # 公示期不少于5天


async def get_batch(session: AsyncSession, year: int, seq: int) -> Batch:
    if not 1 <= seq <= 99:
        raise InputError("批次应为1–99", "seq")
    name = f"{year}年度第{'一二三四五六七八九十'[seq - 1] if seq <= 10 else seq}批"
    batch = (await session.exec(select(Batch).where(Batch.name == name))).first()
    if batch is None:
        batch = Batch(year=year, seq=seq, name=name)
        session.add(batch)
        await session.flush()
    return batch


def _check_notice(batch: Batch, starts_on: date, ends_on: date, on: date) -> None:
    """A batch's notice opens once, for all its candidates, and for a period still wholly ahead."""
    if batch.named_at is not None:
        raise Conflict(f"{batch.name}已命名，不能再公示。请使用新的批次。")
    if batch.notice_starts_on is not None:
        raise Conflict(f"{batch.name}已于{batch.notice_starts_on}开始公示，不能再加入候选人（公示期会短于他人）。"
                       "请使用新的批次。")
    if not on.year - 1 <= batch.year <= on.year + 1:
        raise InputError(f"批次年度应为{on.year - 1}–{on.year + 1}年（往年命名的工匠请通过历史名单导入）", "year")
    if starts_on < on:
        raise InputError(f"公示开始日期{starts_on}已经过去：公示期须在今天（{on}）或以后开始", "starts_on")
    if (ends_on - starts_on).days + 1 < MIN_NOTICE_DAYS:
        raise InputError(f"公示期不少于{MIN_NOTICE_DAYS}天（{starts_on}至{ends_on}只有"
                         f"{max(0, (ends_on - starts_on).days + 1)}天）", "ends_on")


async def open_notice(session: AsyncSession, batch: Batch, candidate_ids: Sequence[int], starts_on: date,
                      ends_on: date, actor: str) -> Composition:
    """公示 of reviewed candidates in a batch; returns the composition check shown after it."""
    if not candidate_ids:
        raise InputError("请选择公示的候选人", "candidate_ids")
    session.add(batch)
    await session.flush()
    await session.refresh(batch, with_for_update=True)  # one notice per batch, whoever else opens it
    _check_notice(batch, starts_on, ends_on, clock.today())
    candidates = [await get_candidate(session, cid) for cid in dict.fromkeys(candidate_ids)]
    for candidate in candidates:  # every one asked before anything changes
        await require(session, candidate, "open_notice")
    batch.notice_starts_on, batch.notice_ends_on = starts_on, ends_on
    for candidate in candidates:
        candidate.batch_id = batch.id
        await _transition(session, candidate, "open_notice", actor, f"{batch.name} 公示 {starts_on} 至 {ends_on}",
                          batch=batch.name, starts_on=str(starts_on), ends_on=str(ends_on))
    check = await composition(session, candidate_ids)
    await session.commit()
    return check


def notice_open(batch: Batch, on: date) -> bool:
    return batch.named_at is None and batch.notice_starts_on is not None and \
        batch.notice_starts_on <= on <= batch.notice_ends_on


async def lodge_objection(session: AsyncSession, candidate: Candidate, id_key: bytes, *, name: str, phone: str,
                          content: str, unit: str = "", channel: str = "public") -> Objection:
    """An objection during the notice period, under a real name and a mobile number (kept masked and
    hashed only). The same objection sent twice is the same objection (a reload, a double tap)."""
    await require(session, candidate, "object")
    batch = await session.get(Batch, candidate.batch_id)
    on = clock.today()
    if not notice_open(batch, on):
        when = "尚未开始" if on < batch.notice_starts_on else "已结束"
        period = f"{batch.notice_starts_on}至{batch.notice_ends_on}"
        raise Conflict(f"{batch.name}的公示期（{period}）{when}，不能提出异议。")
    name, content = " ".join(name.split()), content.strip()
    if not name:
        raise InputError("请填写您的真实姓名（不会公开）", "by_name")
    if problem := validate_phone(phone):
        raise InputError(f"请填写您的手机号，以便核实（不会公开）：{problem}", "phone")
    if not content:
        raise InputError("请填写异议内容：反映的问题和事实依据", "content")
    if len(content) > 2000:
        raise InputError(f"异议内容不超过2000字（现有{len(content)}字）", "content")
    contact_hash = phone_hash(phone, id_key)
    same = (await session.exec(select(Objection).where(
        Objection.candidate_id == candidate.id, Objection.contact_hash == contact_hash,
        Objection.content == content))).first()
    if same is not None:
        return same
    objection = Objection(candidate_id=candidate.id, receipt=_receipt(), channel=channel, by_name=name[:40],
                          by_unit=" ".join(unit.split())[:120], contact_masked=mask_phone(phone),
                          contact_hash=contact_hash, content=content)
    session.add(objection)
    await session.flush()
    await ledger.append(session, event_id=None, actor=f"{CHANNELS[channel]} {name}"[:80], device="",
                        action="registry.object", subject=f"candidate:{candidate.id}",
                        payload={"objection": objection.id, "receipt": objection.receipt, "channel": channel,
                                 "content_sha256": hashlib.sha256(content.encode()).hexdigest()})
    await session.commit()
    return objection


def _receipt() -> str:
    """A receipt code to follow an objection up by: ten letters and digits that cannot be misread."""
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))


async def objection_by_receipt(session: AsyncSession, receipt: str) -> tuple[Objection, str, Batch]:
    """An objection by its receipt code, with the name of the candidate it concerns and their batch."""
    code = receipt.strip().upper()[:12]
    found = (await session.exec(select(Objection, Person.name, Batch)
                                .join(Candidate, Candidate.id == Objection.candidate_id)
                                .join(Person, Person.id == Candidate.person_id)
                                .join(Batch, Batch.id == Candidate.batch_id)
                                .where(Objection.receipt == code))).first()
    if found is None:
        raise NotFound(f"受理编号 {code} ")
    return found


async def resolve_objection(session: AsyncSession, objection_id: int, outcome: str, resolution: str,
                            actor: str) -> Objection:
    """The office's answer to an objection. Upheld during the notice, the candidate is not named."""
    objection = await db.get_or_404(session, Objection, objection_id, "异议")
    if objection.outcome is not None:
        raise Conflict(f"该异议已处理（{OUTCOMES[objection.outcome]}：{objection.resolution}），不能重复处理。")
    if outcome not in OUTCOMES:
        raise InputError("请选择处理结论：异议不成立，或异议成立、不予命名", "outcome")
    if not resolution.strip():
        raise InputError("请填写处理意见（核实的情况和依据）", "resolution")
    candidate = await get_candidate(session, objection.candidate_id)
    objection.outcome, objection.resolution = outcome, resolution.strip()[:400]
    objection.resolved_at, objection.resolved_by = utcnow(), actor[:80]
    session.add(objection)
    await ledger.append(session, event_id=None, actor=actor, device="", action="registry.resolve_objection",
                        subject=f"candidate:{candidate.id}",
                        payload={"objection": objection.id, "outcome": outcome, "resolution": objection.resolution})
    if outcome == "upheld" and candidate.state == "under_notice":
        await _transition(session, candidate, "reject", actor, f"异议成立：{objection.resolution}",
                          objection=objection.id)
        candidate.reason = f"异议成立：{objection.resolution}"[:400]
    await session.commit()
    return objection


def naming_refusal(batch: Batch, on: date, pending: Sequence[str], to_name: int) -> str | None:
    """Why this batch cannot be named today (None: it can): its notice must have ended, every
    objection to it be answered, and someone be left to name."""
    if batch.named_at is not None:
        return f"{batch.name}已于{batch.named_at:%Y-%m-%d}命名。"
    if batch.notice_ends_on is None:
        return f"{batch.name}还没有公示，不能命名。请先将候选人列入该批次公示。"
    if on <= batch.notice_ends_on:
        return f"{batch.name}的公示期至{batch.notice_ends_on}结束，公示期满后（{batch.notice_ends_on}之后）才能命名。"
    if pending:
        return f"还有{len(pending)}件异议未处理（{'、'.join(dict.fromkeys(pending))}），请先逐件作出处理结论。"
    if not to_name:
        return f"{batch.name}没有可命名的候选人（均已撤回或不予命名）。"
    return None


async def _to_name(session: AsyncSession, batch: Batch) -> tuple[Sequence[Candidate], Sequence[str]]:
    """The batch's candidates still to be named (those withdrawn or not named during the notice stay
    as they are), and the names of those with objections not yet answered."""
    candidates = (await session.exec(select(Candidate).where(Candidate.batch_id == batch.id,
                                                             Candidate.state.not_in(("rejected", "withdrawn")))
                                      .order_by(Candidate.id))).all()
    pending = (await session.exec(select(Person.name).join(Candidate, Candidate.person_id == Person.id)
                                  .join(Objection, Objection.candidate_id == Candidate.id)
                                  .where(Candidate.batch_id == batch.id, Objection.outcome.is_(None))
                                  .order_by(Objection.id))).all()
    return candidates, pending


async def name_batch(session: AsyncSession, batch: Batch, actor: str) -> int:
    """命名: everyone still under notice in the batch is named in the batch's year."""
    await session.refresh(batch, with_for_update=True)  # named once, however many clicks
    candidates, pending = await _to_name(session, batch)
    if why := naming_refusal(batch, clock.today(), pending, len(candidates)):
        raise Conflict(why)
    for candidate in candidates:  # every one asked before anything changes
        await require(session, candidate, "name")
    for candidate in candidates:
        candidate.named_year = batch.year
        await _transition(session, candidate, "name", actor, batch.name, batch=batch.name, named_year=batch.year)
    batch.named_at = utcnow()
    session.add(batch)
    await session.commit()
    return len(candidates)


@dataclass(frozen=True)
class BatchView:
    batch: Batch
    to_name: int
    pending: int  # objections not yet answered
    refusal: str | None  # why it cannot be named today


async def batches(session: AsyncSession) -> list[BatchView]:
    """The office's list of naming batches, the latest first, each with why it cannot be named yet."""
    out = []
    for batch in (await session.exec(select(Batch).order_by(Batch.year.desc(), Batch.seq.desc()))).all():
        candidates, pending = await _to_name(session, batch)
        out.append(BatchView(batch, len(candidates), len(pending),
                             naming_refusal(batch, clock.today(), pending, len(candidates))))
    return out


async def steps(session: AsyncSession, candidate: Candidate) -> Sequence[CandidateStep]:
    return (await session.exec(select(CandidateStep).where(CandidateStep.candidate_id == candidate.id)
                               .order_by(CandidateStep.id))).all()


async def objections(session: AsyncSession, *, open_only: bool = False, candidate_id: int | None = None,
                     limit: int = 300) -> Sequence[tuple[Objection, Candidate, str, Batch]]:
    """The office's queue: objections with their candidate, the candidate's name and the batch,
    open ones first (oldest first), then the latest resolved."""
    stmt = (select(Objection, Candidate, Person.name, Batch).join(Candidate, Candidate.id == Objection.candidate_id)
            .join(Person, Person.id == Candidate.person_id).join(Batch, Batch.id == Candidate.batch_id))
    if open_only:
        stmt = stmt.where(Objection.outcome.is_(None))
    if candidate_id is not None:
        stmt = stmt.where(Objection.candidate_id == candidate_id)
    order = (Objection.outcome.is_not(None), case((Objection.outcome.is_(None), Objection.id), else_=-Objection.id))
    return (await session.exec(stmt.order_by(*order).limit(limit))).all()


# --- the tracker -------------------------------------------------------------------------------------


@dataclass
class Tracker:
    """Progress to the target, accounting for every named craftsman of the registry: counted
    towards the target, or listed under `outside` with the reason they are not."""

    target: Target
    total: int
    by_year: dict[int, int]
    by_tier: dict[str, int]
    by_area: dict[str, int]
    by_industry: dict[str, int]
    by_trade: dict[str, int]
    composition: Composition
    outside: dict[str, int] = field(default_factory=dict)  # why → how many
    pace: list[tuple[int, int, Decimal | None]] = field(default_factory=list)  # (year, named, needed)

    @property
    def registry_total(self) -> int:
        """Every named craftsman (the namings of the public registry)."""
        return self.total + sum(self.outside.values())

    @property
    def remaining(self) -> int:
        return max(0, self.target.count - self.total)

    @property
    def percent(self) -> Decimal:
        return (Decimal(self.total) / self.target.count * 100).quantize(Decimal("0.1")) if self.target.count else 0


async def tracker(session: AsyncSession, this_year: int | None = None) -> Tracker:
    """Progress to the target: named craftsmen of the counted tiers, by the year they were named;
    the others named (another period, a tier not counted) by why they are not counted."""
    goal = await target(session)
    rows = (await session.exec(
        select(Candidate.id, Candidate.named_year, Candidate.tier, Area.name, Industry.name, Profile.trade)
        .join(Person, Person.id == Candidate.person_id).outerjoin(Profile, Profile.person_id == Person.id)
        .outerjoin(Area, Area.id == Person.area_id).outerjoin(Unit, Unit.id == Person.unit_id)
        .outerjoin(Industry, Industry.id == func.coalesce(Profile.industry_id, Unit.industry_id))
        .where(Candidate.state.in_(COUNTED)))).all()
    outside = Counter(why for _, year, tier, *_ in rows if (why := _not_counted(goal, year, tier)))
    rows = [r for r in rows if _not_counted(goal, r[1], r[2]) is None]
    count = lambda index: dict(Counter(r[index] or "未填" for r in rows).most_common())  # noqa: E731
    by_year = {y: 0 for y in range(goal.first_year, goal.last_year + 1)} | dict(Counter(r[1] for r in rows))
    result = Tracker(goal, len(rows), dict(sorted(by_year.items())), count(2), count(3), count(4), count(5),
                     await composition(session, [r[0] for r in rows]), dict(outside.most_common()))
    result.pace = _pace(goal, result.by_year, this_year or clock.today().year)
    return result


def _not_counted(goal: Target, year: int, tier: str) -> str | None:
    if not goal.first_year <= year <= goal.last_year:
        return f"目标期（{goal.first_year}–{goal.last_year}年）以外命名"
    if tier not in goal.counted_tiers:
        return f"{TIERS[tier]}（不计入目标的层级）"
    return None


def _pace(goal: Target, by_year: dict[int, int], this_year: int) -> list[tuple[int, int, Decimal | None]]:
    """For each year, how many were named, and for the years not yet over, how many a year are
    still needed to reach the target by the last year."""
    out, so_far = [], 0
    for year in range(goal.first_year, goal.last_year + 1):
        needed = None
        if year >= this_year:
            left_years = goal.last_year - year + 1
            needed = (Decimal(max(0, goal.count - so_far)) / left_years).quantize(Decimal("0.1"))
        out.append((year, by_year.get(year, 0), needed))
        so_far += by_year.get(year, 0)
    return out


# --- public registry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCraftsman:
    person_id: int
    name: str
    gender: str | None
    tier: str
    named_year: int | None
    unit: str | None
    area: str | None
    industry: str | None
    trade: str
    skill_level: int | None


async def public_list(session: AsyncSession, *, query: str = "", tier: str | None = None, area_id: int | None = None,
                      industry_id: int | None = None, year: int | None = None,
                      limit: int = 100, offset: int = 0) -> tuple[list[PublicCraftsman], int]:
    """Named craftsmen with only publishable fields. The query finds a name in Chinese (王建华),
    full pinyin (wangjianhua, with or without spaces) or initials (wjh), or a unit or trade."""
    stmt = (select(Person.id, Person.name, Person.gender, Candidate.tier, Candidate.named_year, Unit.name,
                   Area.name, Industry.name, Profile.trade, Person.skill_level)
            .join(Candidate, Candidate.person_id == Person.id).outerjoin(Profile, Profile.person_id == Person.id)
            .outerjoin(Unit, Unit.id == Person.unit_id).outerjoin(Area, Area.id == Person.area_id)
            .outerjoin(Industry, Industry.id == func.coalesce(Profile.industry_id, Unit.industry_id))
            .where(Candidate.state.in_(COUNTED)))
    words, letters = search_text(query)
    if words:
        found = [column.contains(words, autoescape=True) for column in (Person.name, Unit.name, Profile.trade)]
        if letters:
            found.append(Profile.pinyin.contains(letters, autoescape=True))
        stmt = stmt.where(or_(*found))
    if tier:
        stmt = stmt.where(Candidate.tier == tier)
    if area_id:
        stmt = stmt.where(Person.area_id == area_id)
    if industry_id:
        stmt = stmt.where(Industry.id == industry_id)
    if year:
        stmt = stmt.where(Candidate.named_year == year)
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = (await session.exec(stmt.order_by(Candidate.named_year.desc(), Person.name, Person.id).limit(limit)
                               .offset(offset))).all()
    return [PublicCraftsman(*row[:8], row[8] or "", row[9]) for row in rows], total


async def public_profile(session: AsyncSession, person_id: int) -> dict:
    """A craftsman's public profile: publishable fields only, never an ID number or a phone."""
    person = await get_person(session, person_id)
    candidates = (await session.exec(select(Candidate).where(Candidate.person_id == person.id)
                                     .order_by(Candidate.id))).all()
    if not any(c.state in COUNTED for c in candidates):
        raise NotFound("工匠")
    profile = await ensure_profile(session, person)
    unit = await session.get(Unit, person.unit_id) if person.unit_id else None
    area = await session.get(Area, person.area_id) if person.area_id else None
    return {
        "person": {"id": person.id, "name": person.name, "gender": person.gender, "skill_level": person.skill_level,
                   "front_line": person.front_line},
        "profile": profile, "unit": unit.name if unit else None, "area": area.name if area else None,
        "named": [c for c in candidates if c.state in COUNTED],
        "honours": (await session.exec(select(Honour).where(Honour.person_id == person.id)
                                       .order_by(Honour.year.desc()))).all(),
        "innovations": (await session.exec(select(Innovation).where(Innovation.person_id == person.id)
                                           .order_by(Innovation.year.desc()))).all(),
        "results": await contest_results(session, person.id),
        "mentorships": await mentorships_of(session, person.id),
    }


async def contest_results(session: AsyncSession, person_id: int) -> list[dict]:
    """The person's published contest results, linked automatically through their entries and the
    project teams they were members of (with the project's title and team)."""
    in_teams = select(TeamMember.entry_id).where(TeamMember.person_id == person_id)
    out = []
    for entry, track, event in (await session.exec(
            select(Entry, Track, Event).join(Track, Track.id == Entry.track_id).join(Event, Event.id == Track.event_id)
            .where(or_(Entry.person_id == person_id, Entry.id.in_(in_teams))))).all():
        board = await boards.board(session, track.id)
        row = next((r for r in board.rows if r.entry_id == entry.id), None)
        if boards.published(board) and row is not None:
            out.append({"event": event, "track": track, "rank": row.rank, "total": row.total, "award": row.award,
                        "titles": row.titles, "project": entry.project_title if row.team else None,
                        "team": row.team, "entry_id": entry.id, "code": row.code})
    return out


async def candidate_result(session: AsyncSession, candidate: Candidate) -> dict | None:
    """The published contest result a candidate was put forward by (a contest_results item), if any."""
    if candidate.entry_id is None:
        return None
    return next((r for r in await contest_results(session, candidate.person_id)
                 if r["entry_id"] == candidate.entry_id), None)


# --- the public notice (公示) -------------------------------------------------------------------------------
# The registry's public gate for notices: a batch is public from the first day of its notice, and
# what it shows of a candidate is a NoticeRow — a type with no field for an ID number, a phone, an
# address, a review mark or an objector.


@dataclass(frozen=True)
class NoticeRow:
    candidate_id: int
    name: str
    gender: str | None
    unit: str | None
    area: str | None
    tier: str
    trade: str
    achievements: list[str]
    named: bool


@dataclass(frozen=True)
class PublicNotice:
    batch: Batch
    rows: list[NoticeRow]
    open: bool  # objections are taken
    lodged: int  # objections to the batch, and how many of them the office has answered
    answered: int


def is_public(batch: Batch) -> bool:
    """A batch is public from the first day of its notice; before, it does not exist for the public."""
    return batch.notice_starts_on is not None and batch.notice_starts_on <= clock.today()


def public_batch(batch: Batch | None) -> Batch:
    """The gate every public notice page passes its batch through."""
    if batch is None or not is_public(batch):
        raise NotFound("该公示")
    return batch


async def public_batches(session: AsyncSession) -> list[Batch]:
    """The public batches, the latest notice first."""
    found = (await session.exec(select(Batch).where(Batch.notice_starts_on.is_not(None))
                                .order_by(Batch.notice_starts_on.desc(), Batch.id.desc()))).all()
    return [batch for batch in found if is_public(batch)]


async def public_notice(session: AsyncSession, batch_id: int) -> PublicNotice:
    batch = public_batch(await session.get(Batch, batch_id) if 0 < batch_id < 2**31 else None)
    rows = (await session.exec(
        select(Candidate, Person.name, Person.gender, Unit.name, Area.name, Profile.trade)
        .join(Person, Person.id == Candidate.person_id).outerjoin(Profile, Profile.person_id == Person.id)
        .outerjoin(Unit, Unit.id == Person.unit_id).outerjoin(Area, Area.id == Person.area_id)
        .where(Candidate.batch_id == batch.id, Candidate.state.in_(("under_notice", *COUNTED)))
        .order_by(Candidate.tier, Person.name, Candidate.id))).all()
    achievements = await _achievements(session, [c for c, *_ in rows])
    lodged, answered = (await session.exec(
        select(func.count(), func.count(Objection.outcome)).select_from(Objection)
        .join(Candidate, Candidate.id == Objection.candidate_id).where(Candidate.batch_id == batch.id))).one()
    return PublicNotice(batch, [NoticeRow(c.id, name, gender, unit, area, TIERS[c.tier], trade or "",
                                          achievements[c.id], c.state in COUNTED)
                                for c, name, gender, unit, area, trade in rows],
                        notice_open(batch, clock.today()), lodged, answered)


async def _achievements(session: AsyncSession, candidates: Sequence[Candidate]) -> dict[int, list[str]]:
    """A line or two per candidate for the notice: the contest results that put them forward, their
    honours (latest first) and their patents and innovations by kind."""
    people = [c.person_id for c in candidates]
    honours = (await session.exec(select(Honour).where(Honour.person_id.in_(people))
                                  .order_by(Honour.year.desc(), Honour.id))).all()
    innovations = (await session.exec(select(Innovation.person_id, Innovation.kind, func.count())
                                      .where(Innovation.person_id.in_(people))
                                      .group_by(Innovation.person_id, Innovation.kind))).all()
    out = {}
    for c in candidates:
        lines = [d["name"] for d in c.documents if d.get("kind") == "竞赛成绩"]
        lines += [f"{h.year}年获{HONOUR_LEVELS[h.level]}“{h.name}”" for h in honours if h.person_id == c.person_id][:3]
        lines += [f"{PATENT_KINDS[kind]}{n}项" for pid, kind, n in innovations if pid == c.person_id]
        out[c.id] = lines
    return out


async def lodge_public_objection(session: AsyncSession, batch_id: int, candidate_id: int, id_key: bytes, *,
                                 name: str, phone: str, content: str, unit: str = "") -> Objection:
    """An objection from the public notice page, to a candidate on that notice."""
    notice = await public_notice(session, batch_id)
    if candidate_id not in {row.candidate_id for row in notice.rows}:
        raise InputError("请选择要提出异议的公示对象", "candidate_id")
    return await lodge_objection(session, await get_candidate(session, candidate_id), id_key, name=name, phone=phone,
                                 content=content, unit=unit)


# --- mentorships -------------------------------------------------------------------------------------


async def add_mentorship(session: AsyncSession, master_id: int, apprentice_id: int, starts_on: date,
                         ends_on: date, goals: str, override: bool = False) -> Mentorship:
    if master_id == apprentice_id:
        raise InputError("师傅和徒弟不能是同一人", "apprentice_id")
    if ends_on <= starts_on:
        raise InputError("结业日期应晚于开始日期", "ends_on")
    master, apprentice = await get_person(session, master_id), await get_person(session, apprentice_id)
    active = (await session.exec(select(func.count()).select_from(Mentorship).where(
        Mentorship.master_id == master.id, Mentorship.ends_on >= starts_on))).one()
    if active >= MAX_APPRENTICES and not override:
        raise Conflict(f"{master.name} 同期已带徒 {active} 人（上限 {MAX_APPRENTICES} 人），如确需增加请勾选“特批”")
    pair = Mentorship(master_id=master.id, apprentice_id=apprentice.id, starts_on=starts_on, ends_on=ends_on,
                      goals=goals.strip()[:400], level_before=apprentice.skill_level)
    session.add(pair)
    await session.commit()
    return pair


async def close_mentorship(session: AsyncSession, pair_id: int, outcome: str, actor: str,
                           level: int | None = None, on: date | None = None) -> Mentorship:
    """The end of a mentorship: what came of it and, when the apprentice's skill level rose, the
    new level (recorded in their level history, so the rise counts in the yearly report)."""
    pair = await db.get_or_404(session, Mentorship, pair_id, "师徒关系")
    if pair.outcome:
        raise Conflict("这段师徒关系已登记结业成效；如技能等级此后又有变化，请在人员页变更技能等级")
    outcome = outcome.strip()
    if not outcome:
        raise InputError("请填写带徒成效", "outcome")
    if len(outcome) > 400:
        raise InputError("带徒成效不能超过400个字", "outcome")
    apprentice = await get_person(session, pair.apprentice_id)
    if level is not None and level != apprentice.skill_level:
        master = await get_person(session, pair.master_id)
        await change_skill_level(session, apprentice, level, on or clock.today(),
                                        f"名师带徒结业（师傅：{master.name}）", actor)
    pair.outcome, pair.level_after = outcome, apprentice.skill_level
    session.add(pair)
    await session.commit()
    return pair


async def craftsman_ids(session: AsyncSession, person_ids: Sequence[int]) -> set[int]:
    """Those of the people who have a public craftsman profile (named craftsmen): only they are linked."""
    if not person_ids:
        return set()
    stmt = select(Candidate.person_id).where(Candidate.person_id.in_(list(person_ids)),
                                             Candidate.state.in_(COUNTED))
    return set((await session.exec(stmt)).all())


@dataclass(frozen=True)
class Pairing:
    """A mentorship seen from one side: the other person, and whether they have a public profile."""

    pair: Mentorship
    other_id: int
    other: str
    public: bool


async def mentorships_of(session: AsyncSession, person_id: int) -> dict[str, list[Pairing]]:
    """The person's apprentices and masters, the latest first."""
    out: dict[str, list[Pairing]] = {}
    for side, mine, other in (("apprentices", Mentorship.master_id, Mentorship.apprentice_id),
                              ("masters", Mentorship.apprentice_id, Mentorship.master_id)):
        rows = (await session.exec(select(Mentorship, Person.id, Person.name).join(Person, Person.id == other)
                                   .where(mine == person_id).order_by(Mentorship.starts_on.desc()))).all()
        public = await craftsman_ids(session, [pid for _, pid, _ in rows])
        out[side] = [Pairing(pair, pid, name, pid in public) for pair, pid, name in rows]
    return out


# --- the union's yearly competition report ---------------------------------------------------------------


@dataclass
class CompetitionReport:
    year: int
    events: list[Event]
    person_times: int  # 人次: one per entry
    units: int  # distinct participating units
    by_area: dict[str, int]
    by_industry: dict[str, int]
    by_ownership: dict[str, int]
    by_size: dict[str, int]
    women: int
    migrant: int
    new_employment: int
    prizes: dict[str, int]
    titles: dict[str, int]
    skill_rises: int  # apprentices whose level rose in mentorships ending this year
    level_rises: int  # every skill level rise recorded this year (mentorships, certificates, imports)
    named: int  # craftsmen named this year
    practice: practice.Participation  # 网上练兵 and 答题活动
    entry_units: frozenset[int]  # the units counted in `units`
    filings: Filings  # units' own labour competitions, as accepted (劳动竞赛备案)

    @property
    def labour_times(self) -> int:
        """人次 of the city's contests and of the units' accepted filings together."""
        return self.person_times + self.filings.person_times

    @property
    def labour_units(self) -> int:
        """Units that entered a city contest or held a competition of their own that was accepted."""
        return len(self.entry_units | self.filings.unit_ids)

    @property
    def all_times(self) -> int:
        """人次 of contests (the city's and the units' own), practice and quizzes together."""
        return self.labour_times + self.practice.times

    @property
    def units_reached(self) -> int:
        """Units whose workers entered a contest, held one of their own, or practised."""
        return len(self.entry_units | self.filings.unit_ids | self.practice.unit_ids)


@dataclass(frozen=True)
class Filings:
    """The accepted filings of a year: each filing's person-times (its listed participants, each
    once, when the results list them), by the same groupings as the entries."""

    count: int
    person_times: int
    unit_ids: frozenset[int]
    by_group: dict[str, Counter]  # "area", "industry", "ownership", "size" -> label -> person-times
    women: int  # of the listed participants
    migrant: int
    new_employment: int


# The units module's tables, read by name (it sits above the registry; lifecycle does the same).
_FILINGS = text("""
    select f.unit_id, a.name, i.name, u.ownership, u.size, f.person_times
    from filing f join unit u on u.id = f.unit_id left join area a on a.id = u.area_id
    left join industry i on i.id = u.industry_id
    where f.state = 'accepted' and f.year = :year""")
_FILING_GROUPS = text("""
    select count(*) filter (where p.gender = '女'), count(*) filter (where p.migrant_worker),
           count(*) filter (where p.new_employment_form)
    from filing_participant p join filing f on f.id = p.filing_id
    where f.state = 'accepted' and f.year = :year""")


async def accepted_filings(session: AsyncSession, year: int) -> Filings:
    from contest.people.models import OWNERSHIPS, UNIT_SIZES

    rows = (await session.exec(_FILINGS, params={"year": year})).all()
    groups = {"area": (1, {}), "industry": (2, {}), "ownership": (3, OWNERSHIPS), "size": (4, UNIT_SIZES)}
    by_group = {}
    for name, (index, labels) in groups.items():
        counted = Counter()
        for row in rows:
            counted[labels.get(row[index], row[index]) or "未填"] += row[5]
        by_group[name] = counted
    women, migrant, new_form = (await session.exec(_FILING_GROUPS, params={"year": year})).one()
    return Filings(len(rows), sum(r[5] for r in rows), frozenset(r[0] for r in rows), by_group, women, migrant,
                   new_form)


async def competition_report(session: AsyncSession, year: int) -> CompetitionReport:
    from contest.people.models import OWNERSHIPS, UNIT_SIZES

    year_events = [e for e in await events.list_events(session) if e.year == year and e.status != "draft"]
    rows = (await session.exec(
        select(Entry.unit_id, Area.name, Industry.name, Unit.ownership, Unit.size, Person.gender,
               Person.migrant_worker, Person.new_employment_form)
        .join(Track, Track.id == Entry.track_id).outerjoin(Person, Person.id == Entry.person_id)
        .outerjoin(Unit, Unit.id == Entry.unit_id).outerjoin(Area, Area.id == Unit.area_id)
        .outerjoin(Industry, Industry.id == Unit.industry_id)
        .where(Track.event_id.in_([e.id for e in year_events] or [-1])))).all()
    filings = await accepted_filings(session, year)
    tally = lambda index, group, labels=None: dict((Counter(  # noqa: E731
        (labels or {}).get(r[index], r[index]) or "未填" for r in rows) + filings.by_group[group]).most_common())
    prizes, titles = Counter(), Counter()
    for event in year_events:
        for track in await events.list_tracks(session, event):
            board = await boards.board(session, track.id)
            if boards.published(board):
                prizes.update(r.award for r in board.rows if r.award)
                titles.update(t for r in board.rows for t in r.titles)
    rises = (await session.exec(select(func.count()).select_from(Mentorship).where(
        func.extract("year", Mentorship.ends_on) == year, Mentorship.level_after < Mentorship.level_before))).one()
    named = (await session.exec(select(func.count()).select_from(Candidate).where(
        Candidate.named_year == year, Candidate.state.in_(COUNTED)))).one()
    entry_units = frozenset(r[0] for r in rows if r[0])
    return CompetitionReport(year, year_events, len(rows), len(entry_units), tally(1, "area"), tally(2, "industry"),
                             tally(3, "ownership", OWNERSHIPS), tally(4, "size", UNIT_SIZES),
                             sum(1 for r in rows if r[5] == "女") + filings.women,
                             sum(1 for r in rows if r[6]) + filings.migrant,
                             sum(1 for r in rows if r[7]) + filings.new_employment, dict(prizes), dict(titles),
                             rises, await skill_rises(session, year), named,
                             await practice.participation(session, year), entry_units, filings)


def report_xlsx(report: CompetitionReport) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{report.year}年度竞赛统计"
    tables.append_row(sheet, [f"{report.year}年度职工劳动和技能竞赛统计"])
    tables.append_row(sheet, ["竞赛活动", len(report.events)])
    tables.append_row(sheet, ["参赛人次", report.person_times])
    tables.append_row(sheet, ["参赛单位", report.units])
    tables.append_row(sheet, ["单位劳动竞赛备案（已受理）", report.filings.count])
    tables.append_row(sheet, ["备案劳动竞赛参与人次", report.filings.person_times])
    tables.append_row(sheet, ["劳动竞赛参与人次合计（全市竞赛与单位备案）", report.labour_times])
    tables.append_row(sheet, ["参与劳动竞赛单位合计", report.labour_units])
    tables.append_row(sheet, ["女职工（人次）", report.women])
    tables.append_row(sheet, ["农民工（人次）", report.migrant])
    tables.append_row(sheet, ["新就业形态劳动者（人次）", report.new_employment])
    tables.append_row(sheet, ["当年命名工匠", report.named])
    tables.append_row(sheet, ["师带徒技能等级提升", report.skill_rises])
    tables.append_row(sheet, ["职工技能等级提升（人次）", report.level_rises])
    tables.append_row(sheet, ["网上练兵人次", report.practice.practice_times])
    tables.append_row(sheet, ["答题活动人次", report.practice.quiz_times])
    tables.append_row(sheet, ["练兵答题参与职工", report.practice.people])
    tables.append_row(sheet, ["参与人次合计（竞赛、练兵、答题）", report.all_times])
    tables.append_row(sheet, ["覆盖单位（竞赛、练兵、答题）", report.units_reached])
    for title, data in (("按县(市、区)", report.by_area), ("按行业", report.by_industry),
                        ("按所有制", report.by_ownership), ("按企业规模", report.by_size),
                        ("奖项", report.prizes), ("称号", report.titles),
                        ("网上练兵与答题 按县(市、区)", report.practice.by_area)):
        tables.append_row(sheet, [])
        tables.append_row(sheet, [title, "人次"])
        for key, value in data.items():
            tables.append_row(sheet, [key, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- small look-ups for the office pages ----------------------------------------------------------------


async def people_named(session: AsyncSession, ids: Sequence[int]) -> Sequence[Person]:
    return (await session.exec(select(Person).where(Person.id.in_(ids)))).all()


async def person_by_name_and_unit(session: AsyncSession, name: str, unit_id: int | None) -> int:
    """The person a unit nominates, found by name within the unit (names repeat across units)."""
    stmt = select(Person.id).where(Person.name == name.strip())
    if unit_id is not None:
        stmt = stmt.where(Person.unit_id == unit_id)
    found = (await session.exec(stmt)).all()
    if not found:
        raise InputError(f"找不到人员“{name}”，请先通过竞赛报名或工匠导入登记此人", "name")
    if len(found) > 1:
        raise InputError(f"有 {len(found)} 位“{name}”，请选择其所在单位", "unit")
    return found[0]


async def review_marks(session: AsyncSession, candidate: Candidate) -> dict[str, dict[str, str]]:
    """Each expert's marks by competency, and their opinion under the key "opinion"."""
    rows = (await session.exec(select(ReviewMark).where(ReviewMark.candidate_id == candidate.id))).all()
    out: dict[str, dict[str, str]] = {}
    for m in rows:
        out.setdefault(m.reviewer, {})[m.criterion] = m.value
    for written in (await session.exec(select(ReviewOpinion).where(ReviewOpinion.candidate_id == candidate.id))).all():
        out.setdefault(written.reviewer, {})["opinion"] = written.opinion
    return out


async def set_target(session: AsyncSession, count: int, first_year: int, last_year: int, tiers: list[str],
                     min_years_in_post: int, max_skill_level: int) -> Target:
    if count < 1:
        raise InputError("目标人数应为正整数", "count")
    if last_year < first_year:
        raise InputError("截止年度不能早于起始年度", "last_year")
    if not tiers:
        raise InputError("至少选择一个计入目标的层级", "tiers")
    if not 1 <= max_skill_level <= 5:
        raise InputError("职业技能等级应为1–5", "max_skill_level")
    goal = await target(session)
    goal.count, goal.first_year, goal.last_year, goal.counted_tiers = count, first_year, last_year, tiers
    goal.min_years_in_post, goal.max_skill_level = max(0, min_years_in_post), max_skill_level
    session.add(goal)
    await session.commit()
    return goal


async def historic_batch(session: AsyncSession, year: int) -> Batch:
    """The batch of a year's craftsmen named before the platform. A list names nobody in a year to
    come, nor in a year from which the platform's own notices name craftsmen: those are named only
    through a batch after its notice."""
    if year > clock.today().year:
        raise Conflict(f"命名年度{year}年还没有到：历史名单只能导入往年已命名的工匠。")
    first = (await session.exec(select(func.min(Batch.year)).where(Batch.seq > 0,
                                                                   Batch.notice_starts_on.is_not(None)))).one()
    if first is not None and year >= first:
        raise Conflict(f"{first}年度起的工匠经平台的批次公示后命名，不能按历史名单导入{year}年度的工匠。"
                       "请将其推荐为候选人，经资格审查、专家评审和公示后按批次命名。")
    name = f"{year}年度（历史名单导入）"
    batch = (await session.exec(select(Batch).where(Batch.name == name))).first()
    if batch is None:
        batch = Batch(year=year, seq=0, name=name, named_at=utcnow())
        session.add(batch)
        await session.flush()
    return batch


async def record_import(session: AsyncSession, candidate: Candidate, actor: str) -> None:
    """A craftsman named before the platform, in a historic batch: recorded as one step to 'named'."""
    await _transition(session, candidate, "import", actor, "历史名单导入", batch_id=candidate.batch_id,
                      named_year=candidate.named_year)


async def state_counts(session: AsyncSession) -> dict[str, int]:
    return dict((await session.exec(select(Candidate.state, func.count()).group_by(Candidate.state))).all())


async def update_profile(session: AsyncSession, person_id: int, *, trade: str, professional_title: str,
                         years_in_post: int | None, unit_head: bool) -> Profile:
    if years_in_post is not None and not 0 <= years_in_post <= 60:
        raise InputError("本岗位工作年限应在0–60之间", "years_in_post")
    profile = await ensure_profile(session, await get_person(session, person_id), trade=trade.strip()[:60],
                                   professional_title=professional_title.strip()[:60], years_in_post=years_in_post)
    profile.unit_head = unit_head
    session.add(profile)
    await session.commit()
    return profile
