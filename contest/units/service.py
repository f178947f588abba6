"""Grass-roots unions online: invitations to accounts, what each unit or county account may see
(enforced here, not in the pages), a unit's profile and contacts, and online registration for the
city's contests — checked by the contestant import's own validator, decided by the office, and
entered through the events service that enters contestants."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth, clock, ledger, tables
from contest.errors import Conflict, InputError, NotFound
from contest.events import importers, lifecycle
from contest.events import service as events
from contest.events.models import Entry, Event, Track
from contest.innovations import service as innovations
from contest.innovations.models import InnovationResult
from contest.people import service as people
from contest.people.identity import validate_phone
from contest.people.models import OWNERSHIPS, UNIT_SIZES, Area, Industry, Person, Unit
from contest.registry import service as registry
from contest.studios.models import Studio
from contest.units.models import (
    FILING_STATES,
    Filing,
    FilingParticipant,
    Registration,
    UnitAccount,
    UnitInvitation,
    UnitProfile,
)

INVITATION_LIFETIME = timedelta(days=14)
INDIVIDUAL_LIMIT = 5  # individual registrations from one address within an hour
COUNT_MAX = 1_000_000  # members or workers of one unit


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- invitations and accounts -----------------------------------------------------------------------------


async def invite(session: AsyncSession, *, unit_id: int | None, area_id: int | None, actor: str) -> str:
    """A one-time code inviting a unit (or a county union, for its county's units) to open an
    account; only its hash is kept, so the link can be shown once. Ledgered."""
    if (unit_id is None) == (area_id is None):
        raise InputError("请选择一个单位，或一个县(市、区)工会", "unit_id")
    if unit_id is not None and await session.get(Unit, unit_id) is None:
        raise InputError("所选单位不存在", "unit_id")
    if area_id is not None and await session.get(Area, area_id) is None:
        raise InputError("所选县(市、区)不存在", "area_id")
    code = secrets.token_urlsafe(18)
    invitation = UnitInvitation(code_hash=_digest(code), unit_id=unit_id, area_id=area_id, created_by=actor[:80],
                                expires_at=clock.now() + INVITATION_LIFETIME)
    session.add(invitation)
    await session.flush()
    await ledger.record(session, None, actor, "unit.invite", f"invitation:{invitation.id}",
                        {"unit_id": unit_id, "area_id": area_id})
    await session.commit()
    return code


@dataclass(frozen=True)
class Invited:
    invitation: UnitInvitation
    name: str  # the unit's name, or the county union's


async def open_invitation(session: AsyncSession, code: str, *, lock: bool = False) -> Invited:
    """The invitation the code names, while it is unused and unexpired."""
    stmt = select(UnitInvitation).where(UnitInvitation.code_hash == _digest(code[:64]))
    invitation = (await session.exec(stmt.with_for_update() if lock else stmt)).first()
    if invitation is None:
        raise NotFound("邀请链接")
    if invitation.used_at is not None:
        raise Conflict("此邀请链接已使用过：请用已设置的用户名和密码登录，忘记密码请联系市总工会竞赛办")
    if invitation.expires_at <= clock.now():
        raise Conflict("此邀请链接已过期：请联系市总工会竞赛办重新发送")
    if invitation.unit_id is not None:
        name = (await session.get(Unit, invitation.unit_id)).name
    else:
        name = f"{(await session.get(Area, invitation.area_id)).name}总工会"
    return Invited(invitation, name)


async def accept_invitation(session: AsyncSession, code: str, username: str, password: str,
                            display_name: str = "") -> auth.Account:
    """The unit's (or county's) account, opened with the invitation's one-time code."""
    invited = await open_invitation(session, code, lock=True)
    invitation = invited.invitation
    role = "unit_admin" if invitation.unit_id is not None else "county_admin"
    invitation.used_at = clock.now()
    session.add(invitation)
    # create_account commits the invitation's use with the account (its ledger entry too)
    account = await auth.create_account(session, username, display_name or invited.name, role, password,
                                        f"invitation:{invitation.id}")
    invitation.account_id = account.id
    session.add_all([invitation, UnitAccount(account_id=account.id, unit_id=invitation.unit_id,
                                             area_id=invitation.area_id)])
    await session.commit()
    return account


