"""Setting a competition up: events, tracks, rounds and their schemes, entries and imports,
the draw of blind codes, judges, panels, conflicts and recusals."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Text, cast, delete, func, or_, text, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth, db, ledger, tables
from contest.auth import Account, hash_secret
from contest.errors import Conflict, InputError, NotFound
from contest.events import importers, lifecycle
from contest.events.models import (
    ENTRY_STATUSES,
    EVENT_KINDS,
    EVENT_LEVELS,
    EVENT_STATUSES,
    OUT_OF_CONTEST,
    ROUND_NAMES,
    VISIBILITIES,
    ConflictOfInterest,
    Draw,
    Entry,
    Event,
    EventScorer,
    Judge,
    Panel,
    PanelMember,
    Recusal,
    Round,
    SchemeVersion,
    Stage,
    TeamMember,
    Track,
)
from contest.people import service as people
from contest.people.models import Person, Unit
from contest.scoring import Scheme, ScoringError, chinese, parse_scheme

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,58}[a-z0-9]")


# --- events -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    slug: str
    name: str
    year: int
    level: str = "city"
    kind: str = "individual"
    organisers: str = ""
    visibility: str = "hidden"
    opinions_public: bool = False
    pledge: str = ""  # the judges' pledge; blank: DEFAULT_PLEDGE
    notice_workdays: int = 5


def _check_event(data: EventInput) -> EventInput:
    slug, name = data.slug.strip().lower(), data.name.strip()
    if not SLUG.fullmatch(slug):
        raise InputError("活动代码只能用小写字母、数字和连字符，3–60个字符，如 cooking-2026", "slug")
    if not name:
        raise InputError("活动名称不能为空", "name")
    if len(name) > 120:
        raise InputError("活动名称不能超过120个字", "name")
    if not 2000 <= data.year <= 2100:
        raise InputError("年度应在2000–2100之间", "year")
    _check_choice(data.level, EVENT_LEVELS, "level", "级别")
    _check_choice(data.kind, EVENT_KINDS, "kind", "类型")
    _check_choice(data.visibility, VISIBILITIES, "visibility", "成绩公开方式")
    if len(data.pledge.strip()) > 4000:
        raise InputError("裁判员承诺书不能超过4000字", "pledge")
    if not 1 <= data.notice_workdays <= 30:
        raise InputError("成绩公示期应为1–30个工作日", "notice_workdays")
    return EventInput(slug, name, data.year, data.level, data.kind, data.organisers.strip()[:400], data.visibility,
                      data.opinions_public, data.pledge.strip(), data.notice_workdays)


def _check_choice(value: str, allowed: dict, field_name: str, label: str) -> None:
    if value not in allowed:
        raise InputError(f"{label}取值无效：{value}", field_name)


async def list_events(session: AsyncSession) -> Sequence[Event]:
    return (await session.exec(select(Event).order_by(Event.year.desc(), Event.id))).all()


async def get_event(session: AsyncSession, slug: str) -> Event:
    event = (await session.exec(select(Event).where(Event.slug == slug))).first()
    if event is None:
        raise NotFound(f"竞赛活动 {slug} ")
    return event


async def create_event(session: AsyncSession, data: EventInput, actor: str = "system") -> Event:
    data = _check_event(data)
    if (await session.exec(select(Event.id).where(Event.slug == data.slug))).first():
        raise InputError(f"活动代码 {data.slug} 已被使用", "slug")
    event = Event(**data.__dict__, judge_code=await _unused_judge_code(session))
    session.add(event)
    await session.flush()
    await ledger.record(session, event.id, actor, "event.create", f"event:{event.id}", data.__dict__)
    await session.commit()
    return event


async def update_event(session: AsyncSession, event: Event, data: EventInput, actor: str = "system") -> Event:
    """The event's particulars (its name and visibility rule are on every public page of it)."""
    lifecycle.require(await lifecycle.event_phase(session, event.id), "event.edit")
    data = _check_event(data)
    if data.slug != event.slug and (await session.exec(select(Event.id).where(Event.slug == data.slug))).first():
        raise InputError(f"活动代码 {data.slug} 已被使用", "slug")
    changed = changes(event, data.__dict__)
    event.sqlmodel_update(data.__dict__)
    if changed:
        await ledger.record(session, event.id, actor, "event.edit", f"event:{event.id}", changed)
    await session.commit()
    return event


def changes(row, wanted: dict) -> dict[str, list]:
    """field -> [old, new] for each field whose value would change (for the ledger)."""
    return {k: [getattr(row, k), v] for k, v in wanted.items() if getattr(row, k) != v}


async def set_event_status(session: AsyncSession, event: Event, status: str, actor: str = "system") -> Event:
    """One step along the lifecycle, as its table allows in the event's phase."""
    _check_choice(status, EVENT_STATUSES, "status", "状态")
    step = lifecycle.STATUS_STEPS[event.status].get(status)
    if step is None:
        where = "：发布公示和确定最终成绩请在“成绩发布”页操作" if status in ("published", "closed") else ""
        raise Conflict(f"活动不能从“{EVENT_STATUSES[event.status]}”变为“{EVENT_STATUSES[status]}”{where}")
    lifecycle.require(await lifecycle.event_phase(session, event.id), step)
    await ledger.record(session, event.id, actor, "event.status", f"event:{event.id}", {"from": event.status,
                                                                                         "to": status})
    event.status = status
    await session.commit()
    return event


async def _unused_judge_code(session: AsyncSession) -> str:
    while True:  # six digits: easy to type on a tablet; collisions are rare and retried
        code = f"{secrets.randbelow(10**6):06d}"
        if not (await session.exec(select(Event.id).where(Event.judge_code == code))).first():
            return code


# --- tracks, rounds, stages -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackInput:
    slug: str
    name: str
    skill_level: int | None = None
    capacity: int | None = None


async def list_tracks(session: AsyncSession, event: Event) -> Sequence[Track]:
    return (await session.exec(select(Track).where(Track.event_id == event.id).order_by(Track.id))).all()


async def get_track(session: AsyncSession, event: Event, slug: str) -> Track:
    track = (await session.exec(select(Track).where(Track.event_id == event.id, Track.slug == slug))).first()
    if track is None:
        raise NotFound(f"赛项 {slug} ")
    return track


async def create_track(session: AsyncSession, event: Event, data: TrackInput, scheme: dict | None = None,
                       actor: str = "system") -> Track:
    lifecycle.require(await lifecycle.event_phase(session, event.id), "track.add")
    slug, name = data.slug.strip().lower(), data.name.strip()
    if not SLUG.fullmatch(slug):
        raise InputError("赛项代码只能用小写字母、数字和连字符，3–60个字符，如 chinese-cooking", "slug")
    if not name or len(name) > 80:
        raise InputError("赛项名称不能为空，且不超过80个字", "name")
    if data.skill_level is not None and not 1 <= data.skill_level <= 5:
        raise InputError("职业技能等级应为一级至五级", "skill_level")
    if data.capacity is not None and data.capacity < 1:
        raise InputError("名额应为正整数", "capacity")
    if (await session.exec(select(Track.id).where(Track.event_id == event.id, Track.slug == slug))).first():
        raise InputError(f"本活动已有赛项代码 {slug}", "slug")
    track = Track(event_id=event.id, slug=slug, name=name, skill_level=data.skill_level, capacity=data.capacity)
    session.add(track)
    await session.flush()
    await _save_round(session, track, Round(track_id=track.id, seq=1, name="决赛", scheme={}),
                      scheme or default_scheme(name), actor)
    await session.commit()
    return track


