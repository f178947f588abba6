"""`contest audit verify`: the published figures are the ones the ledger proves.

The ledger's chain is re-walked, and from its entries comes everything a figure follows from: the
marks of each sheet's last submission, each track's last draw, each round's scheme versions, each
entry's status, the title rules, the notice versions and the certificates. From those the audit
recomputes every stored result, every notice row (ranks and awards included) and every current
certificate's digest, compares them and every row the ledger records with the database, and names
each difference by track slug and entry bib. It reads every module, so it sits above them all, like
the command line that runs it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, scoring
from contest.events import service as events
from contest.events.models import ENTRY_STATUSES, Entry, Event, Judge, Round, SchemeVersion, Stage, Track
from contest.judging.models import Mark, Result, Sheet
from contest.judging.service.results import result_values
from contest.judging.service.sheets import plain, words_recorded
from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate, Correction, NoticeRow, NoticeVersion, TitleRule

MARK_PLACES = Decimal("0.0001")  # marks are stored with four decimals (and exported so)


@dataclass
class Proven:
    """What the ledger proves, gathered in one walk of it."""

    sheets: dict[int, tuple[int, dict]] = field(default_factory=dict)  # sheet id -> (entry id, payload)
    draws: dict[int, dict[str, str]] = field(default_factory=dict)  # track id -> bib -> code
    schemes: dict[int, list[dict]] = field(default_factory=dict)  # round id -> its versions' payloads
    statuses: dict[int, str] = field(default_factory=dict)  # entry id -> status
    titles: dict[int, dict | None] = field(default_factory=dict)  # title rule id -> payload (None: removed)
    notices: dict[int, dict] = field(default_factory=dict)  # event id -> the last notice version's payload
    certificates: dict[str, dict] = field(default_factory=dict)  # code -> what was issued, revoked, superseded


@dataclass(frozen=True)
class AuditReport:
    entries: int  # ledger entries checked
    marks: int
    results: int
    notice_rows: int
    certificates: int
    problems: tuple[str, ...]

    @property
    def problem(self) -> str | None:
        return self.problems[0] if self.problems else None


async def verify(session: AsyncSession, event: Event | None = None) -> AuditReport:
    """The chain, then every figure of the event (or of all events) against what the ledger proves."""
    count, broken = await ledger.verify_chain(session)
    if broken:
        return AuditReport(count, 0, 0, 0, 0, (f"ledger entry #{broken.entry_id} {broken.problem}",))
    proven = await _walk(session, event)
    problems = await events.draw_discrepancies(session, proven.draws, event)
    rounds = await _rounds(session, event)
    problems += await _schemes(session, proven, rounds)
    problems += await _statuses(session, proven, event)
    problems += await _titles(session, proven, event)
    marks, mark_problems = await _marks(session, proven, event)
    problems += mark_problems
    problems += await _words(session, proven, event)
    recomputed = await _recompute(session, proven, rounds)
    results, result_problems = await _results(session, recomputed, rounds)
    problems += result_problems
    notice_rows, notice_problems = await _notices(session, proven, recomputed, event)
    problems += notice_problems
    certificates, certificate_problems = await _certificates(session, proven, recomputed, event)
    problems += certificate_problems
    return AuditReport(count, marks, results, notice_rows, certificates, tuple(problems))


async def _walk(session: AsyncSession, event: Event | None) -> Proven:
    proven = Proven()
    async for entry in ledger.walk(session):
        if event is not None and entry.event_id != event.id:
            continue
        kind, _, key = entry.subject.partition(":")
        payload = entry.payload
        if entry.action == "sheet.submit":
            proven.sheets[int(key)] = (entry.id, payload)
        elif entry.action == "draw.blind_codes":
            proven.draws[int(key)] = payload["codes"]
        elif entry.action == "draw.late":  # codes for entries without one; every other code stays
            proven.draws.setdefault(int(key), {}).update(payload["codes"])
        elif entry.action == "scheme.version":
            proven.schemes.setdefault(int(key), []).append(payload)
        elif entry.action == "entry.status":
            proven.statuses[int(key)] = payload["to"]
        elif entry.action in ("title.add", "title.remove"):
            proven.titles[int(key)] = payload if entry.action == "title.add" else None
        elif entry.action == "notice.version":
            proven.notices[entry.event_id] = payload
        elif entry.action == "certificate.issue":
            proven.certificates[key] = {**payload, "revoked": None, "superseded_by": None}
        elif entry.action == "certificate.revoke" and key in proven.certificates:
            proven.certificates[key]["revoked"] = payload["reason"]
        elif entry.action == "certificate.supersede" and key in proven.certificates:
            proven.certificates[key]["superseded_by"] = payload["by"]
    return proven


async def _rounds(session: AsyncSession, event: Event | None) -> Sequence[tuple[Round, Track]]:
    stmt = select(Round, Track).join(Track, Track.id == Round.track_id).order_by(Track.id, Round.seq)
    if event is not None:
        stmt = stmt.where(Track.event_id == event.id)
    return (await session.exec(stmt)).all()


# --- what the ledger records, row by row ------------------------------------------------------------------


async def _schemes(session: AsyncSession, proven: Proven, rounds: Sequence[tuple[Round, Track]]) -> list[str]:
    problems = []
    for round_, track in rounds:
        where = f"track {track.slug} round {round_.seq}"
        versions = proven.schemes.get(round_.id, [])
        if not versions:
            problems.append(f"{where}: no scheme version is on the ledger")
            continue
        if events.scheme_digest(round_.scheme) != versions[-1]["digest"]:
            problems.append(f"{where}: the scheme in use differs from its ledgered version {versions[-1]['version']}"
                            f" (digest {events.scheme_digest(round_.scheme)[:12]}… ≠ {versions[-1]['digest'][:12]}…)")
        stored = {v.version: v for v in await events.scheme_versions(session, round_)}
        for payload in versions:
            row: SchemeVersion | None = stored.pop(payload["version"], None)
            if row is None:
                problems.append(f"{where}: scheme version {payload['version']} is missing from the database")
            elif row.digest != payload["digest"] or events.scheme_digest(row.scheme) != payload["digest"]:
                problems.append(f"{where}: scheme version {row.version} differs from the ledger")
        problems += [f"{where}: scheme version {v} is not on the ledger" for v in sorted(stored)]
    return problems


async def _statuses(session: AsyncSession, proven: Proven, event: Event | None) -> list[str]:
    stmt = select(Entry.id, Entry.bib, Entry.status, Track.slug).join(Track, Track.id == Entry.track_id)
    if event is not None:
        stmt = stmt.where(Track.event_id == event.id)
    problems = []
    for entry_id, bib, status, slug in (await session.exec(stmt.order_by(Track.id, Entry.bib))).all():
        ledgered = proven.statuses.get(entry_id, "registered")
        if status != ledgered and not (status == "checked_in" and ledgered == "registered"):
            problems.append(f"track {slug} entry {bib}: status {status} ({ENTRY_STATUSES.get(status, '?')}) but the"
                            f" ledger records {ledgered} ({ENTRY_STATUSES[ledgered]})")
    return problems


async def _titles(session: AsyncSession, proven: Proven, event: Event | None) -> list[str]:
    stmt = select(TitleRule, Event.slug).join(Event, Event.id == TitleRule.event_id)
    if event is not None:
        stmt = stmt.where(TitleRule.event_id == event.id)
    stored = {rule.id: (rule, slug) for rule, slug in (await session.exec(stmt)).all()}
    problems = []
    for rule_id, payload in sorted(proven.titles.items()):
        found = stored.pop(rule_id, None)
        if payload is None:
            if found:
                problems.append(f"event {found[1]} title rule {rule_id}: removed on the ledger but still in use")
        elif found is None:
            problems.append(f"title rule {rule_id} ({payload['title']}): on the ledger but missing from the database")
        elif (now := boards.title_payload(found[0])) != payload:
            problems.append(f"event {found[1]} title rule {rule_id}: {_differences(now, payload)}")
    return problems + [f"event {slug} title rule {rule.id} ({rule.title}): not on the ledger"
                       for rule, slug in stored.values()]


async def _marks(session: AsyncSession, proven: Proven, event: Event | None) -> tuple[int, list[str]]:
    """Every current mark against the ledger's last submission of its sheet."""
    stmt = (select(Mark, Sheet.id, Entry.bib, Judge.number).join(Sheet, Sheet.id == Mark.sheet_id)
            .join(Entry, Entry.id == Sheet.entry_id).join(Judge, Judge.id == Sheet.judge_id))
    if event is not None:
        stmt = stmt.where(Judge.event_id == event.id)
    current: dict[int, dict[str, str]] = {}
    where: dict[int, str] = {}
    rows = (await session.exec(stmt)).all()
    for mark, sheet_id, bib, number in rows:
        current.setdefault(sheet_id, {})[mark.criterion] = plain(mark.value)
        where[sheet_id] = f"entry {bib}, judge {number}"
    problems = []
    for sheet_id in sorted(current.keys() | proven.sheets.keys()):
        entry_id, payload = proven.sheets.get(sheet_id, (None, {"new": {}}))
        if current.get(sheet_id, {}) != payload["new"]:
            problems.append(_mark_problem(sheet_id, where.get(sheet_id, _named(payload)), entry_id,
                                          current.get(sheet_id, {}), payload["new"]))
    return len(rows), problems


