"""A scorer's pass over paper score sheets from a marks file (CSV or XLSX with the scoring
engine's columns entry,stage,criterion,judge,mark — or their Chinese headers). Every row is
checked first and every bad row is reported with its row number; nothing is entered while any is bad."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import tables
from contest.auth import Account, Identity
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Judge, Recusal, Track
from contest.judging import service as svc

LAYOUT = tables.Layout(
    columns=("entry", "stage", "criterion", "judge", "mark"),
    required=("entry", "stage", "criterion", "judge", "mark"),
    aliases={"加密号": "entry", "环节": "stage", "环节代码": "stage", "评分项": "criterion", "评分项代码": "criterion",
             "裁判": "judge", "裁判编号": "judge", "评分": "mark", "分数": "mark"})

HEADERS = {"entry": "加密号", "stage": "环节", "criterion": "评分项", "judge": "裁判编号", "mark": "评分"}


@dataclass
class PassReport:
    waiting: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    problems: list[tables.RowProblem] = field(default_factory=list)  # when any, nothing was entered

    def problem(self, row: int, column: str, text: str) -> None:
        self.problems.append(tables.RowProblem(row, HEADERS[column], text))

    def lines(self) -> list[str]:
        return ([f"已计入成绩：{s}" for s in self.accepted] + [f"等待另一名录分员录入：{s}" for s in self.waiting]
                + [f"与另一遍录入不一致：{s}" for s in self.mismatches])


@dataclass
class _Sheet:
    marks: dict[str, object] = field(default_factory=dict)  # criterion -> mark as typed
    rows: dict[str, int] = field(default_factory=dict)  # criterion -> the file's row number


async def import_pass(session: AsyncSession, path: Path, event_slug: str, track_slug: str | None, scorer: str,
                      pass_no: int) -> PassReport:
    """Check every row of the file first; when any is bad, report them all and enter nothing.
    Then enter each sheet (a sheet whose two passes agree counts)."""
    try:
        raw = tables.read_table(path.name, path.read_bytes(), LAYOUT)
    except tables.ImportFileError as exc:
        raise InputError(f"{path.name}：{exc}", "file") from exc
    except OSError as exc:
        raise InputError(f"{path.name}：无法读取（{exc.strerror}）", "file") from exc
    track = await _track(session, event_slug, track_slug)
    typist = await _typist(session, track.event_id, event_slug, scorer)
    report = PassReport()
    sheets = _sheets(raw, report)
    plan = []
    for key, sheet in sheets.items():
        try:
            plan.append(await _resolve(session, track, key, sheet))
        except (InputError, NotFound, Conflict) as exc:
            field_ = getattr(exc, "field", None) or "entry"
            if field_ in sheet.rows:  # one criterion's mark: its own row
                report.problem(sheet.rows[field_], "mark", exc.message)
            else:  # the whole sheet: its first row, naming the others
                row = min(sheet.rows.values())
                report.problem(row, field_ if field_ in HEADERS else "mark", exc.message + _other_rows(sheet, row))
    if report.problems:
        report.problems.sort(key=lambda p: p.row)
        return report
    for judge, assignment, entry, marks in plan:
        label = f"环节 {assignment.stage.name} 加密号 {entry.blind_code} 裁判 {judge.number}"
        outcome = await svc.enter_paper(session, typist, judge, assignment, entry.id, marks, pass_no)
        {"waiting": report.waiting, "accepted": report.accepted, "mismatch": report.mismatches}[outcome.state].append(
            label + (f"（{'；'.join(outcome.differences)}）" if outcome.differences else ""))
    return report


def _sheets(raw: list[tables.RawRow], report: PassReport) -> dict[tuple[str, str, str], _Sheet]:
    """The file's rows as sheets by (stage, blind code, judge number); bad rows reported, and their
    sheets left out (so they are not reported again as incomplete)."""
    sheets: dict[tuple[str, str, str], _Sheet] = {}
    spoilt = set()
    for row in raw:
        missing = next((c for c in ("entry", "stage", "criterion", "judge") if not row.cells.get(c)), None)
        if missing:
            report.problem(row.row, missing, f"缺少{HEADERS[missing]}")
            continue
        key = (row.cells["stage"], row.cells["entry"], events.judge_number(row.cells["judge"]))
        sheet, criterion, mark = sheets.setdefault(key, _Sheet()), row.cells["criterion"], row.cells.get("mark", "")
        if criterion in sheet.rows:
            report.problem(row.row, "criterion", f"评分项“{criterion}”在同一评分表中已有一行"
                                                 f"（第{sheet.rows[criterion]}行）")
            spoilt.add(key)
        elif mark and not _is_number(mark):
            report.problem(row.row, "mark", f"评分“{mark}”不是数字")
            spoilt.add(key)
        elif mark:  # an empty mark is no mark (an absent judge), never zero
            sheet.marks[criterion], sheet.rows[criterion] = mark, row.row
    return {key: sheet for key, sheet in sheets.items() if key not in spoilt and sheet.rows}


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _other_rows(sheet: _Sheet, row: int) -> str:
    others = sorted(r for r in sheet.rows.values() if r != row)
    return f"（同一评分表另见第{'、'.join(map(str, others))}行）" if others else ""


async def _track(session: AsyncSession, event_slug: str, track_slug: str | None) -> Track:
    event = await events.get_event(session, event_slug)
    if track_slug:
        return await events.get_track(session, event, track_slug)
    tracks = await events.list_tracks(session, event)
    if len(tracks) != 1:
        raise InputError(f"活动 {event_slug} 有 {len(tracks)} 个赛项，请用 --track 指定", "track")
    return tracks[0]


async def _typist(session: AsyncSession, event_id: int, event_slug: str, scorer: str) -> Identity:
    """The scorer typing this pass: an active account the organiser assigned to the event."""
    account = (await session.exec(select(Account).where(Account.username == scorer.strip()))).first()
    if account is None or not account.active:
        raise InputError(f"没有启用的账号“{scorer}”：请填写录入本遍的录分员的用户名", "scorer")
    typist = Identity("account", account.id, account.display_name, account.role)
    if not await events.scores_event(session, typist, event_id):
        raise InputError(f"{scorer} 不是活动 {event_slug} 的录分员（由组织方在活动页上指派）", "scorer")
    return typist


async def _resolve(session: AsyncSession, track: Track, key: tuple[str, str, str], sheet: _Sheet):
    stage_key, code, number = key
    judge = (await session.exec(select(Judge).where(Judge.event_id == track.event_id, Judge.number == number))).first()
    if judge is None:
        raise InputError(f"裁判编号 {number} 不是本活动的裁判", "judge")
    assignment = next((a for a in await svc.assignments(session, judge)
                       if a.track.id == track.id and a.stage.key == stage_key), None)
    if assignment is None:
        raise InputError(f"裁判 {number} 不在环节“{stage_key}”的裁判组中", "stage")
    entry = (await session.exec(select(Entry).where(Entry.track_id == track.id, Entry.blind_code == code))).first()
    if entry is None:
        raise InputError(f"本赛项没有加密号为 {code} 的选手", "entry")
    recusal = (await session.exec(select(Recusal.reason).where(Recusal.judge_id == judge.id,
                                                               Recusal.entry_id == entry.id))).first()
    if recusal is not None:
        raise InputError(f"裁判 {number} 须回避加密号 {code} 的选手（{recusal}），不能为其评分", "judge")
    (await svc.sheet_context(session, judge.id, judge.event_id, assignment.stage.id, entry.id)).require_writable()
    svc.check_marks(assignment.criteria, sheet.marks, complete=True, entry=code, judge=number)
    return judge, assignment, entry, sheet.marks