def default_scheme(track_name: str) -> dict:
    """The usual shape of a city skills contest: theory 30% + practice 70%, five judges dropping
    the highest and the lowest mark, ties broken by the practical score, 10/20/30% prizes."""
    return {
        "scheme": 1,
        "name": f"{track_name}评分标准",
        "rounding": {"places": 2, "mode": "half_up"},
        "stages": [
            {"key": "theory", "name": "理论知识", "weight": "0.3", "panel": {"aggregate": "mean"},
             "criteria": [{"key": "written", "name": "理论考试", "max": 100, "kind": "measurement"}]},
            {"key": "practical", "name": "实际操作", "weight": "0.7",
             "panel": {"aggregate": "trimmed_mean", "trim": 1, "min_judges": 3},
             "criteria": [
                 {"key": "prep", "name": "准备与卫生", "max": 10, "kind": "judgement", "step": "0.5"},
                 {"key": "skill", "name": "操作技能", "max": 40, "kind": "judgement", "step": "0.5"},
                 {"key": "quality", "name": "成品质量", "max": 40, "kind": "judgement", "step": "0.5"},
                 {"key": "safety", "name": "安全规范", "max": 10, "kind": "deduction", "step": "0.5"},
             ]},
        ],
        "tie_break": ["practical"],
        "awards": {"tiers": [{"name": "一等奖", "share": "0.1"}, {"name": "二等奖", "share": "0.2"},
                             {"name": "三等奖", "share": "0.3"}]},
    }


async def list_rounds(session: AsyncSession, track: Track) -> Sequence[Round]:
    return (await session.exec(select(Round).where(Round.track_id == track.id).order_by(Round.seq))).all()


async def list_stages(session: AsyncSession, round_: Round) -> Sequence[Stage]:
    return (await session.exec(select(Stage).where(Stage.round_id == round_.id).order_by(Stage.seq))).all()


async def get_round(session: AsyncSession, track: Track, seq: int) -> Round:
    round_ = (await session.exec(select(Round).where(Round.track_id == track.id, Round.seq == seq))).first()
    if round_ is None:
        raise NotFound(f"第{seq}轮 ")
    return round_


async def add_round(session: AsyncSession, track: Track, name: str, advance_top_n: int | None = None,
                    advance_top_percent: Decimal | None = None, actor: str = "system") -> Round:
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "round.add")
    if name not in ROUND_NAMES:
        raise InputError(f"轮次应为{'、'.join(ROUND_NAMES)}之一", "name")
    if advance_top_n is not None and advance_top_percent is not None:
        raise InputError("晋级规则只能选前N名或前X%之一", "advance_top_n")
    if advance_top_percent is not None and not 0 < advance_top_percent <= 100:
        raise InputError("晋级比例应在0–100%之间", "advance_top_percent")
    rounds = await list_rounds(session, track)
    seq = (rounds[-1].seq + 1) if rounds else 1
    round_ = Round(track_id=track.id, seq=seq, name=name, advance_top_n=advance_top_n,
                   advance_top_percent=advance_top_percent, scheme={})
    await _save_round(session, track, round_, rounds[-1].scheme if rounds else default_scheme(track.name), actor)
    await session.commit()
    return round_


async def set_scheme(session: AsyncSession, round_: Round, scheme: dict, actor: str = "system") -> Round:
    """Edit a round's scheme before its first sheet (after it, a change is a correction:
    judging.service.save_scheme)."""
    track = await session.get(Track, round_.track_id)
    lifecycle.require(await lifecycle.round_phase(session, track.event_id, round_.id), "scheme.edit")
    await save_scheme_version(session, track, round_, scheme, actor)
    await session.commit()
    return round_


def check_scheme(scheme: dict) -> Scheme:
    """A round's scheme as the engine reads it, or an InputError in Chinese naming the place at fault
    (its field: the engine's key path). A round's total is its stages' weighted sum, so the weights
    make 100% — or every stage counts whole (all weights 1: the stages are added up)."""
    try:
        parsed = parse_scheme(scheme)
    except ScoringError as exc:
        problem = chinese.explain(exc, scheme)
        raise InputError(f"评分标准有误：{problem.text}", problem.path or "scheme") from exc
    if parsed.attributes:  # the platform has no place to enter an entry's attribute: every entry would stay incomplete
        raise InputError(f"评分标准有误：取自选手属性的系数（{'、'.join(parsed.attributes)}）只能用于离线计算"
                         "（contest results compute）；在平台上评分请改用本环节不计入总分的测量评分项作系数", "scheme")
    weights = [stage.weight for stage in parsed.stages if stage.key not in parsed.attempts]
    total = sum(weights)
    if total != 1 and any(weight != 1 for weight in weights):
        raise InputError(f"评分标准有误：各环节权重合计应为100%，现为{format((total * 100).normalize(), 'f')}%",
                         "stages")
    return parsed


