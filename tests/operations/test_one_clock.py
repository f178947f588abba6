"""One clock: every "today" is the contest's date in CONTEST_TIMEZONE (Asia/Shanghai), whatever the
server's own zone, and times are shown in it. At 2026-12-07 23:30 UTC it is already 07:30 on
12-08 in Beijing, so a notice period that ends on 12-07 has ended; at 15:30 UTC (23:30 Beijing)
it has not."""
from datetime import UTC, date, datetime

from contest import clock
from tests.builders import sign_in_organiser, signed_off_contest
from tests.setup.cli_runner import assert_ok, assert_one_line_failure, run_cli
from tests.support import text_of

DESK = "/admin/events/cook/publication"


def set_clock(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


async def test_a_notice_ending_12_07_has_ended_at_07_30_beijing_on_12_08(client, contest, session, monkeypatch):
    await sign_in_organiser(client, session)
    await signed_off_contest(session, contest)
    set_clock(monkeypatch, datetime(2026, 11, 30, 4, 0, tzinfo=UTC))  # Mon: Tue 12-01 to Mon 12-07 is 5 working days
    published = await client.form(f"{DESK}/notice", {"starts_on": "2026-12-01", "ends_on": "2026-12-07"})
    assert published.status_code == 303, published.text

    set_clock(monkeypatch, datetime(2026, 12, 7, 15, 30, tzinfo=UTC))  # 23:30 on 12-07 in Beijing
    assert clock.today() == date(2026, 12, 7)
    assert "距公示结束还有 0 天" in text_of((await client.get("/events/cook")).text)
    early = await client.form(f"{DESK}/final")
    assert early.status_code == 409 and "2026-12-07 结束" in early.text

    set_clock(monkeypatch, datetime(2026, 12, 7, 23, 30, tzinfo=UTC))  # 07:30 on 12-08 in Beijing
    assert clock.today() == date(2026, 12, 8)
    assert "公示期已结束" in text_of((await client.get("/events/cook")).text)
    assert "公示期已结束" in text_of((await client.get(f"/events/cook/tracks/{contest.track.slug}")).text)
    final = await client.form(f"{DESK}/final")
    assert final.status_code == 303, final.text
    desk = text_of((await client.get(f"{DESK}/")).text)
    assert "已于 2026-12-08 07:30 确定为最终成绩" in desk  # stored in UTC, shown on the contest's clock


def test_contest_timezone_is_a_setting_and_a_wrong_one_is_one_line(settings):
    result = run_cli(settings, "events", "list", env={"CONTEST_TIMEZONE": "Asia/Xianning"})
    assert_one_line_failure(result, "CONTEST_TIMEZONE", "Asia/Xianning")
    assert_ok(run_cli(settings, "events", "list", env={"CONTEST_TIMEZONE": "Europe/London"}))
