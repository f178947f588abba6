"""Parsed schemes live in one cache, by the MD5 of the scheme's stored JSON text: the digest the
database gives (read along with a sheet) and the one a Round in hand gives are the same, so the
sheet path and the pages share one parsed scheme; a scheme edit is a new digest, never a stale one."""
from sqlmodel import select

from contest.events import service as events
from contest.events.models import Round


async def test_the_database_and_a_round_in_hand_give_the_same_digest(session):
    event = await events.create_event(session, events.EventInput(slug="ev-2026", name="大赛", year=2026))
    track = await events.create_track(session, event, events.TrackInput(slug="tea-tasting", name="评茶员"))
    session.expunge_all()
    round_, digest = (await session.exec(select(Round, events.SCHEME_DIGEST).where(Round.track_id == track.id))).one()
    in_hand = events.scheme_of(round_)
    assert await events.round_scheme(session, round_.id, digest) is in_hand

    edited = {**round_.scheme, "name": "评茶员评分标准（修订）"}
    await events.set_scheme(session, round_, edited)
    session.expunge_all()
    round_, new_digest = (await session.exec(select(Round, events.SCHEME_DIGEST).where(Round.id == round_.id))).one()
    assert new_digest != digest
    assert (await events.round_scheme(session, round_.id, new_digest)).name == "评茶员评分标准（修订）"
    assert events.scheme_of(round_) is await events.round_scheme(session, round_.id, new_digest)