def scheme_digest(scheme: dict) -> str:
    """SHA-256 of the scheme as canonical JSON: what the ledger records of each version."""
    return hashlib.sha256(json.dumps(scheme, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


async def save_scheme_version(session: AsyncSession, track: Track, round_: Round, scheme: dict, actor: str,
                              reason: str = "") -> SchemeVersion | None:
    """The scheme as the round's next version, ledgered with its digest (no version if nothing
    changed). Checks none of the lifecycle: the caller has. Does not commit."""
    if round_.id is not None and scheme_digest(scheme) == scheme_digest(round_.scheme):
        return None
    return await _save_round(session, track, round_, scheme, actor, reason)


async def _save_round(session: AsyncSession, track: Track, round_: Round, scheme: dict, actor: str,
                      reason: str = "") -> SchemeVersion:
    """Validate the scheme (check_scheme), store it as the round's next version (ledgered), and
    mirror its stages."""
    parsed = check_scheme(scheme)
    round_.scheme = scheme
    session.add(round_)
    await session.flush()
    version = await _record_version(session, track, round_, scheme, actor, reason)
    # Stages are mirrored for panels, sheets and sign-off; a best_of stage is scored by its attempts.
    scored = [stage for stage in parsed.stages if stage.criteria]
    existing = {s.key: s for s in await list_stages(session, round_)}
    wanted = {stage.key for stage in scored}
    for seq, stage in enumerate(scored, 1):
        row = existing.get(stage.key) or Stage(round_id=round_.id, key=stage.key, seq=seq, name="", weight=0)
        row.seq, row.name, row.weight = seq, stage.name, stage.weight
        session.add(row)
    for key in set(existing) - wanted:
        if (await session.exec(select(Panel.id).where(Panel.stage_id == existing[key].id))).first():
            raise InputError(f"环节 {key} 已设裁判组，不能从评分标准中删除", "scheme")
        await session.delete(existing[key])
    return version


async def _record_version(session: AsyncSession, track: Track, round_: Round, scheme: dict, actor: str,
                          reason: str) -> SchemeVersion:
    last = (await session.exec(select(func.max(SchemeVersion.version))
                               .where(SchemeVersion.round_id == round_.id))).one()
    version = SchemeVersion(round_id=round_.id, version=(last or 0) + 1, scheme=scheme, digest=scheme_digest(scheme),
                            reason=reason[:200], created_by=actor[:80])
    session.add(version)
    await ledger.record(session, track.event_id, actor, "scheme.version", f"round:{round_.id}", {
        "track": track.slug, "round": round_.seq, "version": version.version, "digest": version.digest,
        "reason": version.reason, "scheme": scheme})
    return version


async def scheme_versions(session: AsyncSession, round_: Round) -> Sequence[SchemeVersion]:
    return (await session.exec(select(SchemeVersion).where(SchemeVersion.round_id == round_.id)
                               .order_by(SchemeVersion.version.desc()))).all()


# --- entries and the contestant import -------------------------------------------------------------


async def list_entries(session: AsyncSession, track: Track) -> Sequence[tuple[Entry, Person | None]]:
    stmt = (select(Entry, Person).outerjoin(Person, Person.id == Entry.person_id)
            .where(Entry.track_id == track.id).order_by(Entry.bib))
    return (await session.exec(stmt)).all()


async def count_entries(session: AsyncSession, track_ids: Sequence[int]) -> dict[int, int]:
    stmt = select(Entry.track_id, func.count()).where(Entry.track_id.in_(track_ids)).group_by(Entry.track_id)
    return dict((await session.exec(stmt)).all())


@dataclass(frozen=True)
class EntryEdit:
    """What an organiser may correct of an entry: the name printed for it (the person's name, or a
    project's title), its unit and (None: as it is) its team."""

    name: str
    unit_id: int | None
    team_members: str | None = None


async def edit_entry(session: AsyncSession, entry: Entry, edit: EntryEdit, reason: str, actor: str) -> Entry:
    """Correct an entry's identity (a name, a unit): ledgered old → new with the reason. After
    publication only within a correction, which reissues the certificates it changes."""
    track = await session.get(Track, entry.track_id)
    phase = await lifecycle.track_phase(session, track.event_id, track.id)
    lifecycle.require(phase, "entry.edit")
    reason, name = reason.strip(), edit.name.strip()
    if phase.correcting and not reason:
        raise InputError("更正须填写原因", "reason")
    person = await session.get(Person, entry.person_id) if entry.person_id and not entry.project_title else None
    if not name or len(name) > (40 if person else 200):
        raise InputError(f"{'姓名' if person else '项目名称'}不能为空，且不超过{40 if person else 200}个字", "name")
    wanted = {"unit_id": edit.unit_id, **({} if person else {"project_title": name}),
              **({} if edit.team_members is None else {"team_members": edit.team_members.strip()[:400] or None})}
    changed = changes(entry, wanted) | (changes(person, {"name": name}) if person else {})
    if not changed:
        return entry
    entry.sqlmodel_update(wanted)
    if person:
        person.name = name
        session.add(person)
    session.add(entry)
    await ledger.record(session, track.event_id, actor, "entry.edit", f"entry:{entry.id}",
                        {"track": track.slug, "bib": entry.bib, "changes": changed, "reason": reason[:200]})
    await refresh_recusals(session, track)
    await session.commit()
    return entry


async def import_contestants(session: AsyncSession, track: Track, filename: str, data: bytes, *, id_key: bytes,
                             skip_bad: bool = False, dry_run: bool = False,
                             actor: str = "system") -> tables.ImportReport:
    """Check every row and import the contestants as entries of the track, all or nothing:
    while any row is bad nothing is written, unless the organiser chose to skip bad rows."""
    raw = await _entry_rows(session, track, importers.read_contestants, filename, data, "选手")
    areas = await people.areas_by_name(session)
    check = importers.validate_rows(raw, set(areas), id_key)
    good, problems = await drop_already_entered(session, track, check)
    report = tables.ImportReport(rows=len(raw), good=len(good), problems=problems, dry_run=dry_run)
    await check_capacity(session, track, len(good), "file")
    unit_area = {row.unit_name: areas[row.area].id for row in good}
    known = {u.name for u in await people.list_units(session)}
    report.new_units = sorted(name for name in unit_area if name not in known)
    if dry_run or not good or (problems and not skip_bad):
        return report  # nothing has been written: the checks above only read
    report.imported = await _write_entries(session, track, good, unit_area, areas, actor)
    await session.commit()
    return report


async def check_capacity(session: AsyncSession, track: Track, adding: int, field: str, waiting: int = 0) -> None:
    """Refuse `adding` more contestants beyond the track's quota (名额); `waiting` counts those
    already asked for but not yet entered (online registrations before the office's decision)."""
    if track.capacity is None:
        return
    taken = (await count_entries(session, [track.id])).get(track.id, 0) + waiting
    if taken + adding > track.capacity:
        raise InputError(f"超出赛项名额：已报名{taken}人，本次{adding}人，名额{track.capacity}人", field)


async def enter_checked(session: AsyncSession, track: Track, rows: Sequence[importers.ContestantRow],
                        actor: str) -> dict[str, int]:
    """Contestants already checked by the import's validator (online registrations the office
    approved) as entries of the track — the lifecycle, the quota and "already entered" as for an
    import, ledgered as an import. Entry ids by ID hash. Does not commit."""
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "entry.add")
    good, problems = await drop_already_entered(session, track, importers.ImportCheck(list(rows), []))
    refuse_problems(problems)
    await check_capacity(session, track, len(good), "registration")
    areas = await people.areas_by_name(session)
    await _write_entries(session, track, good, {row.unit_name: areas[row.area].id for row in good}, areas, actor)
    stmt = (select(Person.id_hash, Entry.id).join(Entry, Entry.person_id == Person.id)
            .where(Entry.track_id == track.id, Person.id_hash.in_([row.id_hash for row in good])))
    return dict((await session.exec(stmt)).all())


async def set_registration_closes(session: AsyncSession, event: Event, closes: date | None, actor: str) -> Event:
    """The last day of online registration (报名截止日), ledgered."""
    lifecycle.require(await lifecycle.event_phase(session, event.id), "event.edit")
    if event.registration_closes != closes:
        await ledger.record(session, event.id, actor, "event.edit", f"event:{event.id}",
                            {"registration_closes": [str(event.registration_closes or ""), str(closes or "")]})
        event.registration_closes = closes
        session.add(event)
    await session.commit()
    return event


async def _entry_rows(session: AsyncSession, track: Track, read, filename: str, data: bytes,
                      noun: str) -> list[tables.RawRow]:
    """An entries file's rows, once the lifecycle takes entries (a bad or empty file refused)."""
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "entry.add")
    try:
        raw = read(filename, data)
    except tables.ImportFileError as exc:
        raise InputError(str(exc), "file") from exc
    if not raw:
        raise InputError(f"文件中没有{noun}数据行", "file")
    return raw


async def add_contestant(session: AsyncSession, track: Track, fields: dict[str, str], *, id_key: bytes,
                         actor: str = "system") -> None:
    """One contestant from the form, checked and written exactly as an import row (one validator).
    Raises InputError naming every problem, the first one's column as the field."""
    report = await import_contestants(session, track, *importers.form_file(fields), id_key=id_key, actor=actor)
    refuse_problems(report.problems)


def refuse_problems(problems: Sequence[tables.RowProblem]) -> None:
    """A form's row problems as one InputError (every problem, the first one's column as the field)."""
    if problems:
        raise InputError("；".join(p.said for p in problems), problems[0].column)


async def update_contestant(session: AsyncSession, entry: Entry, fields: dict[str, str], *, id_key: bytes,
                            actor: str, reason: str = "") -> Entry:
    """Correct one contestant's details, checked exactly as an import row (one validator). The ID
    number is typed again (only its hash is kept): a different one re-links the entry to that person;
    a phone left blank keeps the one on record. When the lifecycle allows it ("entry.edit"; within a
    correction, with a reason); ledgered; the unit's recusals follow the unit."""
    track = await session.get(Track, entry.track_id)
    phase = await lifecycle.track_phase(session, track.event_id, track.id)
    lifecycle.require(phase, "entry.edit")
    reason = reason.strip()
    if phase.correcting and not reason:
        raise InputError("更正须填写原因", "reason")
    person = await session.get(Person, entry.person_id) if entry.person_id else None
    if person is None:
        raise InputError("参赛项目没有选手信息可修改", "entry")
    raw = importers.read_contestants(*importers.form_file(fields))
    areas = await people.areas_by_name(session)
    check = importers.validate_rows(raw, set(areas), id_key)
    refuse_problems(check.problems)
    row = check.good[0]
    taken = (await session.exec(select(Entry.bib).join(Person, Person.id == Entry.person_id).where(
        Entry.track_id == track.id, Entry.id != entry.id, Person.id_hash == row.id_hash))).first()
    if taken:
        raise InputError(f"{importers.ID_NUMBER}：此人已报名本赛项（参赛证号 {taken}）", importers.ID_NUMBER)
    unit_ids, _ = await people.ensure_units(session, {row.unit_name: areas[row.area].id})
    details = {**row.person(), "unit_id": unit_ids[row.unit_name], "area_id": areas[row.area].id}
    if not fields.get(importers.PHONE, "").strip() and row.id_hash == person.id_hash:
        details["phone_masked"] = person.phone_masked
    person_id = (await people.upsert_people(session, [details], basis="选手信息修改"))[row.id_hash]
    before = {"name": person.name, "unit_id": entry.unit_id, "person_id": entry.person_id}
    entry.person_id, entry.unit_id = person_id, unit_ids[row.unit_name]
    session.add(entry)
    await session.flush()
    if before["unit_id"] != entry.unit_id:
        await _drop_unit_recusals(session, track, Recusal.entry_id == entry.id)
        await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "entry.edit", f"entry:{entry.id}", {
        "track": track.slug, "bib": entry.bib, "reason": reason[:200], "before": before,
        "after": {"name": row.name, "unit_id": entry.unit_id, "person_id": person_id}})
    await session.commit()
    return entry