async def _words(session: AsyncSession, proven: Proven, event: Event | None) -> list[str]:
    """Every sheet's opinion, notes and contestant's confirmation against the ledger's last
    submission of it (none recorded: there must be none)."""
    stmt = (select(Sheet.id, Sheet.opinion, Sheet.notes, Sheet.confirmation, Entry.bib, Judge.number)
            .join(Entry, Entry.id == Sheet.entry_id).join(Judge, Judge.id == Sheet.judge_id))
    if event is not None:
        stmt = stmt.where(Judge.event_id == event.id)
    problems = []
    for sheet_id, opinion, notes, confirmation, bib, number in (await session.exec(stmt.order_by(Sheet.id))).all():
        entry_id, payload = proven.sheets.get(sheet_id, (None, {}))
        want = words_recorded(payload.get("opinion", ""), payload.get("notes", {}), payload.get("confirmation", {}))
        if words_recorded(opinion, notes, confirmation) != want:
            ledgered = f"ledger entry #{entry_id}" if entry_id else "no ledger entry"
            problems.append(f"sheet {sheet_id} (entry {bib}, judge {number}): its opinion, notes or the "
                            f"contestant's confirmation differ from {ledgered}")
    return problems


def _named(payload: dict) -> str:
    return f"entry {payload.get('entry', '?')}, judge {payload.get('judge', '?')}"


