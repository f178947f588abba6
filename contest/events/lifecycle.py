"""The one lifecycle of an event and of each of its tracks — 筹备 → 报名 → 抽签 → 评分 → 签字确认 → 公示 → 最终 —
and the one table of what each phase allows.

Every service that changes what a contest is made of asks `require(phase, action)` before it writes
(a refusal is a 409 that says why and what to do instead); every admin page asks `refusal(phase,
action)` for each control and shows it disabled with the same words. A phase is not stored: it
follows from facts the platform keeps anyway — the event's status, the sheets, the sign-offs, the
notice and an open correction (更正) — read in one query by `track_phase` or `event_phase`. Later
modules' tables (sheet, stage_signoff, notice, correction) are read by name in SQL, so `events`
still imports none of them.

While a correction of published results is open, the phase stays 公示 or 最终 but `inner` says where
the corrected track stands again (评分 after its sign-off was withdrawn, 签字确认 once re-signed);
the actions a correction may take are judged by that inner phase."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.errors import Conflict

PHASES = {"draft": "筹备", "registration": "报名", "draw": "抽签", "scoring": "评分", "signoff": "签字确认",
          "notice": "公示", "final": "最终"}
# Why a phase refuses a change, said first in every refusal.
_WHY = {
    "draft": "活动尚在筹备中",
    "registration": "活动正在报名",
    "draw": "报名已截止，评分尚未开始",
    "scoring": "评分已开始（已有评分表）",
    "signoff": "成绩已由裁判长签字确认",
    "notice": "成绩正在公示",
    "final": "成绩已是最终成绩",
}
CORRECTION_ADVICE = "如确需更改，请先在“成绩发布”页发起更正（填写原因），更正后发布更正公示"


@dataclass(frozen=True)
class Phase:
    key: str  # a PHASES key
    inner: str | None = None  # while a correction is open: the phase the corrected results stand at

    @property
    def label(self) -> str:
        return PHASES[self.key]

    @property
    def correcting(self) -> bool:
        return self.inner is not None

    @property
    def published(self) -> bool:
        return self.key in ("notice", "final")


def phase_of(status: str, sheets: bool, signed: bool, noticed: bool, final: bool, correcting: bool) -> Phase:
    """The phase that these facts put an event or a track in."""
    if noticed:
        inner = phase_of(status, sheets, signed, False, False, False).key if correcting else None
        return Phase("final" if final else "notice", inner)
    if status in ("draft", "registration"):
        return Phase(status)
    if signed:
        return Phase("signoff")
    return Phase("scoring" if sheets else "draw")


@dataclass(frozen=True)
class Rule:
    label: str  # the change, as the organiser's button says it
    phases: frozenset[str]
    correction: bool | None = None  # True: also while a correction is open (judged by its inner
    #                                 phase); False: never while one is open; None: as `phases` say
    instead: str = ""  # what to do instead, said after a refusal outside a correction


def _rule(label: str, phases: str, correction: bool | None = None, instead: str = "") -> Rule:
    return Rule(label, frozenset(phases.split()), correction, instead)


_BEFORE_NOTICE = "draft registration draw scoring signoff"
_SIGN_OFF_FIRST = "请裁判长先撤回签字确认（须填写原因），再做更改"

# The table: every change an organiser, a chief judge or a judge can make to a contest.
ACTIONS: dict[str, Rule] = {
    "event.edit": _rule("修改活动信息", _BEFORE_NOTICE, True),
    "event.to_draft": _rule("退回筹备", "registration", False, "已开始抽签或评分的活动不能退回筹备"),
    "event.to_registration": _rule("开始报名或退回报名", "draft draw", False,
                                   "补报选手须在评分开始前；选手退赛或缺考，请在赛项页变更参赛状态"),
    "event.to_running": _rule("开始比赛", "registration scoring signoff", False),
    "event.to_review": _rule("进入审核", "scoring signoff", False, "评分开始后才能进入审核"),
    "track.add": _rule("添加赛项", "draft registration", False,
                       "报名截止后不能再添加赛项；如确需添加，请先将活动退回“报名中”"),
    "round.add": _rule("添加轮次", _BEFORE_NOTICE, False),
    "entry.add": _rule("添加或导入选手", "draft registration", False,
                       "报名已截止；如确需补报，请先将活动退回“报名中”（评分开始前），补报后重新抽签"),
    "entry.register": _rule("网上报名", "registration", False, "网上报名只在活动“报名中”时开放"),
    "entry.edit": _rule("修改选手信息", _BEFORE_NOTICE, True),
    "entry.withdraw": _rule("登记退赛", "draft registration draw scoring", True, _SIGN_OFF_FIRST),
    "entry.absent": _rule("登记缺考", "draw scoring", True, "缺考在比赛开始后（抽签后）、签字确认前登记"),
    "entry.disqualify": _rule("取消资格", "registration draw scoring", True, _SIGN_OFF_FIRST),
    "entry.reinstate": _rule("恢复参赛", "draft registration draw scoring", True, _SIGN_OFF_FIRST),
    "draw": _rule("抽签", "draft registration draw", False, "评分开始后抽签结果即为最终结果，不能重新抽签"),
    "draw.late": _rule("为补报选手抽签", "draft registration draw scoring", True, _SIGN_OFF_FIRST),
    "scheme.edit": _rule("直接修改评分标准", "draft registration draw", False,
                         "评分开始后评分标准已冻结：请改用“更正评分标准”，填写原因，保存为新版本并重算本轮全部成绩"),
    "scheme.correct": _rule("更正评分标准", "scoring", True, "评分开始前可直接修改评分标准，无需更正"),
    "judge.add": _rule("添加裁判", "draft registration draw scoring", False),
    "judge.access": _rule("重新生成裁判登录卡", _BEFORE_NOTICE, True),
    "panel.create": _rule("建立裁判组", "draft registration draw scoring", True, _SIGN_OFF_FIRST),
    "panel.remove": _rule("撤销裁判组", "draft registration draw", False, "评分开始后裁判组不能撤销，其评分表仍然有效"),
    "panel.edit": _rule("修改裁判组", "draft registration draw", False,
                        "评分开始后裁判组成员不能增减，只能替换裁判（须填写原因）"),
    "panel.replace": _rule("替换裁判", "draft registration draw scoring", True, _SIGN_OFF_FIRST),
    "conflict.declare": _rule("申报利害关系（回避）", "draft registration draw scoring", True, _SIGN_OFF_FIRST),
    "sheet.write": _rule("评分", "draw scoring", True, "比赛开始（活动进入“比赛中”）后才能评分"),
    "recheck.draw": _rule("抽取复核名单", "scoring", True),
    "recheck.record": _rule("记录复核结果", "scoring", True),
    "signoff": _rule("签字确认", "scoring", True),
    "signoff.withdraw": _rule("撤回签字确认", "scoring signoff", True),
    "title.edit": _rule("修改称号规则", _BEFORE_NOTICE, True),
    "notice.publish": _rule("发布公示", "signoff", False,
                            "全部环节由裁判长签字确认、活动进入“审核中”后才能发布公示"),
    "appeal.lodge": _rule("登记申诉", "notice", None, "只能在公示期内受理申诉"),
    "appeal.decide": _rule("处理申诉", "notice", None, "只能在公示期内处理申诉"),
    "finalise": _rule("确定最终成绩", "notice", False, "公示期满、申诉处理完毕后才能确定最终成绩"),
    "correction.open": _rule("发起更正", "notice final", False, "成绩公示后才需要更正；公示前可直接修改"),
    "correction.issue": _rule("发布更正公示", "signoff", True, "须先由裁判长重新签字确认更正涉及的全部环节"),
    "certificates.issue": _rule("颁发证书", "final", False, "成绩确定为最终成绩后才能颁发证书"),
    # A certificate follows the notice: revoked or reissued when a correction changes what it prints;
    # by hand only within a correction (a revoked one still owed an award is reissued when it is issued).
    "certificate.revoke": _rule("撤销证书", "scoring signoff", True, "证书随更正公示撤销或重新颁发"),
    "board.freeze": _rule("冻结或揭晓榜单", "scoring signoff notice final", None, "评分开始后才能冻结榜单"),
}


# An entry's status changes, each the action the table judges it by.
ENTRY_STATUS_ACTIONS = {"withdrawn": "entry.withdraw", "absent": "entry.absent", "disqualified": "entry.disqualify",
                        "registered": "entry.reinstate"}


def refusal(phase: Phase, action: str) -> str | None:
    """Why the action is not allowed in this phase (and what to do instead), or None if it is."""
    rule = ACTIONS[action]
    if phase.correcting and rule.correction is not None:
        if not rule.correction:
            return f"更正进行中，不能{rule.label}：请先在“成绩发布”页发布更正公示"
        if phase.inner in rule.phases:
            return None
        why = "签字确认已撤回、尚未重新签字确认" if phase.inner == "scoring" else _WHY[phase.inner]
        return _said(why, rule, _instead(rule, phase.inner))
    if phase.key in rule.phases:
        return None
    if action == "correction.issue":
        return "没有进行中的更正"
    if phase.published and rule.correction:
        return _said(_WHY[phase.key], rule, CORRECTION_ADVICE)
    if phase.published and not rule.phases & {"notice", "final"}:
        return _said(_WHY[phase.key], rule, "")  # the advice for earlier phases no longer applies
    return _said(_WHY[phase.key], rule, _instead(rule, phase.key))


def _instead(rule: Rule, phase_key: str) -> str:
    """What to do instead: once signed off, a change that scoring allows waits for the sign-off's
    withdrawal (whatever the rule says of the phases before scoring)."""
    return _SIGN_OFF_FIRST if phase_key == "signoff" and "scoring" in rule.phases else rule.instead


def _said(why: str, rule: Rule, instead: str) -> str:
    return f"{why}，不能{rule.label}。" + (f"{instead}。" if instead else "")


def require(phase: Phase, action: str) -> None:
    """Raise a 409 that says why, unless the phase allows the action."""
    message = refusal(phase, action)
    if message:
        raise Conflict(message)


class Controls:
    """What a page needs to show each control enabled, or disabled with its reason: the phase and
    the same table the services ask."""

    def __init__(self, phase: Phase) -> None:
        self.phase = phase

    def refusal(self, action: str) -> str | None:
        return refusal(self.phase, action)


# --- the facts a phase follows from ---------------------------------------------------------------------

_OPEN_CORRECTION = "exists(select 1 from correction c where c.event_id = e.id and c.closed_at is null)"
_FACTS = """
    select e.status,
        exists(select 1 from sheet s join stage st on st.id = s.stage_id join round r on r.id = st.round_id
               join track t on t.id = r.track_id where {scope}) as sheets,
        coalesce((select {signed} from stage st join round r on r.id = st.round_id join track t on t.id = r.track_id
                  left join stage_signoff so on so.stage_id = st.id where {scope}), false) as signed,
        n.id is not null as noticed, n.finalised_at is not null as final,
        """ + _OPEN_CORRECTION + """ as correcting
    from event e left join notice n on n.event_id = e.id
    where e.id = :event"""
_ALL_SIGNED = "count(*) > 0 and count(*) = count(so.id)"
_TRACK_FACTS = text(_FACTS.format(scope="t.id = :track", signed=_ALL_SIGNED)).bindparams(
    bindparam("event"), bindparam("track"))
# A round stands at 签字确认 from its first signed stage: its scheme then no longer changes.
_ROUND_FACTS = text(_FACTS.format(scope="r.id = :round", signed="count(so.id) > 0")).bindparams(
    bindparam("event"), bindparam("round"))
# An event stands at 签字确认 when every stage of every track is signed and its scoring is over
# (under review, or published: where a correction stands once it is signed again).
_EVENT_FACTS = text(_FACTS.format(scope="t.event_id = e.id",
                                  signed=_ALL_SIGNED + " and e.status in ('review', 'published', 'closed')")
                    ).bindparams(bindparam("event"))


async def _phase(session: AsyncSession, query, **params) -> Phase:
    row = (await session.exec(query, params=params)).one()
    return phase_of(*row)


async def track_phase(session: AsyncSession, event_id: int, track_id: int) -> Phase:
    return await _phase(session, _TRACK_FACTS, event=event_id, track=track_id)


async def round_phase(session: AsyncSession, event_id: int, round_id: int) -> Phase:
    """The phase of one round of a track (its own sheets and sign-offs): what its scheme may undergo."""
    return await _phase(session, _ROUND_FACTS, event=event_id, round=round_id)


async def event_phase(session: AsyncSession, event_id: int) -> Phase:
    return await _phase(session, _EVENT_FACTS, event=event_id)


_SIGNED = text("select st.id from stage st join stage_signoff so on so.stage_id = st.id where st.round_id = :round")


async def signed_stages(session: AsyncSession, round_id: int) -> set[int]:
    """The ids of a round's stages that the chief judge has signed off."""
    return set((await session.exec(_SIGNED, params={"round": round_id})).scalars())


def published_only(phase: Phase) -> Phase:
    """The phase with an open correction's inner phase forgotten (what the public sees)."""
    return replace(phase, inner=None)


# --- the event's status: the organiser's steps along the lifecycle ------------------------------------------

# The organiser moves an event's status one step at a time; 公示 and 最终 are reached only through the
# publication desk (发布公示, 确定最终成绩), which check the notice period and the appeals.
STATUS_STEPS = {
    "draft": {"registration": "event.to_registration"},
    "registration": {"draft": "event.to_draft", "running": "event.to_running"},
    "running": {"registration": "event.to_registration", "review": "event.to_review"},
    "review": {"running": "event.to_running"},
    "published": {},
    "closed": {},
}