@dataclass(frozen=True)
class ListedEntry:
    """A contestant as the organiser's list shows them: no ID number, only its masked form."""

    entry: Entry
    name: str
    gender: str | None
    id_masked: str | None
    unit: str | None


async def search_entries(session: AsyncSession, track: Track, query: str, id_key: bytes, *, status: str = "",
                         limit: int = 50, offset: int = 0) -> tuple[list[ListedEntry], int]:
    """A track's contestants by name, bib, unit or full ID number (and status); the total found."""
    if status:
        _check_choice(status, ENTRY_STATUSES, "status", "参赛状态")
    words, _ = people.search_text(query)
    stmt = (select(Entry, Person.name, Person.gender, Person.id_masked, Unit.name)
            .outerjoin(Person, Person.id == Entry.person_id).outerjoin(Unit, Unit.id == Entry.unit_id)
            .where(Entry.track_id == track.id))
    if hashed := people.searched_id(words, id_key):
        stmt = stmt.where(Person.id_hash == hashed)
    elif words:
        in_teams = (select(TeamMember.entry_id).join(Person, Person.id == TeamMember.person_id)
                    .where(Person.name.contains(tables.close_gaps(words), autoescape=True)))
        stmt = stmt.where(or_(Entry.bib == words, Entry.blind_code == words,
                              Person.name.contains(tables.close_gaps(words), autoescape=True),
                              Unit.name.contains(words, autoescape=True),
                              Entry.project_title.contains(words, autoescape=True), Entry.id.in_(in_teams)))
    if status:
        stmt = stmt.where(Entry.status == status)
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = (await session.exec(stmt.order_by(Entry.bib).limit(limit).offset(offset))).all()
    return [ListedEntry(entry, name or entry.project_title or "", gender, masked, unit)
            for entry, name, gender, masked, unit in rows], total


def lookup_code(entry: Entry, key: bytes) -> str:
    """The score look-up code (查分码) printed on a contestant's admission card: with the admission
    number it opens their own score sheet once it is signed off, before names are published (a
    blind event's contestant cannot find themselves on a board of codes). A keyed hash of the entry,
    so that it is stored nowhere and cannot be worked out from the admission number; 8 characters
    of base32 (40 bits)."""
    digest = hmac.new(key, f"score-lookup:{entry.id}:{entry.bib}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:8]


async def get_entry(session: AsyncSession, track: Track, bib: str) -> Entry:
    entry = (await session.exec(select(Entry).where(Entry.track_id == track.id, Entry.bib == bib))).first()
    if entry is None:
        raise NotFound(f"参赛证号 {bib[:20]}")
    return entry


async def drop_already_entered(session: AsyncSession, track: Track, check: importers.ImportCheck):
    hashes = [row.id_hash for row in check.good]
    stmt = (select(Person.id_hash).join(Entry, Entry.person_id == Person.id)
            .where(Entry.track_id == track.id, Person.id_hash.in_(hashes)))
    entered = set((await session.exec(stmt)).all())
    problems = list(check.problems)
    good = []
    for row in check.good:
        if row.id_hash in entered:
            problems.append(tables.RowProblem(row.row, importers.ID_NUMBER, "此人已报名本赛项"))
        else:
            good.append(row)
    problems.sort(key=lambda p: p.row)
    return good, problems


async def _write_entries(session: AsyncSession, track: Track, rows: Sequence[importers.ContestantRow],
                         unit_area: dict[str, int], areas: dict, actor: str) -> int:
    unit_ids, person_ids = await _upsert_people(session, rows, unit_area, areas)
    next_bib = await _next_bib(session, track)
    entries = [{"track_id": track.id, "person_id": person_ids[r.id_hash], "unit_id": unit_ids[r.unit_name],
                "bib": f"{next_bib + i:04d}", "status": "registered"} for i, r in enumerate(rows)]
    await db.insert_many(session, Entry, entries)
    await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "entries.import", f"track:{track.id}",
                        {"track": track.slug, "bibs": [e["bib"] for e in entries]})
    return len(entries)


async def _upsert_people(session: AsyncSession, rows: Sequence[importers.ContestantRow], unit_area: dict[str, int],
                         areas: dict) -> tuple[dict[str, int], dict[str, int]]:
    """The units (created where new) and people (added or refreshed) of checked rows: their ids by
    unit name and by ID hash."""
    unit_ids, _ = await people.ensure_units(session, unit_area)
    person_ids = await people.upsert_people(session, (
        {**r.person(), "unit_id": unit_ids[r.unit_name], "area_id": areas[r.area].id} for r in rows))
    return unit_ids, person_ids


async def _next_bib(session: AsyncSession, track: Track) -> int:
    count = (await count_entries(session, [track.id])).get(track.id, 0)
    return count + 1


async def add_project_entry(session: AsyncSession, track: Track, title: str, team: str, unit_id: int | None,
                            lead_person_id: int | None = None, actor: str = "system") -> Entry:
    """An innovation-contest entry: a project with its team, entered by its unit."""
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "entry.add")
    title = title.strip()
    if not title or len(title) > 200:
        raise InputError("项目名称不能为空，且不超过200个字", "project_title")
    entry = Entry(track_id=track.id, project_title=title, team_members=team.strip()[:400] or None,
                  unit_id=unit_id, person_id=lead_person_id, bib=f"{await _next_bib(session, track):04d}")
    session.add(entry)
    await session.flush()
    await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "entries.import", f"track:{track.id}",
                        {"track": track.slug, "bibs": [entry.bib]})
    await session.commit()
    return entry


async def import_projects(session: AsyncSession, track: Track, filename: str, data: bytes, *, id_key: bytes,
                          skip_bad: bool = False, dry_run: bool = False, actor: str = "system") -> tables.ImportReport:
    """Import a project track's entries from the project file (one row per team member), all or
    nothing like the contestants' import: each project an entry of its unit (the lead's), each
    member a person with their unit. `imported` counts projects."""
    raw = await _entry_rows(session, track, importers.read_projects, filename, data, "项目")
    if (await session.get(Event, track.event_id)).kind != "project":
        raise InputError("本活动不是项目赛，请用参赛人员导入表", "file")
    areas = await people.areas_by_name(session)
    projects, problems = importers.check_projects(raw, set(areas), id_key)
    projects, problems = await _drop_projects_entered(session, track, projects, problems)
    report = tables.ImportReport(rows=len(raw), good=sum(len(p.members) for p in projects), problems=problems,
                                 dry_run=dry_run)
    if track.capacity is not None:
        taken = (await count_entries(session, [track.id])).get(track.id, 0)
        if taken + len(projects) > track.capacity:
            raise InputError(f"超出赛项名额：已报名{taken}项，本次{len(projects)}项，名额{track.capacity}项", "file")
    unit_area = {m.unit_name: areas[m.area].id for p in projects for m in p.members}
    known = {u.name for u in await people.list_units(session)}
    report.new_units = sorted(name for name in unit_area if name not in known)
    if dry_run or not projects or (problems and not skip_bad):
        return report
    report.imported = await _write_projects(session, track, projects, unit_area, areas, actor)
    await session.commit()
    return report