@dataclass(frozen=True)
class InvitationRow:
    invitation: UnitInvitation
    name: str
    username: str | None


async def list_invitations(session: AsyncSession) -> list[InvitationRow]:
    stmt = (select(UnitInvitation, Unit.name, Area.name, auth.Account.username)
            .outerjoin(Unit, Unit.id == UnitInvitation.unit_id).outerjoin(Area, Area.id == UnitInvitation.area_id)
            .outerjoin(auth.Account, auth.Account.id == UnitInvitation.account_id)
            .order_by(UnitInvitation.created_at.desc()).limit(200))
    return [InvitationRow(inv, unit or f"{area}总工会", username)
            for inv, unit, area, username in (await session.exec(stmt)).all()]


# --- what an account may see ---------------------------------------------------------------------------------


async def units_of(session: AsyncSession, user: auth.Identity) -> Sequence[Unit]:
    """The units an account may see and edit: its own unit, or every unit of its county."""
    scope = await session.get(UnitAccount, user.id) if user.kind == "account" else None
    if scope is None:
        return []
    where = Unit.id == scope.unit_id if scope.unit_id is not None else Unit.area_id == scope.area_id
    return (await session.exec(select(Unit).where(where).order_by(Unit.name))).all()


async def own_unit(session: AsyncSession, user: auth.Identity, unit_id: int) -> Unit:
    """A unit the account may act for; any other is "not found" (its existence is not confirmed)."""
    for unit in await units_of(session, user):
        if unit.id == unit_id:
            return unit
    raise NotFound("单位")


# --- the unit's profile and contacts ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileInput:
    ownership: str | None
    size: str | None
    industry_id: int | None
    members: int | None
    workers: int | None
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""


async def profile_of(session: AsyncSession, unit_id: int) -> UnitProfile:
    return await session.get(UnitProfile, unit_id) or UnitProfile(unit_id=unit_id)


async def save_profile(session: AsyncSession, unit: Unit, data: ProfileInput, actor: str) -> UnitProfile:
    """The unit's profile (ownership, size and industry count in the yearly figures: ledgered)."""
    if data.ownership and data.ownership not in OWNERSHIPS:
        raise InputError("请选择所有制", "ownership")
    if data.size and data.size not in UNIT_SIZES:
        raise InputError("请选择企业规模", "size")
    if data.industry_id is not None and await session.get(Industry, data.industry_id) is None:
        raise InputError("所选行业不存在", "industry_id")
    for value, field, label in ((data.members, "members", "会员人数"), (data.workers, "workers", "职工人数")):
        if value is not None and not 0 <= value <= COUNT_MAX:
            raise InputError(f"{label}应在0至{COUNT_MAX}之间", field)
    if data.members is not None and data.workers is not None and data.members > data.workers:
        raise InputError("会员人数不能多于职工人数", "members")
    name, phone, address = tables.close_gaps(data.contact_name), data.contact_phone.strip(), data.address.strip()
    if len(name) > 40 or len(address) > 200:
        raise InputError("联系人不超过40个字，地址不超过200个字", "contact_name")
    if phone and (problem := validate_phone(phone)):
        raise InputError(problem, "contact_phone")
    profile = await profile_of(session, unit.id)
    before = {"ownership": unit.ownership, "size": unit.size, "industry_id": unit.industry_id,
              "members": profile.members, "workers": profile.workers}
    unit.sqlmodel_update({"ownership": data.ownership or None, "size": data.size or None,
                          "industry_id": data.industry_id})
    profile.sqlmodel_update({"members": data.members, "workers": data.workers, "contact_name": name,
                             "contact_phone": phone, "address": address, "updated_at": clock.now()})
    session.add_all([unit, profile])
    after = {"ownership": unit.ownership, "size": unit.size, "industry_id": unit.industry_id,
             "members": profile.members, "workers": profile.workers}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:  # the contacts are private and never counted: not copied into the ledger
        await ledger.record(session, None, actor, "unit.profile", f"unit:{unit.id}", changed)
    await session.commit()
    return profile


# --- online registration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenTrack:
    event: Event
    track: Track
    taken: int  # entries and registrations waiting


