"""No result, name or mark that the event's visibility rule hides ever reaches a public page (the
contestants' pages and the big screen included), the JSON feed or the live stream."""
import asyncio

import httpx

from contest.events import service as events
from tests.builders import score_everything, set_visibility

NAMES = ["王建华", "李秀英", "陈志强", "刘芳", "张伟", "杨丽"]


async def public_texts(client, contest, live_server) -> dict[str, str]:
    base = f"/events/cook/tracks/{contest.track.slug}"
    paths = (base, f"{base}/rows", f"{base}/rows?view=screen", f"/api{base}/board", "/events/cook",
             f"/screen{base}", *(f"{base}/entries/{e.blind_code}" for e in contest.entries))
    texts = {path: (await client.get(path)).text for path in paths}
    texts["live"] = await first_sse_event(live_server, contest)
    return texts


async def first_sse_event(live_server, contest) -> str:
    """The live stream's first event, read from a real server (the in-process transport buffers)."""
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as real, \
            real.stream("GET", f"/live/tracks/{contest.track.id}") as response:
        assert response.status_code == 200
        data = []
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                data.append(line)
            elif not line and data:
                return "\n".join(data)
    return ""


async def test_blind_board_shows_codes_and_scores_but_no_names(client, contest, session, live_server):
    await set_visibility(session, contest, "blind")
    await score_everything(session, contest)
    texts = await asyncio.wait_for(public_texts(client, contest, live_server), 30)
    assert contest.entries[0].blind_code in texts["live"]  # the stream carries the board
    for where, text in texts.items():
        assert not any(name in text for name in NAMES), where
        assert "咸安区香城大酒店" not in text, where
    board = (await client.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()
    assert [r["code"] for r in board["rows"]] and all(r["name"] is None for r in board["rows"])
    assert board["rows"][0]["rank"] == 1 and board["rows"][0]["total"]


async def test_hidden_board_shows_nothing_until_sign_off(client, contest, session, live_server):
    await set_visibility(session, contest, "hidden")
    await score_everything(session, contest)
    board = (await client.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()
    assert all(r["total"] == "" and r["rank"] is None and r["name"] is None for r in board["rows"])
    texts = await public_texts(client, contest, live_server)
    assert not any(name in t for t in texts.values() for name in NAMES)


async def test_named_board_shows_names_units_and_ranks(client, contest, session):
    await set_visibility(session, contest, "named")
    await score_everything(session, contest)
    board = (await client.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()
    assert {r["name"] for r in board["rows"]} <= set(NAMES) and board["rows"][0]["unit"] == "咸安区香城大酒店"
    ranks = [r["rank"] for r in board["rows"]]
    assert ranks == sorted(ranks)


async def test_draft_events_are_not_public(client, session):
    event = await events.create_event(session, events.EventInput(slug="secret", name="筹备中的大赛", year=2026))
    assert (await client.get(f"/events/{event.slug}")).status_code == 404
    assert "筹备中的大赛" not in (await client.get("/")).text


async def test_hiding_a_board_already_seen_hides_it_on_the_page_and_new_streams(client, contest, session, live_server):
    """An organiser's edit sends no notification: the page and a stream opened afterwards must
    still follow it at once, not serve the board cached while it was named."""
    await set_visibility(session, contest, "named")
    await score_everything(session, contest)
    streams = 6  # the live server has two workers: enough streams that each worker follows the track
    before = [await asyncio.wait_for(first_sse_event(live_server, contest), 10) for _ in range(streams)]
    assert all(any(name in text for name in NAMES) for text in before)
    await set_visibility(session, contest, "hidden")
    after = await asyncio.wait_for(public_texts(client, contest, live_server), 30)
    after |= {f"live {i}": await asyncio.wait_for(first_sse_event(live_server, contest), 10) for i in range(streams)}
    for where, text in after.items():
        assert not any(name in text for name in NAMES), where


async def test_numbers_out_of_range_in_an_address_are_a_clear_400(client, contest):
    base = f"/events/cook/tracks/{contest.track.slug}"
    for path in (f"{base}?area=²", f"{base}?unit=99999999999", f"{base}/rows?area=-1", "/studios?area=²",
                 "/units/3000000000"):
        response = await client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert "服务器内部错误" not in response.text, path