async def _drop_projects_entered(session: AsyncSession, track: Track, projects: list[importers.ProjectRows],
                                 problems: list[tables.RowProblem]):
    """Leave out a project already entered in the track (by title), or with a member already in one."""
    titles = set((await session.exec(select(Entry.project_title).where(Entry.track_id == track.id))).all())
    in_teams = set((await session.exec(
        select(Person.id_hash).join(TeamMember, TeamMember.person_id == Person.id)
        .join(Entry, Entry.id == TeamMember.entry_id).where(Entry.track_id == track.id))).all())
    problems, good = list(problems), []
    for project in projects:
        found = ([tables.RowProblem(project.lead.row, importers.PROJECT_TITLE, "本赛项已有同名项目")]
                 if project.title in titles else [])
        found += [tables.RowProblem(m.row, importers.ID_NUMBER, "此人已是本赛项另一项目的成员")
                  for m in project.members if m.id_hash in in_teams]
        problems += found + importers.left_out([m.row for m in project.members], {p.row for p in found})
        if not found:
            good.append(project)
    problems.sort(key=lambda p: p.row)
    return good, problems


async def _write_projects(session: AsyncSession, track: Track, projects: Sequence[importers.ProjectRows],
                          unit_area: dict[str, int], areas: dict, actor: str) -> int:
    unit_ids, person_ids = await _upsert_people(session, [m for p in projects for m in p.members], unit_area, areas)
    next_bib = await _next_bib(session, track)
    entries = [{"track_id": track.id, "project_title": p.title, "unit_id": unit_ids[p.lead.unit_name],
                "bib": f"{next_bib + i:04d}", "status": "registered"} for i, p in enumerate(projects)]
    ids = dict(await db.insert_many(session, Entry, entries, returning=("bib", "id")))
    await db.insert_many(session, TeamMember, [
        {"entry_id": ids[entry["bib"]], "person_id": person_ids[m.id_hash], "unit_id": unit_ids[m.unit_name],
         "seq": seq, "is_lead": seq == 1}
        for entry, project in zip(entries, projects, strict=True) for seq, m in enumerate(project.members, 1)])
    await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "entries.import", f"track:{track.id}", {
        "track": track.slug, "bibs": [e["bib"] for e in entries],
        "teams": {e["bib"]: [person_ids[m.id_hash] for m in p.members]
                  for e, p in zip(entries, projects, strict=True)}})
    return len(entries)


@dataclass(frozen=True)
class Teammate:
    """A team member as the organiser's screens and the board show them (no ID number)."""

    id: int  # the TeamMember row (a member's certificate is addressed to it)
    entry_id: int
    person_id: int
    name: str
    unit_id: int | None
    unit: str | None
    is_lead: bool


async def teams(session: AsyncSession, entry_ids: Sequence[int]) -> dict[int, list[Teammate]]:
    """The teams of these entries (entry id -> members, the lead first); individual entries have none."""
    rows = (await session.exec(
        select(TeamMember, Person.name, Unit.name).join(Person, Person.id == TeamMember.person_id)
        .outerjoin(Unit, Unit.id == TeamMember.unit_id).where(TeamMember.entry_id.in_(list(entry_ids)))
        .order_by(TeamMember.entry_id, TeamMember.seq))).all()
    out: dict[int, list[Teammate]] = {}
    for member, name, unit in rows:
        out.setdefault(member.entry_id, []).append(
            Teammate(member.id, member.entry_id, member.person_id, name, member.unit_id, unit, member.is_lead))
    return out


# --- the draw of blind codes ------------------------------------------------------------------------


def draw_order(seed: str, bibs: Sequence[str]) -> list[str]:
    """The bibs in drawn order: sorted by HMAC-SHA256(seed, bib). Anyone holding the seed can
    replay the draw with a few lines in any language; nobody can steer it without the seed."""
    return sorted(bibs, key=lambda bib: hmac.new(bytes.fromhex(seed), bib.encode(), hashlib.sha256).digest())


def blind_code(position: int) -> str:
    return f"{position:03d}"


async def draw_blind_codes(session: AsyncSession, track: Track, drawn_by: str, seed: str | None = None,
                           reason: str = "") -> Draw:
    """Draw every entry's blind code by lot and record the draw on the ledger, in one transaction.
    Final once the track has a sheet; before that a redraw needs a reason. Codes are written
    unconditionally by two statements (every old code cleared, then every new one set: the unique
    (track, blind_code) constraint is checked row by row), and the result is checked against the
    draw before the commit."""
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "draw")
    redraw = (await session.exec(select(Draw.id).where(Draw.track_id == track.id))).first() is not None
    if redraw and not reason.strip():
        raise InputError("重新抽签会改变全部加密号，请填写原因", "reason")
    entries = [e for e, _ in await list_entries(session, track) if e.status not in OUT_OF_CONTEST]
    if not entries:
        raise InputError("本赛项还没有可抽签的选手", "track")
    seed = seed or secrets.token_hex(16)  # cryptographically random; recorded so the draw can be replayed
    codes = drawn_codes(seed, [e.bib for e in entries])
    ids = {e.bib: e.id for e in entries}
    await session.exec(update(Entry).where(Entry.track_id == track.id).values(blind_code=None, running_order=None))
    await session.exec(_SET_CODES, params={"ids": [ids[bib] for bib in codes], "codes": list(codes.values()),
                                           "orders": [int(code) for code in codes.values()]})
    await _check_codes(session, track, {ids[bib]: code for bib, code in codes.items()})
    draw = Draw(track_id=track.id, seed=seed, drawn_by=drawn_by, entry_count=len(entries))
    session.add(draw)
    await session.flush()
    await ledger.append(session, event_id=track.event_id, actor=drawn_by, device="", action="draw.blind_codes",
                        subject=f"track:{track.id}", payload={"draw": draw.id, "seed": seed, "codes": codes,
                                                              **({"reason": reason.strip()[:200]} if redraw else {})})
    await session.commit()
    return draw


def drawn_codes(seed: str, bibs: Sequence[str], after: int = 0) -> dict[str, str]:
    """bib -> blind code: the position in the drawn order (counted on from `after` for a late draw)."""
    return {bib: blind_code(i) for i, bib in enumerate(draw_order(seed, bibs), after + 1)}


async def draw_late_entries(session: AsyncSession, track: Track, drawn_by: str, seed: str | None = None) -> Draw:
    """Entries in the contest without a code after the track's draw (added late, or reinstated)
    draw the next codes by a lot of their own, ledgered like a draw: every code already drawn
    stays as it is, so judges' sheets and the board keep theirs."""
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "draw.late")
    if (await session.exec(select(Draw.id).where(Draw.track_id == track.id))).first() is None:
        raise InputError("本赛项还没有抽签：请先为全体选手抽签", "track")
    late = await undrawn_entries(session, track)
    if not late:
        raise InputError("没有待抽签的选手：全部选手都已有加密号", "track")
    held = dict((await session.exec(select(Entry.id, Entry.blind_code).where(
        Entry.track_id == track.id, Entry.blind_code.is_not(None)))).all())
    after = max((int(code) for code in held.values()), default=0)
    seed = seed or secrets.token_hex(16)
    codes = drawn_codes(seed, [e.bib for e in late], after)
    ids = {e.bib: e.id for e in late}
    await session.exec(_SET_CODES, params={"ids": [ids[bib] for bib in codes], "codes": list(codes.values()),
                                           "orders": [int(code) for code in codes.values()]})
    await _check_codes(session, track, held | {ids[bib]: code for bib, code in codes.items()})
    draw = Draw(track_id=track.id, seed=seed, drawn_by=drawn_by, entry_count=len(late), late=True)
    session.add(draw)
    await session.flush()
    await ledger.append(session, event_id=track.event_id, actor=drawn_by, device="", action="draw.late",
                        subject=f"track:{track.id}", payload={"draw": draw.id, "seed": seed, "after": after,
                                                              "codes": codes})
    await session.commit()
    return draw


async def undrawn_entries(session: AsyncSession, track: Track) -> list[Entry]:
    """Entries in the contest that have no blind code yet: not on the judges' queues nor the board."""
    return list((await session.exec(select(Entry).where(
        Entry.track_id == track.id, Entry.blind_code.is_(None), Entry.status.not_in(OUT_OF_CONTEST))
        .order_by(Entry.bib))).all())