async def _waiting(session: AsyncSession, track_id: int) -> int:
    return (await session.exec(select(func.count()).select_from(Registration).where(
        Registration.track_id == track_id, Registration.state == "pending"))).one()


async def taken(session: AsyncSession, track: Track) -> int:
    return (await events.count_entries(session, [track.id])).get(track.id, 0) + await _waiting(session, track.id)


async def open_tracks(session: AsyncSession) -> list[OpenTrack]:
    """The tracks units and workers may register for now: their event is 报名中 and not past its
    closing day."""
    today = clock.today()
    stmt = (select(Event, Track).join(Track, Track.event_id == Event.id)
            .where(Event.status == "registration")
            .order_by(Event.id, Track.id))
    found = []
    for event, track in (await session.exec(stmt)).all():
        if event.registration_closes is None or event.registration_closes >= today:
            found.append(OpenTrack(event, track, await taken(session, track)))
    return found


async def registrable_track(session: AsyncSession, track_id: int) -> tuple[Event, Track]:
    """A track taking online registrations: the lifecycle's 报名 phase, within the closing day."""
    track = await session.get(Track, track_id) if 0 < track_id < 2**31 else None
    if track is None:
        raise NotFound("赛项")
    event = await session.get(Event, track.event_id)
    lifecycle.require(await lifecycle.track_phase(session, event.id, track.id), "entry.register")
    if event.registration_closes is not None and clock.today() > event.registration_closes:
        raise Conflict(f"网上报名已于{event.registration_closes:%Y年%m月%d日}截止")
    return event, track


@dataclass
class RegistrationReport:
    rows: int
    saved: int
    problems: list[tables.RowProblem]


async def register_file(session: AsyncSession, unit: Unit, track: Track, filename: str, data: bytes, *,
                        id_key: bytes, actor: str) -> RegistrationReport:
    """A unit's workers for a track, from the import's own template: every row checked by the
    import's validator; the good rows wait for the office, the bad ones are refused with reasons."""
    await registrable_track(session, track.id)
    try:
        raw = importers.read_contestants(filename, data)
    except tables.ImportFileError as exc:
        raise InputError(str(exc), "file") from exc
    if not raw:
        raise InputError("文件中没有报名人员", "file")
    area = await session.get(Area, unit.area_id) if unit.area_id else None
    problems = []
    for row in raw:  # a unit enters its own workers: the unit's name (and county) are its own
        named = row.cells.get(importers.UNIT, "")
        if named and named != unit.name:
            problems.append(tables.RowProblem(row.row, importers.UNIT, f"工作单位应为本单位“{unit.name}”，或不填"))
        row.cells[importers.UNIT] = unit.name
        if area is not None and not row.cells.get(importers.AREA):
            row.cells[importers.AREA] = area.name
    bad = {p.row for p in problems}
    return await _register(session, track, [r for r in raw if r.row not in bad], problems, len(raw),
                           unit_id=unit.id, id_key=id_key, actor=actor)


async def register_worker(session: AsyncSession, unit: Unit, track: Track, fields: dict[str, str], *,
                          id_key: bytes, actor: str) -> Registration:
    """One worker typed into the phone form: a one-row file through exactly the same path."""
    report = await register_file(session, unit, track, *importers.form_file(fields), id_key=id_key, actor=actor)
    events.refuse_problems(report.problems)
    return await _latest(session, track.id)


async def register_individual(session: AsyncSession, track: Track, fields: dict[str, str], employer: str, *,
                              address: str, id_key: bytes) -> Registration:
    """A worker without a unit (a courier, a ride-hailing driver, a freelance cook) on the public
    form: their platform or employer named, counted as 新就业形态; a few per address an hour."""
    await registrable_track(session, track.id)
    employer = tables.close_gaps(employer.strip())
    if not employer:
        raise InputError("请填写所在平台或雇主，如“美团外卖”“滴滴出行”或个体餐馆名称", "employer")
    if len(employer) > importers.UNIT_MAX:
        raise InputError(f"平台或雇主名称不能超过{importers.UNIT_MAX}个字", "employer")
    recent = (await session.exec(select(func.count()).select_from(Registration).where(
        Registration.source == address[:64], Registration.created_at > clock.now() - timedelta(hours=1)))).one()
    if recent >= INDIVIDUAL_LIMIT:
        raise Conflict(f"同一网络每小时最多提交{INDIVIDUAL_LIMIT}份个人报名，请稍后再试")
    raw = importers.read_contestants(*importers.form_file({**fields, importers.UNIT: employer, "新就业形态": "是"}))
    report = await _register(session, track, raw, [], 1, unit_id=None, id_key=id_key, actor="个人报名",
                             source=address[:64])
    events.refuse_problems(report.problems)
    return await _latest(session, track.id)


