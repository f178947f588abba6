"""A list of craftsmen named before the platform is imported as named, without a notice: so it may
name nobody in a year still to come, nor in a year from which the platform's own notices name
craftsmen (that would be a naming without a 公示). Such a list is refused whole, with what to do
instead, and writes nothing."""
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from contest.ledger import LedgerEntry
from contest.people.identity import make_id_number
from contest.people.models import Area
from contest.registry.importers import COLUMNS
from contest.registry.models import Candidate
from tests.builders import on_day, reviewed, under_notice, xlsx

DAY = date(2026, 6, 15)


def craftsmen_list(year: int, n: int = 2) -> dict:
    rows = [["王建华", make_id_number("421202", date(1975, 3, 1 + i), i, "男"), "咸宁机械制造有限公司", "咸安区",
             "数控车工", "二级/技师", "香城工匠", str(year), "", "", ""] for i in range(n)]
    return {"file": ("名单.xlsx", xlsx(rows, header=list(COLUMNS)))}


async def counts(session) -> tuple[int, int]:
    candidates = (await session.exec(select(func.count()).select_from(Candidate))).one()
    ledgered = (await session.exec(select(func.count()).select_from(LedgerEntry)
                                   .where(LedgerEntry.action == "registry.import"))).one()
    return candidates, ledgered


async def test_a_year_the_platform_names_through_notices_is_not_imported(organiser, session, monkeypatch):
    on_day(monkeypatch, DAY)
    await under_notice(session, [await reviewed(session)], DAY)  # 2026年度第一批: the platform names 2026
    before = await counts(session)

    refused = await organiser.form("/admin/registry/import", files=craftsmen_list(2026))
    assert refused.status_code == 409
    assert "2026年度起的工匠经平台的批次公示后命名，不能按历史名单导入2026年度的工匠" in refused.text
    assert "经资格审查、专家评审和公示后按批次命名" in refused.text
    assert await counts(session) == before

    earlier = await organiser.form("/admin/registry/import", files=craftsmen_list(2025))
    assert "已导入 2 人" in earlier.text
    assert await counts(session) == (before[0] + 2, before[1] + 2)


async def test_a_year_still_to_come_is_not_imported(organiser, session, monkeypatch):
    on_day(monkeypatch, DAY)
    session.add(Area(code="421202", name="咸安区"))
    await session.commit()
    refused = await organiser.form("/admin/registry/import", files=craftsmen_list(2027))
    assert refused.status_code == 409 and "命名年度2027年还没有到" in refused.text
    assert await counts(session) == (0, 0)
    assert "已导入 2 人" in (await organiser.form("/admin/registry/import", files=craftsmen_list(2026))).text