_SET_CODES = text("""
    update entry set blind_code = drawn.code, running_order = drawn.position
    from unnest(cast(:ids as integer[]), cast(:codes as varchar[]), cast(:orders as integer[]))
         as drawn (id, code, position)
    where entry.id = drawn.id""")


async def _check_codes(session: AsyncSession, track: Track, expected: dict[int, str]) -> None:
    """The track's codes are exactly the draw's: every drawn entry has its code, no other entry has one."""
    stored = dict((await session.exec(select(Entry.id, Entry.blind_code).where(
        Entry.track_id == track.id, Entry.blind_code.is_not(None)))).all())
    if stored != expected:
        raise Conflict("抽签结果与写入的加密号不一致，本次抽签未生效，请重试或联系技术人员")


async def draw_discrepancies(session: AsyncSession, draws: dict[int, dict[str, str]],
                             event: Event | None = None) -> list[str]:
    """Entries (of one event, or all) whose blind code differs from the last ledgered draw of their
    track (track id -> bib -> code), named for `contest audit verify`."""
    stmt = (select(Entry.track_id, Entry.bib, Entry.blind_code, Track.slug).join(Track, Track.id == Entry.track_id)
            .where(Entry.track_id.in_(list(draws)) | Entry.blind_code.is_not(None)).order_by(Entry.track_id, Entry.bib))
    if event is not None:
        stmt = stmt.where(Track.event_id == event.id)
    rows = (await session.exec(stmt)).all()
    problems = []
    for track_id, bib, code, slug in rows:
        drawn = draws.get(track_id, {}).get(bib)
        if drawn != code:
            problems.append(f"track {slug} entry {bib}: blind code {code or '—'} but the ledgered draw gave "
                            f"{drawn or '—'}")
    return problems


async def list_draws(session: AsyncSession, track: Track) -> Sequence[Draw]:
    return (await session.exec(select(Draw).where(Draw.track_id == track.id).order_by(Draw.drawn_at.desc()))).all()


# --- judges, panels, conflicts, recusals -----------------------------------------------------------


async def list_judges(session: AsyncSession, event: Event) -> Sequence[Judge]:
    """The event's judges (people: the platform's own marker of a theory test is not one)."""
    return (await session.exec(select(Judge).where(Judge.event_id == event.id, Judge.platform.is_(False))
                               .order_by(Judge.number))).all()


@dataclass(frozen=True)
class ListedJudge:
    judge: Judge
    unit: str | None
    seats: list[str]  # each panel the judge sits on: "赛项 · 环节 · 组名（裁判长）"


async def search_judges(session: AsyncSession, event: Event, query: str, *, limit: int = 50,
                        offset: int = 0) -> tuple[list[ListedJudge], int]:
    """The event's judges by number (J5 = J05), name or unit, with the panels each sits on; the total found."""
    words, _ = people.search_text(query)
    stmt = (select(Judge, Unit.name).outerjoin(Unit, Unit.id == Judge.unit_id)
            .where(Judge.event_id == event.id, Judge.platform.is_(False)))
    if words:
        stmt = stmt.where(or_(Judge.number == judge_number(words), Judge.name.contains(tables.close_gaps(words),
                                                                                       autoescape=True),
                              Unit.name.contains(words, autoescape=True)))
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = (await session.exec(stmt.order_by(Judge.number).limit(limit).offset(offset))).all()
    seats = (await session.exec(
        select(PanelMember.judge_id, PanelMember.is_chief, Panel.name, Stage.name, Track.name)
        .join(Panel, Panel.id == PanelMember.panel_id).join(Stage, Stage.id == Panel.stage_id)
        .join(Round, Round.id == Stage.round_id).join(Track, Track.id == Round.track_id)
        .where(PanelMember.judge_id.in_([j.id for j, _ in rows] or [-1]))
        .order_by(Track.id, Round.seq, Stage.seq, Panel.id))).all()
    return [ListedJudge(j, unit, [f"{track} · {stage} · {panel}{'（裁判长）' if chief else ''}"
                                  for judge_id, chief, panel, stage, track in seats if judge_id == j.id])
            for j, unit in rows], total


def judge_number(text: str) -> str:
    """A judge number as people write it — J5, j05, 5, Ｊ５ — as it is stored: J05."""
    number = tables.squeeze(text).upper()
    digits = number.removeprefix("J")
    return f"J{int(digits):02d}" if digits.isdigit() else number


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


async def add_judge(session: AsyncSession, event: Event, name: str, unit_id: int | None,
                    actor: str = "system") -> tuple[Judge, str]:
    """A judge of the event with a fresh PIN (returned once, stored only hashed) and QR token."""
    lifecycle.require(await lifecycle.event_phase(session, event.id), "judge.add")
    name = name.strip()
    if not name or len(name) > 40:
        raise InputError("裁判姓名不能为空，且不超过40个字", "name")
    count = (await session.exec(select(func.count()).select_from(Judge).where(
        Judge.event_id == event.id, Judge.platform.is_(False)))).one()
    pin = new_pin()
    judge = Judge(event_id=event.id, number=f"J{count + 1:02d}", name=name, unit_id=unit_id,
                  pin_hash=hash_secret(pin), login_token=secrets.token_urlsafe(24))
    session.add(judge)
    await session.flush()
    await ledger.record(session, event.id, actor, "judge.add", f"judge:{judge.id}",
                        {"number": judge.number, "name": name, "unit": unit_id})
    await session.commit()
    return judge, pin


async def import_judges(session: AsyncSession, event: Event, filename: str, data: bytes, *, skip_bad: bool = False,
                        dry_run: bool = False, actor: str = "system") -> tables.ImportReport:
    """The event's judges from a file, numbered after those it has, all or nothing (as the
    contestant import), each ledgered as add_judge does. Their PINs are issued when the access
    cards are printed."""
    lifecycle.require(await lifecycle.event_phase(session, event.id), "judge.add")
    try:
        raw = tables.read_table(filename, data, importers.JUDGES)
    except tables.ImportFileError as exc:
        raise InputError(str(exc), "file") from exc
    if not raw:
        raise InputError("文件中没有裁判数据行", "file")
    units = {u.name: u.id for u in await people.list_units(session)}
    good, problems = importers.check_judges(raw, units)
    report = tables.ImportReport(rows=len(raw), good=len(good), problems=problems, dry_run=dry_run)
    if dry_run or not good or (problems and not skip_bad):
        return report
    count = (await session.exec(select(func.count()).select_from(Judge).where(Judge.event_id == event.id))).one()
    judges = [Judge(event_id=event.id, number=f"J{count + i:02d}", name=row.name, unit_id=units.get(row.unit_name),
                    login_token=secrets.token_urlsafe(24)) for i, row in enumerate(good, 1)]
    session.add_all(judges)
    await session.flush()
    for judge in judges:
        await ledger.record(session, event.id, actor, "judge.add", f"judge:{judge.id}",
                            {"number": judge.number, "name": judge.name, "unit": judge.unit_id})
    await session.commit()
    report.imported = len(good)
    return report


async def reissue_access(session: AsyncSession, event: Event, actor: str = "system") -> list[tuple[Judge, str]]:
    """New PINs and QR links for every judge of the event, for a printed access sheet; the old
    ones stop working, and so do the judges' open sessions (a lost card signs nobody in any more).
    PINs exist in plain only in this response."""
    lifecycle.require(await lifecycle.event_phase(session, event.id), "judge.access")
    issued = []
    for judge in await list_judges(session, event):
        pin = new_pin()
        judge.pin_hash, judge.login_token = hash_secret(pin), secrets.token_urlsafe(24)
        session.add(judge)
        issued.append((judge, pin))
    await ledger.record(session, event.id, actor, "judge.access", f"event:{event.id}",
                        {"judges": [j.number for j, _ in issued]})
    await auth.end_judge_sessions(session, [judge.id for judge, _ in issued])
    await session.commit()
    return issued