async def _latest(session: AsyncSession, track_id: int) -> Registration:
    return (await session.exec(select(Registration).where(Registration.track_id == track_id)
                               .order_by(Registration.id.desc()).limit(1))).one()


async def _register(session: AsyncSession, track: Track, raw: list[tables.RawRow], problems: list, rows: int, *,
                    unit_id: int | None, id_key: bytes, actor: str, source: str = "") -> RegistrationReport:
    areas = await people.areas_by_name(session)
    check = importers.validate_rows(raw, set(areas), id_key)
    good, found = await events.drop_already_entered(session, track, check)
    waiting = dict((await session.exec(select(Registration.id_hash, Registration.state).where(
        Registration.track_id == track.id, Registration.id_hash.in_([r.id_hash for r in good]),
        Registration.state != "returned"))).all())
    problems = sorted([*problems, *found, *(
        tables.RowProblem(r.row, importers.ID_NUMBER, "此人已在网上报名本赛项，正等待审核")
        for r in good if r.id_hash in waiting)], key=lambda p: p.row)
    good = [r for r in good if r.id_hash not in waiting]
    if good:
        await events.check_capacity(session, track, len(good), "file", waiting=await _waiting(session, track.id))
        # a returned registration may be sent again: the returned one gives way
        await session.exec(Registration.__table__.delete().where(
            Registration.track_id == track.id, Registration.id_hash.in_([r.id_hash for r in good])))
        session.add_all([Registration(
            track_id=track.id, unit_id=unit_id, employer=r.unit_name, name=r.name, gender=r.gender,
            birth_date=r.birth_date, id_hash=r.id_hash, id_masked=r.id_masked, phone_masked=r.phone_masked,
            area=r.area, skill_level=r.skill_level, source=source, **r.groups) for r in good])
        await ledger.record(session, track.event_id, actor, "registration.submit", f"track:{track.id}",
                            {"unit_id": unit_id, "count": len(good)})
        await session.commit()
    return RegistrationReport(rows, len(good), problems)


@dataclass(frozen=True)
class Listed:
    registration: Registration
    track: Track
    event: Event
    unit: str | None


async def list_registrations(session: AsyncSession, *, unit_ids: Sequence[int] | None = None,
                             track_id: int | None = None, state: str | None = None) -> list[Listed]:
    """Registrations, newest first: of some units (a unit's or county's own), of a track, in a state."""
    stmt = (select(Registration, Track, Event, Unit.name).join(Track, Track.id == Registration.track_id)
            .join(Event, Event.id == Track.event_id).outerjoin(Unit, Unit.id == Registration.unit_id))
    if unit_ids is not None:
        stmt = stmt.where(Registration.unit_id.in_(list(unit_ids) or [-1]))
    if track_id is not None:
        stmt = stmt.where(Registration.track_id == track_id)
    if state:
        stmt = stmt.where(Registration.state == state)
    rows = (await session.exec(stmt.order_by(Registration.state != "pending", Registration.id).limit(2000))).all()
    return [Listed(*row) for row in rows]


