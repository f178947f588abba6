"""The 香城工匠 registry: profiles, the three roads into candidacy, the review pipeline (every
step recorded and ledgered), naming batches, the target tracker and master–apprentice pairs."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pypinyin import Style, lazy_pinyin
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db, ledger, scoring
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Event, Track
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.leaderboards.models import TitleRule
from contest.people.models import Area, Industry, Person, Unit
from contest.registry.models import (
    COUNTED,
    FLOW,
    ROADS,
    STATES,
    TIERS,
    Batch,
    Candidate,
    CandidateStep,
    Honour,
    Innovation,
    Mentorship,
    Objection,
    Profile,
    ReviewMark,
    Target,
)

MAX_APPRENTICES = 5
COMPETENCIES = (("lead", "引领"), ("practice", "实践"), ("innovate", "创新"), ("tackle", "攻关"), ("pass_on", "传承"))


def default_review_scheme() -> dict:
    """Five competencies, 0–20 each; the experts' marks are averaged, dropping the highest and
    the lowest when at least five experts marked."""
    return {"scheme": 1, "name": "香城工匠专家评审标准", "rounding": {"places": 2, "mode": "half_up"},
            "stages": [{"key": "review", "name": "专家评审", "weight": 1,
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


def pinyin_key(name: str) -> str:
    """'王建华' → 'wangjianhua wjh': full pinyin and initials, so either finds the person."""
    return f"{''.join(lazy_pinyin(name))} {''.join(lazy_pinyin(name, style=Style.FIRST_LETTER))}"


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


# --- the three roads ----------------------------------------------------------------------------------


async def _step(session: AsyncSession, candidate: Candidate, to: str, actor: str, note: str = "") -> None:
    if to not in FLOW[candidate.state] and not (candidate.id is None and to == "candidate"):
        raise Conflict(f"候选人不能从“{STATES[candidate.state]}”变为“{STATES[to]}”")
    before = candidate.state if candidate.id is not None else "new"
    candidate.state = to
    session.add(candidate)
    await session.flush()
    session.add(CandidateStep(candidate_id=candidate.id, actor=actor[:80], from_state=before, to_state=to,
                              note=note[:400]))
    await ledger.append(session, event_id=None, actor=actor, device="", action=f"registry.{to}",
                        subject=f"candidate:{candidate.id}", payload={"from": before, "to": to, "note": note[:400]})


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
    open_ = (await session.exec(select(Candidate.id).where(
        Candidate.person_id == person.id, Candidate.state.in_(("candidate", "eligible", "reviewed", "under_notice")))))
    if open_.first():
        raise Conflict(f"{person.name} 已在评审流程中")
    await ensure_profile(session, person)
    candidate = Candidate(person_id=person.id, tier=tier, road=road, nominating_unit_id=nominating_unit_id,
                          union_chain=union_chain.strip()[:200], documents=documents or [], entry_id=entry_id,
                          honour_id=honour_id, state="candidate")
    await _step(session, candidate, "candidate", actor, f"{ROADS[road]}推荐")
    await session.commit()
    return candidate


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


def _first_tier(board: boards.Board) -> str | None:
    awards = scoring.parse_scheme(board.round.scheme).awards
    return awards.tiers[0].name if awards and awards.tiers else None


async def sync_contest_candidates(session: AsyncSession, actor: str) -> int:
    """Put forward every contest finisher the rules name, once (a person already in the pipeline
    for that entry is skipped). Returns how many candidates were added."""
    added = 0
    for event in await events.list_events(session):
        if event.status not in ("published", "closed"):
            continue
        for entry, why in await contest_candidates(session, event):
            if entry.person_id is None:
                continue
            known = (await session.exec(select(Candidate.id).where(Candidate.entry_id == entry.id))).first()
            busy = (await session.exec(select(Candidate.id).where(
                Candidate.person_id == entry.person_id,
                Candidate.state.in_(("candidate", "eligible", "reviewed", "under_notice"))))).first()
            if known or busy:
                continue
            await nominate(session, entry.person_id, "city" if event.level == "city" else "county", "contest", actor,
                           entry_id=entry.id, documents=[{"name": f"{event.name} {why}", "kind": "竞赛成绩"}])
            added += 1
    return added


# --- the pipeline -------------------------------------------------------------------------------------


async def get_candidate(session: AsyncSession, candidate_id: int) -> Candidate:
    return await db.get_or_404(session, Candidate, candidate_id, "候选人")


async def check_eligibility(session: AsyncSession, candidate: Candidate, actor: str) -> Candidate:
    """资格审查 by the target's rules: years in post and skill level."""
    rules = await target(session)
    person = await get_person(session, candidate.person_id)
    profile = await ensure_profile(session, person)
    problems = []
    if (profile.years_in_post or 0) < rules.min_years_in_post:
        problems.append(f"本岗位工作年限不足{rules.min_years_in_post}年")
    if person.skill_level is None or person.skill_level > rules.max_skill_level:
        problems.append("职业技能等级未达到要求")
    await _step(session, candidate, "ineligible" if problems else "eligible", actor, "；".join(problems) or "符合条件")
    await session.commit()
    return candidate


