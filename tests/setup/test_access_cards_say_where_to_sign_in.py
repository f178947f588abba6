"""A judge finds the sign-in page: /login links to it, and every printed access card carries its
address beside the QR code, so a card works on a tablet without a camera."""
import re

from tests.builders import sign_in_organiser
from tests.support import text_of


async def test_the_organisers_sign_in_page_links_to_the_judges(client):
    page = await client.get("/login")
    assert 'href="/judge/login"' in page.text
    assert (await client.get("/judge/login")).status_code == 200


async def test_every_access_card_prints_the_sign_in_address(client, session, contest):
    await sign_in_organiser(client, session)
    sheet = await client.form(f"/admin/events/{contest.event.slug}/judges/sheet")
    assert sheet.status_code == 200
    cards = re.findall(r'<div class="access-card">.*?</div>\s*</div>', sheet.text, re.S)
    assert len(cards) == len(contest.judges)
    for card in cards:
        assert "http://testserver/judge/login" in text_of(card)
        assert contest.event.judge_code in card