async def decide(session: AsyncSession, ids: Sequence[int], approve: bool, reason: str, actor: str) -> int:
    """The office approves registrations (they become entries of their tracks through the events
    service, ledgered as entries are) or returns them with a reason. Only waiting ones; all or none."""
    if not ids:
        raise InputError("请勾选要处理的报名", "ids")
    reason = _return_reason(approve, reason, "报名单位")
    found = (await session.exec(select(Registration).where(Registration.id.in_(list(ids)))
                                .order_by(Registration.id).with_for_update())).all()
    if len(found) != len(set(ids)):
        raise NotFound("报名")
    if decided := [r.name for r in found if r.state != "pending"]:
        raise Conflict(f"{'、'.join(decided[:5])}的报名已处理过，请刷新页面")
    now = clock.now()
    for track_id in sorted({r.track_id for r in found}):
        mine = [r for r in found if r.track_id == track_id]
        track = await session.get(Track, track_id)
        entries = await events.enter_checked(session, track, [_row(r) for r in mine], actor) if approve else {}
        for r in mine:
            r.sqlmodel_update({"state": "approved" if approve else "returned", "reason": reason,
                               "decided_by": actor[:80], "decided_at": now, "entry_id": entries.get(r.id_hash)})
        action = "registration.approve" if approve else "registration.return"
        await ledger.record(session, track.event_id, actor, action, f"track:{track.id}",
                            {"registrations": [r.id for r in mine], "reason": reason})
    session.add_all(found)
    await session.commit()
    return len(found)


def _return_reason(accept: bool, reason: str, who: str) -> str:
    """A return says why, in words the unit will read (an approval may say nothing)."""
    reason = reason.strip()
    if not accept and not reason:
        raise InputError(f"退回须填写原因，{who}会看到", "reason")
    if len(reason) > 200:
        raise InputError("原因不能超过200个字", "reason")
    return reason


def _row(r: Registration) -> importers.ContestantRow:
    """A registration as the checked import row it was made from."""
    return importers.ContestantRow(
        row=r.id, name=r.name, gender=r.gender, id_hash=r.id_hash, id_masked=r.id_masked, birth_date=r.birth_date,
        phone_masked=r.phone_masked, phone_hash=None, unit_name=r.employer, area=r.area, skill_level=r.skill_level,
        groups={"front_line": r.front_line, "migrant_worker": r.migrant_worker,
                "new_employment_form": r.new_employment_form})


async def entries_of(session: AsyncSession, track_id: int) -> Sequence[tuple[str, str]]:
    """(bib, name) of a track's entries (what an approved registration became)."""
    return (await session.exec(select(Entry.bib, Person.name).join(Person, Person.id == Entry.person_id)
                               .where(Entry.track_id == track_id).order_by(Entry.bib))).all()


# --- labour-competition filings (劳动竞赛备案) -------------------------------------------------------------------

PERSON_TIMES_MAX = 1_000_000


@dataclass(frozen=True)
class FilingInput:
    theme: str
    starts_on: date
    ends_on: date
    teams: str
    person_times: int | None


def _check_filing(data: FilingInput) -> FilingInput:
    theme, teams = tables.close_gaps(data.theme.strip()), data.teams.strip()
    if not theme:
        raise InputError("请填写竞赛主题", "theme")
    if len(theme) > 200 or len(teams) > 400:
        raise InputError("竞赛主题不超过200个字，参与车间班组不超过400个字", "theme")
    if data.ends_on < data.starts_on:
        raise InputError("结束日期不能早于开始日期", "ends_on")
    if data.person_times is None or not 1 <= data.person_times <= PERSON_TIMES_MAX:
        raise InputError(f"参与人次应为1至{PERSON_TIMES_MAX}之间的整数", "person_times")
    return FilingInput(theme, data.starts_on, data.ends_on, teams, data.person_times)


async def file_competition(session: AsyncSession, unit: Unit, data: FilingInput, actor: str) -> Filing:
    """A unit files its own competition; it waits for its county union or the city's."""
    data = _check_filing(data)
    filing = Filing(unit_id=unit.id, year=data.starts_on.year, theme=data.theme, starts_on=data.starts_on,
                    ends_on=data.ends_on, teams=data.teams, person_times=data.person_times, filed_by=actor[:80])
    session.add(filing)
    await session.flush()
    await ledger.record(session, None, actor, "filing.file", f"filing:{filing.id}",
                        {"unit_id": unit.id, "theme": filing.theme, "person_times": filing.person_times})
    await session.commit()
    return filing


async def own_filing(session: AsyncSession, user: auth.Identity, filing_id: int) -> Filing:
    """A filing of a unit the account may act for (the office: any); others are "not found"."""
    filing = await session.get(Filing, filing_id) if 0 < filing_id < 2**31 else None
    allowed = None if user.role == "organiser" else {u.id for u in await units_of(session, user)}
    if filing is None or allowed is not None and filing.unit_id not in allowed:
        raise NotFound("劳动竞赛备案")
    return filing