async def record_review(session: AsyncSession, candidate: Candidate, reviewer: str, marks: dict[str, str]) -> None:
    """One expert's marks on the five competencies (replacing that expert's earlier marks), checked
    as a judge's sheet is: known criteria, numbers, range and step, every one marked."""
    if candidate.state != "eligible":
        raise Conflict("只有通过资格审查的候选人可以评审")
    scheme = scoring.parse_scheme((await target(session)).review_scheme)
    person = await get_person(session, candidate.person_id)
    checked = judging.check_marks(scheme.stages[0].criteria, marks, complete=True, entry=person.name, judge=reviewer,
                                  roles=("候选人", "评审专家"))
    for key, value in checked.items():
        found = (await session.exec(select(ReviewMark).where(
            ReviewMark.candidate_id == candidate.id, ReviewMark.reviewer == reviewer,
            ReviewMark.criterion == key))).first() or ReviewMark(candidate_id=candidate.id, reviewer=reviewer,
                                                                 criterion=key, value="0")
        found.value = str(value)
        session.add(found)
    await session.commit()


async def finish_review(session: AsyncSession, candidate: Candidate, actor: str) -> Candidate:
    """The experts' total through the scoring engine; below the panel minimum it is refused."""
    scheme = scoring.parse_scheme((await target(session)).review_scheme)
    rows = (await session.exec(select(ReviewMark).where(ReviewMark.candidate_id == candidate.id))).all()
    marks = [scoring.Mark("c", "review", m.criterion, m.reviewer, Decimal(m.value)) for m in rows]
    (result,) = scoring.compute(scheme, marks, {"c": "registered"})
    if result.status != "ok":
        raise Conflict(f"评审未完成：{'；'.join(result.problems) or '专家人数不足'}")
    candidate.review_total = str(result.total)
    await _step(session, candidate, "reviewed", actor, f"专家评审总分 {result.total}")
    await session.commit()
    return candidate


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


async def get_batch(session: AsyncSession, year: int, seq: int) -> Batch:
    name = f"{year}年度第{'一二三四五六七八九十'[seq - 1] if 1 <= seq <= 10 else seq}批"
    batch = (await session.exec(select(Batch).where(Batch.name == name))).first()
    if batch is None:
        batch = Batch(year=year, seq=seq, name=name)
        session.add(batch)
        await session.flush()
    return batch


async def open_notice(session: AsyncSession, batch: Batch, candidate_ids: Sequence[int], starts_on: date,
                      ends_on: date, actor: str) -> Composition:
    """公示 of reviewed candidates in a batch; returns the composition check shown before it."""
    if ends_on < starts_on:
        raise InputError("公示结束日期不能早于开始日期", "ends_on")
    if not candidate_ids:
        raise InputError("请选择公示的候选人", "candidate_ids")
    for cid in candidate_ids:
        candidate = await get_candidate(session, cid)
        candidate.batch_id = batch.id
        await _step(session, candidate, "under_notice", actor, f"{batch.name} 公示 {starts_on} 至 {ends_on}")
    batch.notice_starts_on, batch.notice_ends_on = starts_on, ends_on
    session.add(batch)
    check = await composition(session, candidate_ids)
    await session.commit()
    return check


async def object_to(session: AsyncSession, candidate: Candidate, by_name: str, by_unit: str,
                    content: str) -> Objection:
    """An objection during the notice: anonymous ones are not accepted."""
    if candidate.state != "under_notice":
        raise Conflict("只能对公示中的候选人提出异议")
    if not by_name.strip() and not by_unit.strip():
        raise InputError("异议须署真实姓名或单位名称", "by_name")
    if not content.strip():
        raise InputError("请填写异议内容", "content")
    objection = Objection(candidate_id=candidate.id, by_name=by_name.strip()[:40], by_unit=by_unit.strip()[:120],
                          content=content.strip()[:2000])
    session.add(objection)
    await session.commit()
    return objection


async def resolve_objection(session: AsyncSession, objection_id: int, resolution: str) -> Objection:
    objection = await db.get_or_404(session, Objection, objection_id, "异议")
    if not resolution.strip():
        raise InputError("请填写处理意见", "resolution")
    objection.resolution = resolution.strip()[:400]
    session.add(objection)
    await session.commit()
    return objection


