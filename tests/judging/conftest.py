"""A running contest to judge: one track with drawn entries, a five-judge panel on the practical
stage (J01 chief), and the judges' PINs."""
from dataclasses import dataclass

import pytest
from sqlmodel import select

from contest.events import service as events
from contest.events.models import Entry, Event, Judge, Stage, Track
from contest.people.models import Area
from tests.conftest import ID_KEY
from tests.setup.test_contestant_import import person, xlsx


@dataclass
class Contest:
    event: Event
    track: Track
    theory: Stage
    practical: Stage
    judges: list[Judge]
    pins: dict[str, str]
    entries: list[Entry]


async def make_contest(session, contestants: int = 6, judges: int = 5) -> Contest:
    session.add(Area(code="421202", name="咸安区"))
    await session.commit()
    return await running_contest(session, events.EventInput(slug="cook", name="烹饪大赛", year=2026),
                                 [person(i) for i in range(contestants)], judges)


async def running_contest(session, event_input: events.EventInput, rows: list[list[str]], judges: int) -> Contest:
    """The event, running, with one track of these contestants (import rows), drawn, and a practical
    panel of `judges` (J01 chief, who also marks the theory stage alone)."""
    event = await events.create_event(session, event_input)
    track = await events.create_track(session, event, events.TrackInput(slug="chef", name="中式烹调师"))
    await events.import_contestants(session, track, "a.xlsx", xlsx(rows), id_key=ID_KEY.encode())
    added = [await events.add_judge(session, event, f"评委{'甲乙丙丁戊己庚辛壬癸'[i]}", None) for i in range(judges)]
    round_ = (await events.list_rounds(session, track))[0]
    theory, practical = await events.list_stages(session, round_)
    await events.create_panel(session, practical, "实操组", [j.id for j, _ in added], added[0][0].id)
    await events.create_panel(session, theory, "理论组", [added[0][0].id], added[0][0].id)
    await events.draw_blind_codes(session, track, "监督员")
    for step in ("registration", "running"):
        await events.set_event_status(session, event, step)
    entries = list((await session.exec(select(Entry).order_by(Entry.running_order))).all())
    return Contest(event, track, theory, practical, [j for j, _ in added], {j.number: pin for j, pin in added},
                   entries)


@pytest.fixture
async def contest(session) -> Contest:
    return await make_contest(session)


FULL = {"prep": "8.5", "skill": "35", "quality": "36", "safety": "1"}


async def submit(session, contest: Contest, judge: Judge, stage: Stage, entry: Entry, marks: dict) -> None:
    from contest.judging import service as judging

    a = await judging.assignment(session, judge, stage.id)
    view = await judging.read_sheet(session, judge, a, entry.id)
    await judging.write_sheet(session, judging.SheetInput(
        judge.id, judge.event_id, stage.id, entry.id, marks, base_version=view.version, submit=True,
        key=f"t-{stage.id}-{entry.id}-{judge.id}-{view.version}"))


async def score_everything(session, contest: Contest, vary: bool = True) -> None:
    """Every panel judge submits every sheet of both stages (marks differ a little by judge)."""
    for n, entry in enumerate(contest.entries):
        await submit(session, contest, contest.judges[0], contest.theory, entry, {"written": str(60 + 2 * n)})
        for j, judge in enumerate(contest.judges):
            bump = (j + n) % 3 if vary else 0
            await submit(session, contest, judge, contest.practical, entry,
                         {"prep": str(7 + bump * 0.5), "skill": str(30 + bump), "quality": str(20 + n), "safety": "1"})