async def file_results(session: AsyncSession, filing: Filing, person_times: int | None, awards: str, actor: str,
                       participants: tuple[str, bytes] | None = None, *, id_key: bytes) -> list[tables.RowProblem]:
    """The results: the person-times and awards, and optionally the participants from the contestant
    template (checked by its validator; each person once: then they are the person-times). A filing
    already accepted goes back to its county or the city to be accepted again. Returns the bad rows
    (nothing is saved while there are any)."""
    awards = awards.strip()
    if len(awards) > 1000:
        raise InputError("奖励情况不超过1000个字", "awards")
    listed = None
    if participants is not None:
        try:
            raw = importers.read_contestants(*participants)
        except tables.ImportFileError as exc:
            raise InputError(str(exc), "file") from exc
        for row in raw:  # the unit's own workers: the unit's name need not be typed
            row.cells[importers.UNIT] = row.cells.get(importers.UNIT) or "本单位"
        check = importers.validate_rows(raw, set(await people.areas_by_name(session)), id_key)
        if check.problems:
            return check.problems
        if not check.good:
            raise InputError("文件中没有参与职工", "file")
        listed = check.good
    counted = len(listed) if listed is not None else person_times
    if counted is None or not 1 <= counted <= PERSON_TIMES_MAX:
        raise InputError(f"参与人次应为1至{PERSON_TIMES_MAX}之间的整数", "person_times")
    if listed is not None:
        await session.exec(FilingParticipant.__table__.delete().where(FilingParticipant.filing_id == filing.id))
        session.add_all([FilingParticipant(filing_id=filing.id, id_hash=r.id_hash, gender=r.gender, **r.groups)
                         for r in listed])
    before = filing.person_times
    filing.sqlmodel_update({"person_times": counted, "awards": awards, "results_filed": True,
                            "state": "filed", "reason": ""})
    session.add(filing)
    await ledger.record(session, None, actor, "filing.results", f"filing:{filing.id}",
                        {"person_times": [before, counted], "listed": listed is not None})
    await session.commit()
    return []


async def decide_filing(session: AsyncSession, user: auth.Identity, filing_id: int, accept: bool, reason: str,
                        actor: str) -> Filing:
    """The county union (for its county's units) or the city's accepts a filing — it then counts in
    the yearly figures — or returns it with a reason; never the unit itself. Ledgered."""
    filing = await own_filing(session, user, filing_id)
    if user.role not in ("organiser", "county_admin"):
        raise NotFound("劳动竞赛备案")
    reason = _return_reason(accept, reason, "单位")
    if filing.state != "filed":
        raise Conflict(f"此备案{FILING_STATES[filing.state]}，不能再次处理")
    filing.sqlmodel_update({"state": "accepted" if accept else "returned", "reason": reason,
                            "decided_by": actor[:80], "decided_at": clock.now()})
    session.add(filing)
    await ledger.record(session, None, actor, "filing.accept" if accept else "filing.return", f"filing:{filing.id}",
                        {"person_times": filing.person_times, "reason": reason})
    await session.commit()
    return filing


@dataclass(frozen=True)
class ListedFiling:
    filing: Filing
    unit: str
    listed: int  # participants listed by ID


async def list_filings(session: AsyncSession, *, unit_ids: Sequence[int] | None = None,
                       state: str | None = None) -> list[ListedFiling]:
    listed = (select(func.count()).select_from(FilingParticipant)
              .where(FilingParticipant.filing_id == Filing.id).scalar_subquery())
    stmt = select(Filing, Unit.name, listed).join(Unit, Unit.id == Filing.unit_id)
    if unit_ids is not None:
        stmt = stmt.where(Filing.unit_id.in_(list(unit_ids) or [-1]))
    if state:
        stmt = stmt.where(Filing.state == state)
    rows = (await session.exec(stmt.order_by(Filing.state != "filed", Filing.id.desc()).limit(1000))).all()
    return [ListedFiling(*row) for row in rows]


# --- coverage (覆盖面): the union office's dashboard --------------------------------------------------------------

_COVERAGE = """
    select coalesce({label}, '未填'), count(*), count(*) filter (where u.id = any(cast(:ids as int[])))
    from unit u left join area a on a.id = u.area_id
    group by 1 order by 2 desc, 1"""