async def name_batch(session: AsyncSession, batch: Batch, actor: str, today: date | None = None) -> int:
    """命名: after the notice, every candidate of the batch without an open objection is named."""
    if batch.notice_ends_on is None or (today or date.today()) <= batch.notice_ends_on:
        raise Conflict("公示期结束后才能命名")
    named = 0
    for candidate in (await session.exec(select(Candidate).where(Candidate.batch_id == batch.id,
                                                                 Candidate.state == "under_notice"))).all():
        open_ = (await session.exec(select(Objection.id).where(Objection.candidate_id == candidate.id,
                                                               Objection.resolution.is_(None)))).first()
        if open_:
            continue
        candidate.named_year = batch.year
        await _step(session, candidate, "named", actor, batch.name)
        named += 1
    batch.named_at = utcnow()
    session.add(batch)
    await session.commit()
    return named


async def move(session: AsyncSession, candidate: Candidate, to: str, reason: str, actor: str) -> Candidate:
    """Rejection, and the later states: suspended, revoked (with a reason), retired, deceased."""
    if to not in STATES:
        raise InputError(f"状态取值无效：{to}", "state")
    if to in ("rejected", "revoked", "suspended", "ineligible") and not reason.strip():
        raise InputError("请填写原因", "reason")
    candidate.reason = reason.strip()[:400] or candidate.reason
    await _step(session, candidate, to, actor, reason)
    await session.commit()
    return candidate


async def steps(session: AsyncSession, candidate: Candidate) -> Sequence[CandidateStep]:
    return (await session.exec(select(CandidateStep).where(CandidateStep.candidate_id == candidate.id)
                               .order_by(CandidateStep.id))).all()


# --- the tracker -------------------------------------------------------------------------------------


@dataclass
class Tracker:
    target: Target
    total: int
    by_year: dict[int, int]
    by_tier: dict[str, int]
    by_area: dict[str, int]
    by_industry: dict[str, int]
    by_trade: dict[str, int]
    composition: Composition
    pace: list[tuple[int, int, Decimal | None]] = field(default_factory=list)  # (year, named, needed)

    @property
    def remaining(self) -> int:
        return max(0, self.target.count - self.total)

    @property
    def percent(self) -> Decimal:
        return (Decimal(self.total) / self.target.count * 100).quantize(Decimal("0.1")) if self.target.count else 0