def _mark_problem(sheet_id: int, where: str, entry_id: int | None, now: dict, recorded: dict) -> str:
    if entry_id is None:
        return f"sheet {sheet_id} ({where}) has marks that no ledger entry records"
    changed = sorted(k for k in now.keys() | recorded.keys() if now.get(k) != recorded.get(k))
    detail = ", ".join(f"{k}: ledger {recorded.get(k, '—')} ≠ database {now.get(k, '—')}" for k in changed)
    return f"sheet {sheet_id} ({where}) differs from ledger entry #{entry_id}: {detail}"


# --- what the ledger's marks and schemes give ------------------------------------------------------------


@dataclass(frozen=True)
class Recomputed:
    """A round's figures computed from the ledger alone: its last ledgered scheme version, the marks
    of its sheets' last ledgered submissions and the entries' ledgered statuses."""

    round: Round
    track: Track
    version: int
    scheme: dict
    marks: tuple[scoring.Mark, ...]
    figures: dict[str, scoring.EntryResult]  # bib -> figures
    problems: tuple[str, ...]


async def _recompute(session: AsyncSession, proven: Proven,
                     rounds: Sequence[tuple[Round, Track]]) -> dict[int, Recomputed]:
    sheets = {row.id: row for row in (await session.exec(
        select(Sheet.id, Stage.round_id, Stage.key, Entry.id.label("entry_id"), Entry.bib, Judge.number)
        .join(Stage, Stage.id == Sheet.stage_id).join(Entry, Entry.id == Sheet.entry_id)
        .join(Judge, Judge.id == Sheet.judge_id).where(Sheet.id.in_(list(proven.sheets))))).all()}
    by_round: dict[int, list[scoring.Mark]] = {}
    problems: dict[int, list[str]] = {}
    statuses: dict[int, dict[str, str]] = {}
    for sheet_id, (_, payload) in proven.sheets.items():
        sheet = sheets.get(sheet_id)
        if sheet is None:
            continue  # named by the marks check
        named = (payload["stage"], payload["entry"], payload["judge"])
        if named != (sheet.key, sheet.bib, sheet.number):
            problems.setdefault(sheet.round_id, []).append(
                f"sheet {sheet_id}: the ledger recorded stage {named[0]}, entry {named[1]}, judge {named[2]} but the"
                f" database has stage {sheet.key}, entry {sheet.bib}, judge {sheet.number}")
        by_round.setdefault(sheet.round_id, []).extend(
            scoring.Mark(payload["entry"], payload["stage"], criterion, payload["judge"],
                         Decimal(value).quantize(MARK_PLACES)) for criterion, value in payload["new"].items())
        statuses.setdefault(sheet.round_id, {})[sheet.bib] = proven.statuses.get(sheet.entry_id, "registered")
    out = {}
    for round_, track in rounds:
        versions = proven.schemes.get(round_.id)
        if not versions:
            continue  # named by the scheme check
        scheme = versions[-1]["scheme"]
        marks = tuple(sorted(by_round.get(round_.id, []), key=lambda m: (m.entry, m.stage, m.criterion, m.judge)))
        try:
            figures = {f.entry: f for f in scoring.compute(scoring.parse_scheme(scheme), marks,
                                                            statuses.get(round_.id, {}))}
        except scoring.ScoringError as exc:
            problems.setdefault(round_.id, []).append(
                f"track {track.slug} round {round_.seq}: the ledgered marks do not fit its ledgered scheme: {exc}")
            figures = {}
        out[round_.id] = Recomputed(round_, track, versions[-1]["version"], scheme, marks, figures,
                                    tuple(problems.get(round_.id, ())))
    return out