COVERAGE_GROUPS = {"area": ("按县(市、区)", "a.name"), "ownership": ("按所有制", "u.ownership"),
                   "size": ("按企业规模", "u.size")}
TREND_YEARS = 5


@dataclass(frozen=True)
class CoverageLine:
    label: str
    units: int
    took_part: int


@dataclass(frozen=True)
class Coverage:
    """How far the year's labour competitions reached: units that took part (a city contest's entry
    or an accepted filing of their own) of all units, by county, ownership and size; the person-times
    and groups as the yearly report counts them (one way of counting), and the years before."""

    report: registry.CompetitionReport
    units: int
    took_part: int
    groups: dict[str, list[CoverageLine]]
    trend: list[registry.CompetitionReport]


async def coverage(session: AsyncSession, year: int) -> Coverage:
    report = await registry.competition_report(session, year)
    ids = sorted(report.entry_units | report.filings.unit_ids)
    groups = {}
    for key, (_, column) in COVERAGE_GROUPS.items():
        labels = {"ownership": OWNERSHIPS, "size": UNIT_SIZES}.get(key, {})
        rows = (await session.exec(text(_COVERAGE.format(label=column)), params={"ids": ids})).all()
        groups[key] = [CoverageLine(labels.get(label, label), units, took) for label, units, took in rows]
    units = sum(line.units for line in groups["area"])
    trend = [await registry.competition_report(session, y) for y in range(year - TREND_YEARS + 1, year)] + [report]
    return Coverage(report, units, len(ids), groups, trend)


def share(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def coverage_xlsx(c: Coverage) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{c.report.year}年度覆盖面"
    r = c.report
    for row in ([f"{r.year}年度劳动竞赛覆盖面"], ["参与单位", c.took_part], ["单位总数", c.units],
                ["参与率", share(c.took_part, c.units)], ["劳动竞赛参与人次（全市竞赛与单位备案）", r.labour_times],
                ["其中：全市竞赛参赛人次", r.person_times], ["其中：单位备案竞赛人次", r.filings.person_times],
                ["女职工（人次）", r.women], ["农民工（人次）", r.migrant],
                ["新就业形态劳动者（人次）", r.new_employment]):
        tables.append_row(sheet, row)
    for key, lines in c.groups.items():
        tables.append_row(sheet, [])
        tables.append_row(sheet, [COVERAGE_GROUPS[key][0], "单位总数", "参与单位", "参与率"])
        for line in lines:
            tables.append_row(sheet, [line.label, line.units, line.took_part, share(line.took_part, line.units)])
    tables.append_row(sheet, [])
    tables.append_row(sheet, ["年度", "劳动竞赛参与人次", "参与单位", "女职工（人次）", "农民工（人次）",
                              "新就业形态（人次）"])
    for t in c.trend:
        tables.append_row(sheet, [t.year, t.labour_times, t.labour_units, t.women, t.migrant, t.new_employment])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- a unit's own innovation results (五小, 合理化建议, 先进操作法, 创新成果) --------------------------------------


async def submit_innovation(session: AsyncSession, unit: Unit, data: innovations.Submission,
                            uploads: Sequence[innovations.Upload], store: Path, actor: str,
                            account_id: int) -> InnovationResult:
    """A result a unit submits itself: for its own people and a studio it hosts, under its own name
    (whatever the form said); its account may then fetch the attachments it sent."""
    authors = (await session.exec(select(Person.unit_id).where(Person.id.in_(data.author_ids)))).all()
    if any(unit_id != unit.id for unit_id in authors):
        raise InputError("完成人须是本单位职工", "authors")
    studio = await session.get(Studio, data.studio_id) if data.studio_id is not None else None
    if studio is not None and studio.host_unit_id != unit.id:
        raise InputError("只能选择本单位的创新工作室", "studio_id")
    return await innovations.submit(session, replace(data, unit_id=unit.id), actor, uploads, store,
                                    owner_account_id=account_id)


async def own_studios(session: AsyncSession, unit: Unit) -> Sequence[Studio]:
    return (await session.exec(select(Studio).where(Studio.host_unit_id == unit.id).order_by(Studio.name))).all()
