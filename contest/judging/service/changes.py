"""Changes to a running contest that move results: an entry withdrawn, absent (缺考), disqualified or
reinstated, and a round's scheme edited or corrected. Each is checked against the lifecycle,
carries its reason to the ledger and recomputes the results it moves, in one transaction."""
from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, notify
from contest.errors import InputError
from contest.events import lifecycle
from contest.events import service as events
from contest.events.models import ENTRY_STATUSES, Entry, Round, SchemeVersion, Track
from contest.judging.service.results import recompute_round


async def change_entry_status(session: AsyncSession, entry: Entry, status: str, reason: str, actor: str) -> Entry:
    """Withdraw an entry (退赛), record it absent (缺考), disqualify it (取消资格) or reinstate it, with a
    reason: ledgered, and its results recomputed so that ranks and awards follow at once."""
    action = lifecycle.ENTRY_STATUS_ACTIONS.get(status)
    if action is None:
        raise InputError(f"参赛状态取值无效：{status}", "status")
    track = await session.get(Track, entry.track_id)
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), action)
    reason = reason.strip()
    if not reason:
        raise InputError(f"请填写{lifecycle.ACTIONS[action].label}的原因", "reason")
    if entry.status == status or (status == "registered" and entry.status == "checked_in"):
        raise InputError(f"选手 {entry.bib} 已是“{ENTRY_STATUSES[entry.status]}”", "status")
    await ledger.record(session, track.event_id, actor, "entry.status", f"entry:{entry.id}", {
        "track": track.slug, "bib": entry.bib, "from": entry.status, "to": status, "reason": reason[:200]})
    entry.status, entry.status_reason = status, reason[:200]
    session.add(entry)
    await session.flush()
    for round_ in await events.list_rounds(session, track):
        await recompute_round(session, round_, [entry.id])
    await notify.announce(session, track.id)
    await session.commit()
    return entry


async def save_scheme(session: AsyncSession, round_: Round, scheme: dict, reason: str,
                      actor: str) -> SchemeVersion | None:
    """A round's scheme saved as its next version. Before the round's first sheet this is an edit;
    after it, a correction: it needs a reason and recomputes every result of the round; once a
    stage of the round is signed off it is refused until the chief judge withdraws the sign-off
    (and after publication, only within a correction). None if the scheme did not change."""
    track = await session.get(Track, round_.track_id)
    phase = await lifecycle.round_phase(session, track.event_id, round_.id)
    if lifecycle.refusal(phase, "scheme.edit") is None:
        version = await events.save_scheme_version(session, track, round_, scheme, actor, reason.strip())
        await notify.announce(session, track.id)
        await session.commit()
        return version
    lifecycle.require(phase, "scheme.correct")
    if not reason.strip():
        raise InputError("评分开始后更改评分标准属于更正，请填写更正原因", "reason")
    version = await events.save_scheme_version(session, track, round_, scheme, actor, reason.strip())
    if version is not None:
        await recompute_round(session, round_)
        await notify.announce(session, track.id)
    await session.commit()
    return version


async def entry_of_track(session: AsyncSession, track: Track, bib: str) -> Entry:
    entry = (await session.exec(select(Entry).where(Entry.track_id == track.id, Entry.bib == bib))).first()
    if entry is None:
        raise InputError(f"赛项 {track.name} 没有参赛证号为 {bib} 的选手", "bib")
    return entry