async def _results(session: AsyncSession, recomputed: dict[int, Recomputed],
                   rounds: Sequence[tuple[Round, Track]]) -> tuple[int, list[str]]:
    """Every stored result against the one the ledger's marks and scheme version give."""
    stmt = (select(Result, Entry.bib).join(Entry, Entry.id == Result.entry_id)
            .where(Result.round_id.in_([r.id for r, _ in rounds])).order_by(Result.round_id, Entry.bib))
    stored: dict[int, dict[str, Result]] = {}
    for result, bib in (await session.exec(stmt)).all():
        stored.setdefault(result.round_id, {})[bib] = result
    problems, count = [], 0
    for round_, track in rounds:
        again = recomputed.get(round_.id)
        if again is None:
            continue
        problems += again.problems
        have = stored.get(round_.id, {})
        scored = {m.entry for m in again.marks}
        for bib in sorted(scored | have.keys()):
            count += 1
            where = f"track {track.slug} entry {bib}"
            if bib not in have:
                problems.append(f"{where}: no stored result, but the ledger holds marks for it")
            elif bib not in scored:
                problems.append(f"{where}: a stored result that no ledgered mark gives")
            else:
                expected = result_values(again.figures[bib])
                actual = {k: getattr(have[bib], k) for k in expected}
                if actual != expected:
                    problems.append(f"{where}: result {_differences(actual, expected, 'stored', 'recomputed')}"
                                    f" from the ledger's marks and scheme version {again.version}")
    return count, problems


