"""Whatever the seed, the track size and however often a track is redrawn, every entry still in the
contest ends a draw with exactly one blind code, all codes are distinct, and every entry is on the
judges' queues and the board. (A redraw used to blank every code first and then lose the entries
that drew their own old code: the ORM saw no change to write.)"""
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from contest.events import service as events
from contest.events.models import Entry, Event, Track
from contest.judging import service as judging
from contest.leaderboards import service as boards

_tracks = itertools.count(1)
seeds = st.binary(min_size=16, max_size=16).map(bytes.hex)


async def _track_with_entries(session, event: Event, size: int, withdrawn: set[int]):
    track = await events.create_track(session, event, events.TrackInput(slug=f"t-{next(_tracks)}", name="中式烹调师"))
    session.add_all(Entry(track_id=track.id, bib=f"{i:04d}", project_title=f"作品{i}",
                          status="withdrawn" if i in withdrawn else "registered") for i in range(1, size + 1))
    await session.commit()
    judge, _ = await events.add_judge(session, event, f"评委{track.id}", None)
    round_ = (await events.list_rounds(session, track))[0]
    stage = (await events.list_stages(session, round_))[-1]
    await events.create_panel(session, stage, "实操组", [judge.id], judge.id)
    return track, judge, stage


async def _assert_all_drawn(session, track: Track, judge, stage) -> dict[str, str]:
    rows = (await session.exec(select(Entry.bib, Entry.blind_code, Entry.status).where(Entry.track_id == track.id)
                               .execution_options(populate_existing=True))).all()
    in_contest = {bib: code for bib, code, status in rows if status == "registered"}
    assert all(code is not None for code in in_contest.values()), in_contest
    assert len(set(in_contest.values())) == len(in_contest)
    assert sorted(in_contest.values()) == [events.blind_code(i) for i in range(1, len(in_contest) + 1)]
    assert all(code is None for bib, code, status in rows if status != "registered")
    queued = {item.blind_code for item in await judging.queue(session, judge, stage, track)}
    assert queued == set(in_contest.values())
    board = await boards.board(session, track.id)
    assert {row.code for row in board.rows} == set(in_contest.values())
    return in_contest


async def _event(session) -> Event:
    event = (await session.exec(select(Event).where(Event.slug == "draws"))).first()
    return event or await events.create_event(session, events.EventInput(slug="draws", name="抽签检验", year=2026))


async def test_a_lone_entry_keeps_its_code_through_a_redraw(session):
    event = await _event(session)
    track, judge, stage = await _track_with_entries(session, event, 1, set())
    for _ in range(3):
        await events.draw_blind_codes(session, track, "监督员", reason="检验重新抽签")
        assert await _assert_all_drawn(session, track, judge, stage) == {"0001": "001"}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 12), draws=st.lists(seeds, min_size=1, max_size=6),
       withdrawn=st.sets(st.integers(1, 12), max_size=3))
async def test_every_redraw_leaves_each_entry_exactly_one_code(session, size, draws, withdrawn):
    withdrawn = {i for i in withdrawn if i <= size}
    event = await _event(session)
    track, judge, stage = await _track_with_entries(session, event, size, withdrawn)
    if len(withdrawn) == size:
        return  # nobody to draw: refused, which another test covers
    before = None
    for seed in draws:
        await events.draw_blind_codes(session, track, "监督员", seed=seed, reason="检验重新抽签")
        after = await _assert_all_drawn(session, track, judge, stage)
        assert after == events.drawn_codes(seed, sorted(after))  # exactly the recorded seed's draw
        before = after
    assert before is not None
