"""Judges' pledges (裁判员承诺书): on a judge's first sign-in for an event the tablet shows the
event's pledge and asks for any relation to a unit or a contestant; the judge accepts, each
relation becomes a conflict of interest (which recuses), and both are ledgered. A judge who has
not accepted cannot score: the sheets service refuses (see sheets.require_pledged)."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger
from contest.errors import Conflict, InputError
from contest.events import service as events
from contest.events.models import DEFAULT_PLEDGE, Entry, Event, Judge, Track
from contest.judging.models import JudgePledge
from contest.judging.service.judges import actor_of
from contest.people.models import Person, Unit

MAX_RELATION = 200  # characters of the relation the judge describes


def pledge_text(event: Event) -> str:
    return event.pledge.strip() or DEFAULT_PLEDGE


def pledge_digest(text: str) -> str:
    """What the tablet's form sends back to say which text the judge read (a form would send the
    text itself with its line breaks changed)."""
    return hashlib.sha256(text.encode()).hexdigest()


def current_pledge(event: Event) -> str:
    """The digest of the event's pledge as it reads now (for a judge accepting it off the tablet)."""
    return pledge_digest(pledge_text(event))


async def pledge_of(session: AsyncSession, judge: Judge) -> JudgePledge | None:
    return (await session.exec(select(JudgePledge).where(JudgePledge.judge_id == judge.id))).first()


@dataclass(frozen=True)
class Relations:
    """What a judge may declare a relation to: the units of the event's contestants, and its
    contestants once drawn (by track and admission number)."""

    units: Sequence[Unit]
    entries: Sequence[tuple[Entry, Track, str]]  # entry, its track, the contestant's name


async def relations(session: AsyncSession, event: Event) -> Relations:
    units = (await session.exec(select(Unit).where(Unit.id.in_(
        select(Entry.unit_id).join(Track).where(Track.event_id == event.id))).order_by(Unit.name))).all()
    entries = (await session.exec(select(Entry, Track, Person.name).join(Track).join(Person)
                                  .where(Track.event_id == event.id, Entry.blind_code.is_not(None))
                                  .order_by(Track.id, Entry.bib))).all()
    return Relations(units, entries)


async def accept_pledge(session: AsyncSession, judge: Judge, event: Event, shown: str, unit_ids: Sequence[int],
                        entry_ids: Sequence[int], relation: str, device: str = "") -> JudgePledge:
    """The judge accepts the pledge as shown (`shown`: its pledge_digest) and declares relations
    (none is a declaration too);
    each relation becomes a conflict of interest in the same transaction, ledgered with the pledge."""
    if await pledge_of(session, judge) is not None:
        raise Conflict("您已签署本次竞赛的裁判员承诺书")
    text = pledge_text(event)
    if shown != pledge_digest(text):
        raise Conflict("承诺书内容已由组织方更新，请刷新后重新阅读")
    relation = relation.strip()
    if len(relation) > MAX_RELATION:
        raise InputError(f"关系说明不能超过{MAX_RELATION}字", "relation")
    if (unit_ids or entry_ids) and not relation:
        raise InputError("请说明与所选单位或选手的关系（如：同事、师徒、亲属）", "relation")
    known = await relations(session, event)
    units = {u.id: u for u in known.units}
    entries = {e.id: (e, t, name) for e, t, name in known.entries}
    if any(u not in units for u in unit_ids) or any(e not in entries for e in entry_ids):
        raise InputError("所选单位或选手不属于本次竞赛", "unit_ids")
    declared = [f"单位 {units[u].name}（{relation}）" for u in dict.fromkeys(unit_ids)]
    declared += [f"选手 {entries[e][1].name} {entries[e][0].bib} {entries[e][2]}（{relation}）"
                 for e in dict.fromkeys(entry_ids)]
    for u in dict.fromkeys(unit_ids):
        await events.add_conflict(session, judge, u, None, f"裁判申报：{relation}", actor_of(judge))
    for e in dict.fromkeys(entry_ids):
        await events.add_conflict(session, judge, None, entries[e][0].person_id, f"裁判申报：{relation}",
                                  actor_of(judge))
    pledge = JudgePledge(judge_id=judge.id, pledge=text, declared=declared, device=device[:120])
    session.add(pledge)
    await ledger.append(session, event_id=event.id, actor=actor_of(judge), device=device[:120],
                        action="judge.pledge", subject=f"judge:{judge.id}",
                        payload={"judge": judge.number, "pledge": text, "declared": declared})
    await session.commit()
    return pledge


async def pledges(session: AsyncSession, event: Event) -> Sequence[tuple[Judge, JudgePledge | None]]:
    """Every judge of the event (people, not the platform) with their pledge, if accepted: for the
    organiser and the chief judge."""
    return (await session.exec(select(Judge, JudgePledge).outerjoin(JudgePledge, JudgePledge.judge_id == Judge.id)
                               .where(Judge.event_id == event.id, Judge.platform.is_(False))
                               .order_by(Judge.number))).all()