async def tracker(session: AsyncSession, this_year: int | None = None) -> Tracker:
    """Progress to the target: named craftsmen of the counted tiers, by the year they were named."""
    goal = await target(session)
    rows = (await session.exec(
        select(Candidate.id, Candidate.named_year, Candidate.tier, Area.name, Industry.name, Profile.trade)
        .join(Person, Person.id == Candidate.person_id).outerjoin(Profile, Profile.person_id == Person.id)
        .outerjoin(Area, Area.id == Person.area_id).outerjoin(Unit, Unit.id == Person.unit_id)
        .outerjoin(Industry, Industry.id == func.coalesce(Profile.industry_id, Unit.industry_id))
        .where(Candidate.state.in_(COUNTED), Candidate.tier.in_(goal.counted_tiers),
               Candidate.named_year.between(goal.first_year, goal.last_year)))).all()
    count = lambda index: dict(Counter(r[index] or "未填" for r in rows).most_common())  # noqa: E731
    by_year = {y: 0 for y in range(goal.first_year, goal.last_year + 1)} | dict(Counter(r[1] for r in rows))
    result = Tracker(goal, len(rows), dict(sorted(by_year.items())), count(2), count(3), count(4), count(5),
                     await composition(session, [r[0] for r in rows]))
    result.pace = _pace(goal, result.by_year, this_year or date.today().year)
    return result


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
    """Named craftsmen with only publishable fields; search by Chinese name or pinyin."""
    stmt = (select(Person.id, Person.name, Person.gender, Candidate.tier, Candidate.named_year, Unit.name,
                   Area.name, Industry.name, Profile.trade, Person.skill_level)
            .join(Candidate, Candidate.person_id == Person.id).outerjoin(Profile, Profile.person_id == Person.id)
            .outerjoin(Unit, Unit.id == Person.unit_id).outerjoin(Area, Area.id == Person.area_id)
            .outerjoin(Industry, Industry.id == func.coalesce(Profile.industry_id, Unit.industry_id))
            .where(Candidate.state.in_(COUNTED)))
    if query.strip():
        q = query.strip().lower()
        stmt = stmt.where((Person.name.contains(q)) | (Profile.pinyin.contains(q.replace(" ", ""))))
    if tier:
        stmt = stmt.where(Candidate.tier == tier)
    if area_id:
        stmt = stmt.where(Person.area_id == area_id)
    if industry_id:
        stmt = stmt.where(Industry.id == industry_id)
    if year:
        stmt = stmt.where(Candidate.named_year == year)
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = (await session.exec(stmt.order_by(Candidate.named_year.desc(), Person.name).limit(limit)
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
    """The person's published contest results, linked automatically through their entries."""
    out = []
    for entry, track, event in (await session.exec(
            select(Entry, Track, Event).join(Track, Track.id == Entry.track_id).join(Event, Event.id == Track.event_id)
            .where(Entry.person_id == person_id))).all():
        board = await boards.board(session, track.id)
        row = next((r for r in board.rows if r.entry_id == entry.id), None)
        if boards.published(board) and row is not None:
            out.append({"event": event, "track": track, "rank": row.rank, "total": row.total, "award": row.award,
                        "titles": row.titles})
    return out


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


async def close_mentorship(session: AsyncSession, pair_id: int, outcome: str) -> Mentorship:
    pair = await db.get_or_404(session, Mentorship, pair_id, "师徒关系")
    apprentice = await get_person(session, pair.apprentice_id)
    pair.outcome, pair.level_after = outcome.strip()[:400], apprentice.skill_level
    session.add(pair)
    await session.commit()
    return pair


async def mentorships_of(session: AsyncSession, person_id: int) -> dict[str, list]:
    master = (await session.exec(select(Mentorship, Person.name).join(Person, Person.id == Mentorship.apprentice_id)
                                 .where(Mentorship.master_id == person_id))).all()
    apprentice = (await session.exec(select(Mentorship, Person.name).join(Person, Person.id == Mentorship.master_id)
                                     .where(Mentorship.apprentice_id == person_id))).all()
    return {"apprentices": list(master), "masters": list(apprentice)}


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
    named: int  # craftsmen named this year


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
    tally = lambda index, labels=None: dict(Counter(  # noqa: E731
        (labels or {}).get(r[index], r[index]) or "未填" for r in rows).most_common())
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
    return CompetitionReport(year, year_events, len(rows), len({r[0] for r in rows if r[0]}), tally(1), tally(2),
                             tally(3, OWNERSHIPS), tally(4, UNIT_SIZES), sum(1 for r in rows if r[5] == "女"),
                             sum(1 for r in rows if r[6]), sum(1 for r in rows if r[7]), dict(prizes), dict(titles),
                             rises, named)


def report_xlsx(report: CompetitionReport) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{report.year}年度竞赛统计"
    sheet.append([f"{report.year}年度职工劳动和技能竞赛统计"])
    sheet.append(["竞赛活动", len(report.events)])
    sheet.append(["参赛人次", report.person_times])
    sheet.append(["参赛单位", report.units])
    sheet.append(["女职工（人次）", report.women])
    sheet.append(["农民工（人次）", report.migrant])
    sheet.append(["新就业形态劳动者（人次）", report.new_employment])
    sheet.append(["当年命名工匠", report.named])
    sheet.append(["师带徒技能等级提升", report.skill_rises])
    for title, data in (("按县(市、区)", report.by_area), ("按行业", report.by_industry),
                        ("按所有制", report.by_ownership), ("按企业规模", report.by_size),
                        ("奖项", report.prizes), ("称号", report.titles)):
        sheet.append([])
        sheet.append([title, "人次"])
        for key, value in data.items():
            sheet.append([key, value])
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
        raise InputError(f"有 {len(found)} 位“{name}”，请选择其所在单位", "unit_id")
    return found[0]


async def review_marks(session: AsyncSession, candidate: Candidate) -> dict[str, dict[str, str]]:
    rows = (await session.exec(select(ReviewMark).where(ReviewMark.candidate_id == candidate.id))).all()
    out: dict[str, dict[str, str]] = {}
    for m in rows:
        out.setdefault(m.reviewer, {})[m.criterion] = m.value
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
    name = f"{year}年度（历史名单导入）"
    batch = (await session.exec(select(Batch).where(Batch.name == name))).first()
    if batch is None:
        batch = Batch(year=year, seq=0, name=name, named_at=utcnow())
        session.add(batch)
        await session.flush()
    return batch


async def record_import(session: AsyncSession, candidate: Candidate, actor: str) -> None:
    """A craftsman named before the platform: recorded as one step straight to 'named'."""
    candidate.state = "named"
    session.add(candidate)
    session.add(CandidateStep(candidate_id=candidate.id, actor=actor[:80], from_state="new", to_state="named",
                              note="历史名单导入"))
    await ledger.append(session, event_id=None, actor=actor, device="", action="registry.import",
                        subject=f"candidate:{candidate.id}", payload={"named_year": candidate.named_year})


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
