"""A studio has one report a year: saving it again replaces the figures (and keeps the year's
assessment). Figures are non-negative integers, the benefit an exact Decimal in yuan, and the
totals add up to the cent."""
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import func, select

from contest.errors import InputError
from contest.studios import service as svc
from contest.studios.models import StudioReport


async def two_studios(session, world):
    first = await svc.create_studio(session, svc.StudioInput(
        "张建华劳模创新工作室", "model_worker", "city", world.person("张建华").id,
        world.units["咸宁机械制造有限公司"].id))
    second = await svc.create_studio(session, svc.StudioInput(
        "赤壁青砖茶制作技艺工匠工作室", "craftsman", "provincial", world.person("李秀英").id,
        world.units["赤壁青砖茶业有限公司"].id))
    return first, second


async def reports(session) -> int:
    return (await session.exec(select(func.count()).select_from(StudioReport))).one()


async def test_saving_a_year_again_replaces_it_and_keeps_the_assessment(session, world):
    studio, _ = await two_studios(session, world)
    await svc.save_report(session, studio, svc.ReportInput(2024, patents=2, benefit_yuan=Decimal("100.10")))
    await svc.set_assessment(session, studio, 2024, "excellent")
    await svc.save_report(session, studio, svc.ReportInput(2024, patents=5, projects=3,
                                                           benefit_yuan=Decimal("1234567.89")))
    [report] = await svc.list_reports(session, studio)
    assert (report.patents, report.projects, report.benefit_yuan, report.assessment) == (
        5, 3, Decimal("1234567.89"), "excellent")
    assert await reports(session) == 1


async def test_totals_sum_each_figure_per_year_to_the_cent(session, world):
    first, second = await two_studios(session, world)
    await svc.save_report(session, first, svc.ReportInput(2023, 1, 2, 3, 4, Decimal("0.10"), 20, 5))
    await svc.save_report(session, first, svc.ReportInput(2024, 2, 1, 6, 2, Decimal("9999999.99"), 30, 8))
    await svc.save_report(session, second, svc.ReportInput(2024, 3, 4, 5, 1, Decimal("0.20"), 12, 3))
    await svc.set_assessment(session, first, 2024, "good")
    await svc.set_assessment(session, second, 2024, "good")
    totals = await svc.report_totals(session)
    assert [t.year for t in totals] == [2023, 2024]
    t2024 = totals[1]
    assert (t2024.studios, t2024.patents, t2024.projects, t2024.problems_solved, t2024.results_applied,
            t2024.people_trained, t2024.skill_rises) == (2, 5, 5, 11, 3, 42, 11)
    assert t2024.benefit_yuan == Decimal("10000000.19") and isinstance(t2024.benefit_yuan, Decimal)
    assert t2024.assessments == {"good": 2}
    everything = svc.overall(totals)
    assert everything.benefit_yuan == Decimal("10000000.29") and str(everything.benefit_yuan) == "10000000.29"
    assert everything.patents == 6 and everything.studios == 3
    only_provincial = await svc.report_totals(session, level="provincial")
    assert [(t.year, t.benefit_yuan) for t in only_provincial] == [(2024, Decimal("0.20"))]
    in_chibi = await svc.report_totals(session, area_id=world.areas["赤壁市"].id)
    assert [t.patents for t in in_chibi] == [3]


@pytest.mark.parametrize(("report", "field_name", "message"), [
    (svc.ReportInput(2024, patents=-1), "patents", "专利不能为负数"),
    (svc.ReportInput(2024, skill_rises=-3), "skill_rises", "不能为负数"),
    (svc.ReportInput(2024, projects=2.5), "projects", "应为整数"),  # type: ignore[arg-type]
    (svc.ReportInput(2024, benefit_yuan=Decimal("-0.01")), "benefit_yuan", "不能为负数"),
    (svc.ReportInput(2024, benefit_yuan=Decimal("1.005")), "benefit_yuan", "两位小数"),
    (svc.ReportInput(2024, benefit_yuan=0.1), "benefit_yuan", "精确"),  # type: ignore[arg-type]
    (svc.ReportInput(1999), "year", "年度"),
    (svc.ReportInput(2015), "year", "不能早于"),
])
async def test_bad_figures_are_refused_and_nothing_is_written(session, world, report, field_name, message):
    studio, _ = await two_studios(session, world)
    studio.founded_on = date(2018, 3, 1)  # named in 2018: no report for 2015
    with pytest.raises(InputError, match=message) as caught:
        await svc.save_report(session, studio, report)
    assert caught.value.field == field_name
    assert await reports(session) == 0


async def test_report_and_assessment_forms(organiser, session, world):
    studio, _ = await two_studios(session, world)
    path = f"/admin/studios/{studio.id}"
    figures = {"year": "2025", "patents": "3", "projects": "2", "problems_solved": "9", "results_applied": "4",
               "people_trained": "40", "skill_rises": "12", "benefit_yuan": "356000.50"}
    assert (await organiser.form(f"{path}/reports", figures)).status_code == 303
    bad = await organiser.form(f"{path}/reports", figures | {"patents": "-2", "benefit_yuan": "0"})
    assert bad.status_code == 400 and "专利不能为负数" in bad.text
    bad = await organiser.form(f"{path}/reports", figures | {"benefit_yuan": "三十万"})
    assert bad.status_code == 400 and "经济效益（元）应为数字" in bad.text
    no_report = await organiser.form(f"{path}/assessment", {"year": "2022", "assessment": "good"})
    assert no_report.status_code == 400 and "还没有2022年度报告" in no_report.text
    wrong = await organiser.form(f"{path}/assessment", {"year": "2025", "assessment": "superb"})
    assert wrong.status_code == 400 and "考核结果取值无效" in wrong.text
    assert (await organiser.form(f"{path}/assessment", {"year": "2025", "assessment": "pass"})).status_code == 303
    [report] = await svc.list_reports(session, studio)
    await session.refresh(report)
    assert (report.patents, report.benefit_yuan, report.assessment) == (3, Decimal("356000.50"), "pass")
    page = await organiser.get(f"{path}?year=2025")
    assert "356,000.50" in page.text and 'value="356000.50"' in page.text and "合格" in page.text


async def test_founding_date_cannot_move_after_a_reported_year(session, world):
    studio, _ = await two_studios(session, world)
    await svc.save_report(session, studio, svc.ReportInput(2021, patents=1))
    with pytest.raises(InputError, match="已有2021年度报告") as caught:
        await svc.update_studio(session, studio, svc.StudioInput(studio.name, studio.kind, studio.level,
                                                                 founded_on=date(2022, 6, 1)))
    assert caught.value.field == "founded_on"


async def test_figures_beyond_any_real_number_are_a_400(organiser, session, world):
    studio, _ = await two_studios(session, world)
    figures = {"year": "2025", "patents": "3", "projects": "2", "problems_solved": "9", "results_applied": "4",
               "people_trained": "40", "skill_rises": "12"}
    for benefit in ("1e400", "-1e400", "NaN", "Infinity", "1" * 30, "0.000000001", "99999999999999999.99"):
        bad = await organiser.form(f"/admin/studios/{studio.id}/reports", figures | {"benefit_yuan": benefit})
        assert bad.status_code == 400 and "经济效益" in bad.text, benefit
    assert await reports(session) == 0