async def _notices(session: AsyncSession, proven: Proven, recomputed: dict[int, Recomputed],
                   event: Event | None) -> tuple[int, list[str]]:
    """Each event's current notice version against the ledger's, row by row; and, unless a
    correction is under way, the ledger's rows against the ones its marks and schemes give."""
    stmt = select(NoticeVersion, Event).join(Event, Event.id == NoticeVersion.event_id).order_by(
        NoticeVersion.event_id, NoticeVersion.version.desc()).ext(distinct_on(NoticeVersion.event_id))
    if event is not None:
        stmt = stmt.where(NoticeVersion.event_id == event.id)
    current = {e.id: (v, e) for v, e in (await session.exec(stmt)).all()}
    problems, count = [], 0
    for event_id in sorted(current.keys() | proven.notices.keys()):
        version, the_event = current.get(event_id, (None, None))
        ledgered = proven.notices.get(event_id)
        if version is None:
            problems.append(f"event #{event_id}: notice version {ledgered['version']} is on the ledger but missing"
                            " from the database")
            continue
        if ledgered is None or ledgered["version"] != version.version:
            problems.append(f"event {the_event.slug}: notice version {version.version} is not the ledger's last"
                            f" ({ledgered['version'] if ledgered else 'none'})")
            continue
        rows = await _notice_records(session, version)
        count += sum(len(r) for r in rows.values())
        where = f"event {the_event.slug} notice v{version.version}"
        problems += _compare_rows(where, rows, ledgered["tracks"], "in the database", "on the ledger")
        if not await _correcting(session, event_id):
            expected = await _expected_notice(session, the_event, recomputed)
            problems += _compare_rows(where, ledgered["tracks"], expected, "published",
                                      "recomputed from the ledger")
    return count, problems


async def _notice_records(session: AsyncSession, version: NoticeVersion) -> dict[str, list[dict]]:
    rows = (await session.exec(select(NoticeRow, Track.slug, Entry.bib).join(Track, Track.id == NoticeRow.track_id)
                               .join(Entry, Entry.id == NoticeRow.entry_id)
                               .where(NoticeRow.notice_version_id == version.id)
                               .order_by(NoticeRow.track_id, NoticeRow.position))).all()
    out: dict[str, list[dict]] = {}
    for row, slug, bib in rows:
        out.setdefault(slug, []).append(boards.notice_record(boards.row_of_notice(row), bib))
    return out


async def _expected_notice(session: AsyncSession, event: Event, recomputed: dict[int, Recomputed]
                           ) -> dict[str, list[dict]]:
    """The notice rows of each track as the ledger's figures give them (names as they are now)."""
    last = {again.track.id: again for again in sorted(recomputed.values(), key=lambda a: a.round.seq)
            if again.track.event_id == event.id}  # a board shows its track's last round
    out = {}
    for again in last.values():
        rows, bibs = await boards.notice_rows(session, event, again.track, again.round,
                                              scoring.parse_scheme(again.scheme), again.figures)
        out[again.track.slug] = [boards.notice_record(row, bibs[row.entry_id]) for row in rows]
    return out


def _compare_rows(where: str, have: dict[str, list[dict]], want: dict[str, list[dict]], have_word: str,
                  want_word: str) -> list[str]:
    problems = []
    for slug in sorted(have.keys() | want.keys()):
        mine = {r["bib"]: r for r in have.get(slug, [])}
        theirs = {r["bib"]: r for r in want.get(slug, [])}
        for bib in sorted(mine.keys() | theirs.keys()):
            at = f"{where} track {slug} entry {bib}"
            if bib not in mine:
                problems.append(f"{at}: row {want_word} but missing {have_word}")
            elif bib not in theirs:
                problems.append(f"{at}: row {have_word} but not {want_word}")
            elif mine[bib] != theirs[bib]:
                problems.append(f"{at}: {_differences(mine[bib], theirs[bib], have_word, want_word)}")
    return problems


