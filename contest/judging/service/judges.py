"""Judges: sign-in by event code, number and PIN (or a QR link), the stages a judge sits on, and
the queue of entries a judge scores there (by blind code only)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, join
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth, scoring
from contest.errors import InputError, NotFound, TooManyAttempts
from contest.events import service as events
from contest.events.models import Entry, Event, Judge, Panel, PanelMember, Recusal, Round, Stage, Track
from contest.judging.models import Sheet

SIGN_IN_FAILED = "活动代码、裁判编号或PIN不正确"  # the same whichever of the three is wrong
UNLOCK_HINT = "；也可扫描登录卡上的二维码登录，或请组织方在裁判名单中解锁"


async def sign_in(session: AsyncSession, event_code: str, number: str, pin: str, address: str) -> Judge:
    """Event code + judge number + PIN. Every failure says the same (nothing tells a real judge
    number from a wrong PIN) and how many tries are left (counted alike for a made-up judge),
    and attempts are throttled per judge and address (auth.LIMITS):
    five wrong from one address pause that judge there for 15 minutes, unless the organiser
    unlocks; the QR link on the judge's card still works meanwhile."""
    async def lookup(db: AsyncSession) -> tuple[str | None, Judge | None]:
        judge = (await db.exec(select(Judge).join(Event).where(
            Event.judge_code == event_code.strip(), Judge.number == events.judge_number(number),
            Judge.platform.is_(False)))).first()
        return (judge.pin_hash, judge) if judge is not None else (None, None)

    try:
        attempt = await auth.checked_sign_in(session, events.judge_sign_in_key(event_code, number), address,
                                             pin.strip()[:64], lookup)
    except TooManyAttempts as exc:
        exc.message += UNLOCK_HINT
        raise
    if attempt.found is None:
        raise InputError(failed_sign_in(attempt.tries_left))
    return attempt.found


def failed_sign_in(tries_left: int) -> str:
    """What a failed judge sign-in says: the same for a wrong event code, judge number or PIN."""
    if tries_left > 0:
        return f"{SIGN_IN_FAILED}，还可尝试{tries_left}次"
    return f"{SIGN_IN_FAILED}，登录已暂停{auth.LIMITS['pair'].window.seconds // 60}分钟{UNLOCK_HINT}"


async def judge_by_token(session: AsyncSession, token: str) -> Judge:
    judge = (await session.exec(select(Judge).where(Judge.login_token == token))).first()
    if judge is None:
        raise NotFound("登录二维码已失效，请向组织方索取新的登录卡。该链接")
    return judge


# --- what a judge may score ------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """A stage a judge sits on, with what is needed to score it."""

    stage: Stage
    round: Round
    track: Track
    scheme: scoring.Scheme
    is_chief: bool

    @property
    def scheme_stage(self) -> scoring.Stage:
        return next(s for s in self.scheme.stages if s.key == self.stage.key)

    @property
    def criteria(self) -> tuple:
        return self.scheme_stage.criteria


# A judge's seats: panel memberships with the stage, round and track of each.
PANEL_SEATS = (join(PanelMember, Panel, Panel.id == PanelMember.panel_id).join(Stage, Stage.id == Panel.stage_id)
                .join(Round, Round.id == Stage.round_id).join(Track, Track.id == Round.track_id))
_SEATS = select(Stage, Round, Track, PanelMember.is_chief).select_from(PANEL_SEATS)
_SEAT = _SEATS.add_columns(Judge).join(Judge, Judge.id == PanelMember.judge_id).where(
    Judge.id == bindparam("judge"), Judge.event_id == bindparam("event"), Stage.id == bindparam("stage"))


async def assignments(session: AsyncSession, judge: Judge) -> list[Assignment]:
    rows = (await session.exec(_SEATS.where(PanelMember.judge_id == judge.id)
                               .order_by(Track.id, Round.seq, Stage.seq))).all()
    return [Assignment(stage, round_, track, events.scheme_of(round_), chief)
            for stage, round_, track, chief in rows]


async def seat(session: AsyncSession, judge_id: int, event_id: int, stage_id: int) -> tuple[Judge, Assignment]:
    """A judge of the event and a stage the judge sits on, in one query."""
    row = (await session.exec(_SEAT, params={"judge": judge_id, "event": event_id, "stage": stage_id})).first()
    if row is None:
        raise NotFound("您所在裁判组的评分环节")
    stage, round_, track, chief, judge = row
    return judge, Assignment(stage, round_, track, events.scheme_of(round_), chief)


async def assignment(session: AsyncSession, judge: Judge, stage_id: int) -> Assignment:
    return (await seat(session, judge.id, judge.event_id, stage_id))[1]


@dataclass(frozen=True)
class QueueItem:
    entry_id: int
    blind_code: str
    running_order: int | None
    state: str  # not_started, draft, submitted, reopened


async def queue(session: AsyncSession, judge: Judge, stage: Stage, track: Track) -> list[QueueItem]:
    """The entries the judge scores in a stage, by blind code and running order only; entries
    from the judge's own unit or a declared conflict never reach the judge."""
    recused = select(Recusal.entry_id).where(Recusal.judge_id == judge.id)
    rows = (await session.exec(
        select(Entry.id, Entry.blind_code, Entry.running_order, Sheet.state)
        .outerjoin(Sheet, (Sheet.entry_id == Entry.id) & (Sheet.stage_id == stage.id) & (Sheet.judge_id == judge.id))
        .where(Entry.track_id == track.id, Entry.blind_code.is_not(None),
               Entry.status.in_(("registered", "checked_in")), Entry.id.not_in(recused))
        .order_by(Entry.running_order, Entry.blind_code))).all()
    return [QueueItem(i, code, order, state or "not_started") for i, code, order, state in rows]


def actor_of(judge: Judge) -> str:
    return actor_name(judge.id, judge.number, judge.name)


def actor_name(judge_id: int, number: str, name: str) -> str:
    """A judge as the ledger names the actor."""
    return f"judge:{judge_id} {number} {name}"
