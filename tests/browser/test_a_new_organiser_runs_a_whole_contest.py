"""Done when (issue 12): a new organiser, in a real browser, creates an event with a new trade whose
marking scheme is set in the scheme builder only (no YAML typed), imports contestants and judges from
XLSX, builds the panels, draws, prints the judges' cards, withdraws one contestant and marks one
absent; the judges score and the chief judge signs off (they are other people: done through the
services), and the organiser publishes the results — with no English on any page the organiser sees."""
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest import clock
from contest.events.models import Entry, Event, Judge, Recusal, Round, Stage, Track
from contest.people.models import Area
from tests.browser.speaks_chinese import assert_chinese
from tests.builders import Contest, person, pledge_all, sign_off_stage, staff_page, submit, xlsx

pytestmark = pytest.mark.browser

EVENT, TRACK = "electric-2027", "electrician"
UNITS = ["咸宁供电公司", "赤壁市电力安装公司", "通山县水电站"]
PRACTICAL = {"wiring": "30", "commissioning": "22", "workmanship": "15", "tools": "1", "time": "120", "safety": "0"}


async def confirm(page) -> None:
    """Say yes in the shared dialog, and wait for the page the change leads to."""
    await expect(page.locator("#confirm-change")).to_be_visible()
    async with page.expect_navigation():
        await page.click("#confirm-change-ok")


async def visit(page, url: str) -> None:
    await page.goto(url)
    await assert_chinese(page)


async def change(page, action: str, url_glob: str) -> None:
    """Press the enabled control of the lifecycle action, confirm, and land on the next page."""
    await page.locator(f"form[data-action='{action}'] button").first.click()
    await confirm(page)
    await page.wait_for_url(url_glob)
    await page.wait_for_load_state()
    await assert_chinese(page)