async def _certificates(session: AsyncSession, proven: Proven, recomputed: dict[int, Recomputed],
                        event: Event | None) -> tuple[int, list[str]]:
    """Every certificate against the ledger's record of it; a current one's digest against the one
    the ledger's marks and scheme give, and what it prints against the current notice."""
    stmt = (select(Certificate, Entry.bib, Track, Event).join(Entry, Entry.id == Certificate.entry_id)
            .join(Track, Track.id == Entry.track_id).join(Event, Event.id == Track.event_id))
    if event is not None:
        stmt = stmt.where(Track.event_id == event.id)
    stored = {row[0].code: row for row in (await session.exec(stmt)).all()}
    problems = []
    notices: dict[int, dict] = {}
    for code in sorted(stored.keys() | proven.certificates.keys()):
        ledgered = proven.certificates.get(code)
        if code not in stored:
            problems.append(f"certificate {code} (track {ledgered['track']} entry {ledgered['bib']}): on the ledger"
                            " but missing from the database")
            continue
        cert, bib, track, the_event = stored[code]
        where = f"certificate {code} (track {track.slug} entry {bib})"
        if ledgered is None:
            problems.append(f"{where}: not on the ledger")
            continue
        issued = boards.issued_record(cert, track, bib)
        if issued != {k: ledgered[k] for k in issued}:
            problems.append(f"{where}: {_differences(issued, ledgered)}")
        if (cert.revoked_at is not None) != (ledgered["revoked"] is not None):
            problems.append(f"{where}: {'revoked' if cert.revoked_at else 'valid'} in the database but"
                            f" {'revoked' if ledgered['revoked'] else 'valid'} on the ledger")
        if cert.superseded_by != ledgered["superseded_by"]:
            problems.append(f"{where}: superseded by {cert.superseded_by or '—'} in the database but by"
                            f" {ledgered['superseded_by'] or '—'} on the ledger")
        current = cert.revoked_at is None and cert.superseded_by is None
        again = recomputed.get(cert.round_id)
        if current and again is not None and not await _correcting(session, the_event.id):
            digest = boards.proof_digest(again.scheme, list(again.marks))
            if cert.digest != digest:
                problems.append(f"{where}: digest {cert.digest[:12]}… but the ledger's marks and scheme version"
                                f" {again.version} give {digest[:12]}…")
            if the_event.id not in notices:
                notices[the_event.id] = proven.notices.get(the_event.id, {}).get("tracks", {})
            row = next((r for r in notices[the_event.id].get(track.slug, []) if r["bib"] == bib), None)
            printed = boards.printed_record(cert)
            wanted = boards.printed_of(row, cert.holder if cert.project else None) if row else None
            if wanted != printed:
                problems.append(f"{where}: prints {printed} but the current notice gives {wanted or 'no award'}")
    return len(stored), problems


async def _correcting(session: AsyncSession, event_id: int) -> bool:
    return (await session.exec(select(Correction.id).where(Correction.event_id == event_id,
                                                           Correction.closed_at.is_(None)))).first() is not None


def _differences(have: dict, want: dict, have_word: str = "in the database", want_word: str = "on the ledger") -> str:
    """e.g. "total 87.5 in the database but 86.5 on the ledger" for each field that differs."""
    return ", ".join(f"{k} {_shown(have.get(k))} {have_word} but {_shown(want.get(k))} {want_word}"
                     for k in want if have.get(k) != want.get(k))


def _shown(value) -> str:
    return "—" if value in (None, "", [], {}) else str(value)