def judge_sign_in_key(event_code: str, number: str) -> str:
    """The identity a judge's sign-in claims, as the sign-in throttle counts it: the event code and
    judge number as read (J5 = J05 = 5), whether or not they exist (a made-up judge is throttled like
    a real one)."""
    return f"judge:{event_code.strip().upper()}/{judge_number(number)}"[:120]


async def locked_judges(session: AsyncSession, event: Event, judges: Sequence[Judge]) -> dict[int, datetime]:
    """The judges whose PIN sign-in is paused (from some address or everywhere), and until when."""
    keys = {judge_sign_in_key(event.judge_code, j.number): j.id for j in judges}
    return {keys[who]: until for who, until in (await auth.locked(session, list(keys))).items()}


async def unlock_judge(session: AsyncSession, event: Event, judge: Judge, actor: str) -> None:
    """Let a judge sign in with the PIN again at once, from everywhere (on the ledger)."""
    await auth.unlock(session, judge_sign_in_key(event.judge_code, judge.number))
    await ledger.record(session, event.id, actor, "judge.unlock", f"judge:{judge.id}", {"number": judge.number})
    await session.commit()


# --- scorers (录分员) --------------------------------------------------------------------------------


async def list_scorers(session: AsyncSession, event: Event) -> Sequence[Account]:
    return (await session.exec(select(Account).join(EventScorer, EventScorer.account_id == Account.id)
                               .where(EventScorer.event_id == event.id).order_by(Account.username))).all()


async def scorer_accounts(session: AsyncSession) -> Sequence[Account]:
    """Accounts that can be assigned to type paper sheets."""
    return (await session.exec(select(Account).where(Account.role == "scorer", Account.active)
                               .order_by(Account.username))).all()


async def assign_scorer(session: AsyncSession, event: Event, account_id: int) -> None:
    account = await session.get(Account, account_id) if 0 < account_id < 2**31 else None
    if account is None or account.role != "scorer":
        raise InputError("请选择一个录分员账号", "account_id")
    await session.exec(text("insert into event_scorer (event_id, account_id) values (:event, :account) "
                            "on conflict do nothing"), params={"event": event.id, "account": account.id})
    await session.commit()


async def unassign_scorer(session: AsyncSession, event: Event, account_id: int) -> None:
    await session.exec(delete(EventScorer).where(EventScorer.event_id == event.id,
                                                 EventScorer.account_id == account_id))
    await session.commit()


async def scores_event(session: AsyncSession, account: auth.Identity, event_id: int) -> bool:
    """Whether the account may type the event's paper sheets: organisers any, scorers their events."""
    if account.role == "organiser":
        return True
    if account.role != "scorer":
        return False
    return (await session.get(EventScorer, (event_id, account.id))) is not None


async def create_panel(session: AsyncSession, stage: Stage, name: str, judge_ids: Sequence[int],
                       chief_id: int | None, actor: str = "system") -> Panel:
    track = await _track_of_stage(session, stage.id)
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "panel.create")
    panel = Panel(stage_id=stage.id, name=name.strip()[:60])
    judges = await _check_panel(session, track, name, judge_ids, chief_id)
    session.add(panel)
    await session.flush()
    await _seat(session, panel, judge_ids, chief_id)
    await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "panel.create", f"panel:{panel.id}", {
        "track": track.slug, "stage": stage.key, "name": panel.name,
        "judges": [judges[j] for j in dict.fromkeys(judge_ids)], "chief": judges.get(chief_id)})
    await session.commit()
    return panel


async def _track_of_stage(session: AsyncSession, stage_id: int) -> Track:
    return (await session.exec(select(Track).join(Round).join(Stage).where(Stage.id == stage_id))).one()


async def _check_panel(session: AsyncSession, track: Track, name: str, judge_ids: Sequence[int],
                       chief_id: int | None) -> dict[int, str]:
    """A panel's name and members checked; the members' numbers by id."""
    if not name.strip():
        raise InputError("裁判组名称不能为空", "name")
    if not judge_ids:
        raise InputError("裁判组至少需要一名裁判", "judge_ids")
    if chief_id is not None and chief_id not in judge_ids:
        raise InputError("裁判长必须是本组成员", "chief_id")
    judges = dict((await session.exec(select(Judge.id, Judge.number).where(Judge.id.in_(judge_ids),
                                                                           Judge.event_id == track.event_id))).all())
    if len(judges) != len(set(judge_ids)):
        raise InputError("所选裁判不属于本活动", "judge_ids")
    return judges


async def _seat(session: AsyncSession, panel: Panel, judge_ids: Sequence[int], chief_id: int | None) -> None:
    for judge_id in dict.fromkeys(judge_ids):
        session.add(PanelMember(panel_id=panel.id, judge_id=judge_id, is_chief=judge_id == chief_id))
    await session.flush()


async def edit_panel(session: AsyncSession, panel: Panel, name: str, judge_ids: Sequence[int], chief_id: int | None,
                     actor: str) -> Panel:
    """Rename a panel and set its members and chief, while no sheet is scored (the lifecycle's
    "panel.edit"); after that a judge is only replaced."""
    track = await _track_of_stage(session, panel.stage_id)
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "panel.edit")
    judges = await _check_panel(session, track, name, judge_ids, chief_id)
    before = await _members(session, panel)
    await session.exec(delete(PanelMember).where(PanelMember.panel_id == panel.id))
    await _drop_unit_recusals(session, track, Recusal.judge_id.in_(list(before)))
    panel.name = name.strip()[:60]
    session.add(panel)
    await _seat(session, panel, judge_ids, chief_id)
    await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "panel.edit", f"panel:{panel.id}", {
        "track": track.slug, "name": panel.name, "before": list(before.values()),
        "judges": [judges[j] for j in dict.fromkeys(judge_ids)], "chief": judges.get(chief_id)})
    await session.commit()
    return panel


async def _members(session: AsyncSession, panel: Panel) -> dict[int, str]:
    return dict((await session.exec(select(Judge.id, Judge.number).join(PanelMember, PanelMember.judge_id == Judge.id)
                                    .where(PanelMember.panel_id == panel.id).order_by(Judge.number))).all())


async def replace_judge(session: AsyncSession, panel: Panel, old_id: int, new_id: int, reason: str,
                        actor: str) -> Panel:
    """Put another judge of the event in a member's seat (the chief's seat stays the chief's). Once
    judging has started this needs a reason: the sheets the judge already submitted stay valid and
    the new judge scores the rest. Ledgered; recusals follow the new judge's unit."""
    track = await _track_of_stage(session, panel.stage_id)
    phase = await lifecycle.track_phase(session, track.event_id, track.id)
    lifecycle.require(phase, "panel.replace")
    reason = reason.strip()
    if not reason and (phase.key == "scoring" or phase.correcting):
        raise InputError("评分已开始，替换裁判须填写原因", "reason")
    seat = (await session.exec(select(PanelMember).where(PanelMember.panel_id == panel.id,
                                                         PanelMember.judge_id == old_id))).first()
    if seat is None:
        raise InputError("请选择本组中要被替换的裁判", "old_id")
    new = await session.get(Judge, new_id) if 0 < new_id < 2**31 else None
    if new is None or new.event_id != track.event_id or new.platform:
        raise InputError("请选择本活动的裁判接替", "new_id")
    if new.id in await _members(session, panel):
        raise InputError(f"{new.number} {new.name} 已在本组", "new_id")
    old = await session.get(Judge, old_id)
    seat.judge_id = new.id
    session.add(seat)
    await _drop_unit_recusals(session, track, Recusal.judge_id == old.id)
    await session.flush()
    await refresh_recusals(session, track)
    await ledger.record(session, track.event_id, actor, "panel.replace", f"panel:{panel.id}", {
        "track": track.slug, "name": panel.name, "out": old.number, "in": new.number, "chief": seat.is_chief,
        "reason": reason[:200]})
    await session.commit()
    return panel


async def get_panel(session: AsyncSession, event: Event, panel_id: int) -> Panel:
    panel = await session.get(Panel, panel_id) if 0 < panel_id < 2**31 else None
    if panel is None or (await _track_of_stage(session, panel.stage_id)).event_id != event.id:
        raise NotFound("裁判组")
    return panel