async def test_a_new_organiser_runs_a_whole_contest_in_chinese(browser, live_server, session, clean_db, tmp_path):
    session.add_all([Area(code="421202", name="咸安区"), Area(code="421281", name="赤壁市"),
                     Area(code="421224", name="通山县")])
    await session.commit()
    base = live_server
    page = await staff_page(browser, base, session, "organiser", "/admin")
    page.set_default_timeout(90_000)  # a shared test machine can be slow; nothing here waits on a timer
    await assert_chinese(page)

    # The event, and a new trade whose scheme starts from the electricians' template in the builder.
    form = page.locator("#create-event")
    await form.locator("input[name=name]").fill("2027年咸宁市职工电工技能大赛")
    await form.locator("input[name=slug]").fill(EVENT)
    await form.locator("input[name=year]").fill("2027")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url(f"{base}/admin/events/{EVENT}")
    await assert_chinese(page)
    track = page.locator("#create-track")
    await track.locator("input[name=name]").fill("维修电工")
    await track.locator("input[name=slug]").fill(TRACK)
    await track.locator("select[name=template]").select_option("electrician")
    await track.locator("button[type=submit]").click()
    await page.wait_for_url(f"{base}/admin/events/{EVENT}/tracks/{TRACK}")
    await visit(page, f"{base}/admin/events/{EVENT}/tracks/{TRACK}/rounds/1/scheme")
    # Every column of the criteria tables (选手现场确认, 删除) is in sight beside the preview, no sideways scroll.
    widths = await page.evaluate("[...document.querySelectorAll('table.criteria')]"
                                 ".map(t => [t.parentElement.clientWidth, t.parentElement.scrollWidth])")
    assert widths and all(shown >= needed for shown, needed in widths), widths
    await page.fill("input[name='stage-0-weight']", "40")
    await page.fill("input[name='stage-1-weight']", "60")
    await page.fill("input[name='stage-1-crit-0-name']", "电路安装与接线")
    await page.click("#save-scheme")
    await page.wait_for_url("**/scheme?saved=1")
    await expect(page.locator("#saved")).to_contain_text("评分标准已保存")
    await assert_chinese(page)

    # Contestants and judges from XLSX files.
    contestants = tmp_path / "维修电工报名表.xlsx"
    contestants.write_bytes(xlsx([person(i, UNITS[i % 3], ["咸安区", "赤壁市", "通山县"][i % 3]) for i in range(8)]))
    await visit(page, f"{base}/admin/events/{EVENT}/tracks/{TRACK}")
    await page.set_input_files("#import input[type=file]", str(contestants))
    await page.click("#import button[type=submit]")
    await expect(page.locator("#import-report")).to_contain_text("已导入 8 名选手")
    await assert_chinese(page)
    judges = tmp_path / "裁判名单.xlsx"
    judges.write_bytes(xlsx([["刘志刚", ""], ["陈建国", UNITS[0]], ["黄丽华", ""], ["周海涛", UNITS[2]]],
                            header=["姓名", "工作单位"]))
    await visit(page, f"{base}/admin/events/{EVENT}")
    await page.set_input_files("#import-judges input[type=file]", str(judges))
    await page.click("#import-judges button[type=submit]")
    await expect(page.locator("#import-report")).to_contain_text("已导入 4 名裁判")
    await assert_chinese(page)

    # Panels: J01 alone marks the theory test; all four the practical, J01 their chief.
    await visit(page, f"{base}/admin/events/{EVENT}/tracks/{TRACK}")
    for stage, name, numbers in (("theory", "理论组", ["J01"]), ("practical", "实操组", ["J01", "J02", "J03", "J04"])):
        panel = page.locator("form[data-action='panel.create']").first
        await panel.locator("select[name=stage]").select_option(stage)
        await panel.locator("input[name=name]").fill(name)
        for number in numbers:
            await panel.locator("label", has_text=number).locator("input[name=judge_ids]").check()
        await panel.locator("select[name=chief_id]").select_option(label="J01 刘志刚")
        await panel.locator("button").click()
        await page.wait_for_url(f"**/tracks/{TRACK}#round-1")
    await expect(page.locator("#round-1")).to_contain_text("实操组")
    await assert_chinese(page)
    await change(page, "draw", f"**/tracks/{TRACK}#draw")

    # The contest begins; the judges' cards are printed.
    await visit(page, f"{base}/admin/events/{EVENT}")
    await change(page, "event.to_registration", f"{base}/admin/events/{EVENT}")
    await change(page, "event.to_running", f"{base}/admin/events/{EVENT}")
    await page.locator("form[data-action='judge.access'] button").click()
    async with page.expect_popup() as opened:
        await page.click("#confirm-change-ok")
    cards = await opened.value
    await cards.wait_for_load_state()
    await expect(cards.locator("body")).to_contain_text("/judge/login")
    await assert_chinese(cards)
    await cards.close()

    # One contestant withdraws before the start, one does not turn up: each from their own page.
    listed = f"{base}/admin/events/{EVENT}/tracks/{TRACK}/contestants"
    for bib, status, reason in (("0002", "withdrawn", "赛前因病退赛"), ("0003", "absent", "未按时检录")):
        await visit(page, f"{listed}?q={bib}")
        await page.click(f"#entry-{bib} a")
        await page.wait_for_url(f"**/contestants/{bib}")
        await assert_chinese(page)
        await page.fill(f"#status-{status} input[name=reason]", reason)
        await page.locator(f"#status-{status} button").click()
        await confirm(page)
        await page.wait_for_url(f"**/contestants/{bib}#status")
        await expect(page.locator("#status")).to_contain_text(reason)
    await visit(page, f"{listed}?status=absent")
    await expect(page.locator("#contestants")).to_contain_text("0003")

    # The judges score and the chief judge signs both stages off (other people, on their tablets).
    contest = await contest_as_set_up(session)
    await pledge_all(session, contest.event)  # each judge's first sign-in on their tablet
    active = [e for e in contest.entries if e.status not in ("withdrawn", "absent")]
    assert len(active) == 6
    recused = set((await session.exec(select(Recusal.judge_id, Recusal.entry_id))).all())  # same-unit judges
    for n, entry in enumerate(active):
        await submit(session, contest, contest.judges[0], contest.theory, entry, {"written": str(70 + n)})
        for j, judge in enumerate(contest.judges):
            if (judge.id, entry.id) in recused:
                continue
            await submit(session, contest, judge, contest.practical, entry,
                         PRACTICAL | {"wiring": str(28 + (n + j) % 4), "workmanship": str(12 + n)})
    for stage in (contest.theory, contest.practical):
        await sign_off_stage(session, contest, stage)

    # The organiser sends the results to review and publishes them.
    await visit(page, f"{base}/admin/events/{EVENT}")
    await change(page, "event.to_review", f"{base}/admin/events/{EVENT}")
    await visit(page, f"{base}/admin/events/{EVENT}/publication/")
    today = clock.today()
    publish = page.locator("form[data-action='notice.publish']")
    await publish.locator("input[name=starts_on]").fill(today.isoformat())
    await publish.locator("input[name=ends_on]").fill((today + timedelta(days=6)).isoformat())
    await publish.locator("input[name=contact]").fill("咸宁市总工会劳动和经济工作部，电话 0715-8123456")
    await change(page, "notice.publish", "**/publication/**")
    board = await page.request.get(f"{base}/api/events/{EVENT}/tracks/{TRACK}/board")
    ranked = [r for r in (await board.json())["rows"] if r["rank"]]
    away = {person(1)[0], person(2)[0]}  # 0002 withdrew, 0003 was absent
    assert len(ranked) == 6 and {r["name"] for r in ranked}.isdisjoint(away)
    await visit(page, f"{base}/events/{EVENT}/notice")
    await expect(page.locator("main")).to_contain_text(ranked[0]["name"])
    await page.close()


async def contest_as_set_up(session) -> Contest:
    """The contest the organiser set up in the browser, read back for the judges' part."""
    session.expunge_all()
    event = (await session.exec(select(Event).where(Event.slug == EVENT))).one()
    track = (await session.exec(select(Track).where(Track.event_id == event.id))).one()
    round_ = (await session.exec(select(Round).where(Round.track_id == track.id))).one()
    theory, practical = (await session.exec(select(Stage).where(Stage.round_id == round_.id)
                                            .order_by(Stage.seq))).all()
    judges = list((await session.exec(select(Judge).where(Judge.event_id == event.id).order_by(Judge.number))).all())
    entries = list((await session.exec(select(Entry).where(Entry.track_id == track.id).order_by(Entry.bib))).all())
    return Contest(event, track, theory, practical, judges, {}, entries)