async def list_panels(session: AsyncSession, round_: Round) -> list[tuple[Panel, Stage, list[tuple[Judge, bool]]]]:
    stmt = (select(Panel, Stage).join(Stage, Stage.id == Panel.stage_id)
            .where(Stage.round_id == round_.id).order_by(Stage.seq, Panel.id))
    panels = (await session.exec(stmt)).all()
    members = (await session.exec(
        select(PanelMember, Judge).join(Judge, Judge.id == PanelMember.judge_id)
        .where(PanelMember.panel_id.in_([p.id for p, _ in panels])).order_by(Judge.number))).all()
    return [(p, s, [(j, m.is_chief) for m, j in members if m.panel_id == p.id]) for p, s in panels]


async def declare_conflict(session: AsyncSession, judge: Judge, unit_id: int | None, person_id: int | None,
                           reason: str, actor: str = "system") -> ConflictOfInterest:
    conflict = await add_conflict(session, judge, unit_id, person_id, reason, actor)
    await session.commit()
    return conflict


async def add_conflict(session: AsyncSession, judge: Judge, unit_id: int | None, person_id: int | None,
                       reason: str, actor: str = "system") -> ConflictOfInterest:
    """A judge's declared conflict, ledgered, and the recusals it brings in every track. Refused
    once the judge has scored an entry it would recuse them from: those marks would stay in the
    results. Does not commit."""
    lifecycle.require(await lifecycle.event_phase(session, judge.event_id), "conflict.declare")
    if unit_id is None and person_id is None:
        raise InputError("请选择与裁判存在利害关系的单位或人员", "unit_id")
    conflict = ConflictOfInterest(judge_id=judge.id, unit_id=unit_id, person_id=person_id,
                                  reason=reason.strip()[:200])
    session.add(conflict)
    await session.flush()
    for track in (await session.exec(select(Track).where(Track.event_id == judge.event_id))).all():
        await refresh_recusals(session, track)
    scored = (await session.exec(_SCORED_WHILE_RECUSED, params={"judge": judge.id})).scalars().all()
    if scored:
        raise Conflict(f"裁判 {judge.number} 已为选手 {'、'.join(scored[:5])} 提交评分，不能事后申报回避："
                       "请裁判长先退回这些评分表，或由监督仲裁组处理")
    await ledger.record(session, judge.event_id, actor, "conflict.declare", f"judge:{judge.id}",
                        {"judge": judge.number, "unit": unit_id, "person": person_id, "reason": conflict.reason})
    return conflict


# Entries a judge is recused from but holds a submitted sheet of (the sheet table is judging's, read by name).
_SCORED_WHILE_RECUSED = text("""
    select distinct e.bib from recusal r join entry e on e.id = r.entry_id
    join sheet s on s.judge_id = r.judge_id and s.entry_id = r.entry_id and s.state = 'submitted'
    where r.judge_id = :judge order by e.bib""")


async def refresh_recusals(session: AsyncSession, track: Track) -> int:
    """Record a recusal for every panel judge of the track who shares a unit with an entry or
    has declared a conflict with its unit or person. Does not commit. Returns how many exist."""
    judges = (await session.exec(
        select(Judge).join(PanelMember, PanelMember.judge_id == Judge.id).join(Panel).join(Stage).join(Round)
        .where(Round.track_id == track.id).distinct())).all()
    if not judges:
        return 0
    conflicts = (await session.exec(select(ConflictOfInterest)
                                    .where(ConflictOfInterest.judge_id.in_([j.id for j in judges])))).all()
    entries = (await session.exec(select(Entry).where(Entry.track_id == track.id))).all()
    members = await teams(session, [e.id for e in entries])
    rows = []
    for judge in judges:
        for entry in entries:
            reason = _recusal_reason(judge, _Parties.of(entry, members.get(entry.id, [])),
                                     [c for c in conflicts if c.judge_id == judge.id])
            if reason:
                rows.append({"judge_id": judge.id, "entry_id": entry.id, "reason": reason})
    await db.insert_many(session, Recusal, rows, conflict=("judge_id", "entry_id"))
    return len(rows)


SAME_UNIT = "裁判与选手同一单位（自动回避）"


async def _drop_unit_recusals(session: AsyncSession, track: Track, which) -> None:
    """Forget the track's same-unit recusals that `which` picks, before refresh_recusals draws them
    again from the units and panels as they now are (a unit or a seat has changed)."""
    await session.exec(delete(Recusal).where(which, Recusal.reason == SAME_UNIT, Recusal.entry_id.in_(
        select(Entry.id).where(Entry.track_id == track.id))))


@dataclass(frozen=True)
class _Parties:
    """Whom an entry stands for: its unit and person, and for a project every member and their unit."""

    unit_ids: frozenset
    person_ids: frozenset

    @classmethod
    def of(cls, entry: Entry, team: Sequence[Teammate]) -> _Parties:
        return cls(frozenset({entry.unit_id, *(m.unit_id for m in team)} - {None}),
                   frozenset({entry.person_id, *(m.person_id for m in team)} - {None}))


def _recusal_reason(judge: Judge, entry: _Parties, conflicts: Sequence[ConflictOfInterest]) -> str | None:
    if judge.unit_id is not None and judge.unit_id in entry.unit_ids:
        return SAME_UNIT
    for c in conflicts:
        if (c.unit_id is not None and c.unit_id in entry.unit_ids) or (
                c.person_id is not None and c.person_id in entry.person_ids):
            return f"申报利害关系：{c.reason}" if c.reason else "申报利害关系"
    return None


async def list_recusals(session: AsyncSession, track: Track) -> Sequence[tuple[Recusal, Judge, Entry]]:
    stmt = (select(Recusal, Judge, Entry).join(Judge, Judge.id == Recusal.judge_id)
            .join(Entry, Entry.id == Recusal.entry_id).where(Entry.track_id == track.id)
            .order_by(Judge.number, Entry.bib))
    return (await session.exec(stmt)).all()


async def remove_panel(session: AsyncSession, panel: Panel, actor: str = "system") -> None:
    track = await _track_of_stage(session, panel.stage_id)
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "panel.remove")
    await session.exec(delete(PanelMember).where(PanelMember.panel_id == panel.id))
    await session.delete(panel)
    await ledger.record(session, track.event_id, actor, "panel.remove", f"panel:{panel.id}",
                        {"track": track.slug, "name": panel.name})
    await session.commit()


# Parsed schemes, one cache per worker for every use, by the MD5 of the scheme's JSON text as stored
# (SCHEME_DIGEST): queries on the hot path read that digest instead of the scheme, and a Round in
# hand gives the same digest from its scheme (it is stored as json.dumps writes it). A Scheme is
# immutable, so rounds with the same scheme share one.
SCHEME_DIGEST = func.md5(cast(Round.scheme, Text))
_schemes: dict[str, Scheme] = {}


def scheme_of(round_: Round) -> Scheme:
    """The round's marking scheme, parsed once per worker and version of the scheme."""
    digest = hashlib.md5(json.dumps(round_.scheme).encode()).hexdigest()
    scheme = _schemes.get(digest)
    return _keep_scheme(digest, round_.scheme) if scheme is None else scheme


async def round_scheme(session: AsyncSession, round_id: int, digest: str) -> Scheme:
    """The round's scheme by the SCHEME_DIGEST a query read along with what it needed: no reading
    or serialising of the scheme while this worker has it parsed."""
    scheme = _schemes.get(digest)
    if scheme is None:
        raw, digest = (await session.exec(select(Round.scheme, SCHEME_DIGEST).where(Round.id == round_id))).one()
        scheme = _keep_scheme(digest, raw)
    return scheme


def _keep_scheme(digest: str, raw: dict) -> Scheme:
    if len(_schemes) > 256:
        _schemes.clear()
    scheme = _schemes[digest] = parse_scheme(raw)
    return scheme
