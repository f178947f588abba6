"""Standard scores (标准分 = 500 + 100 × z over a track's ranked entries) appear once a track is
finished and signed off: in the organiser's results XLSX (equal to a hand computation from the same
workbook's totals, with the rule written below), on the organiser's standard-score page with the
rule, from `contest results compute --standardise` on the track's scheme and marks, and next to
the contest candidates in the registry office's list."""
import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import openpyxl

from contest import clock, scoring
from contest.events import service as events
from tests.builders import make_contest, score_everything, sign_in_organiser, sign_off
from tests.support import text_of

XLSX = "/admin/events/cook/tracks/chef/results.xlsx"
PAGE = "/admin/events/cook/standard-scores"


def _sheet(content: bytes) -> tuple[list[str], list[dict]]:
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    header = list(rows[1])
    notes = [r[0] for r in rows if r and isinstance(r[0], str)]
    return notes, [dict(zip(header, r, strict=False)) for r in rows[2:] if r and r[1]]


def _by_hand(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    """500 + 100 × (total − mean) ÷ population SD, to 0.01 half up, at 50 digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        mean = sum(totals.values()) / len(totals)
        sd = (sum((t - mean) ** 2 for t in totals.values()) / len(totals)).sqrt()
        return {code: (500 + 100 * (t - mean) / sd).quantize(Decimal("0.01"), ROUND_HALF_UP)
                for code, t in totals.items()}


async def test_standard_scores_by_hand_in_the_xlsx_page_cli_and_registry(client, session, settings, tmp_path):
    contest = await make_contest(session, contestants=10)
    await sign_in_organiser(client, session)
    await score_everything(session, contest)

    _, rows = _sheet((await client.get(XLSX)).content)
    assert "标准分" not in rows[0]  # scored, not yet signed off: no standard scores
    assert "尚未全部签字确认" in text_of((await client.get(PAGE)).text)

    await sign_off(session, contest)
    notes, rows = _sheet((await client.get(XLSX)).content)
    ranked = {r["加密号"]: Decimal(str(r["总分"])) for r in rows if r["名次"]}
    assert len(ranked) == 10 and len(set(ranked.values())) > 1
    hand = _by_hand(ranked)
    assert {r["加密号"]: Decimal(str(r["标准分"])) for r in rows if r["名次"]} == hand
    assert f"注：{scoring.STANDARD_RULE}" in notes and "500 + 100 × (总分 − 平均分) ÷ 标准差" in notes[-1]

    page = text_of((await client.get(PAGE)).text)
    assert scoring.STANDARD_RULE in page
    best = max(hand, key=hand.get)
    assert f"{best} " in page and str(hand[best]) in page
    assert page.index(str(max(hand.values()))) < page.index(str(min(hand.values())))  # highest first
    year = text_of((await client.get(f"{PAGE}?over=year")).text)
    assert "2026 年度全部竞赛活动" in year and str(hand[best]) in year

    # The command line computes the same from the track's scheme and marks (entries by bib).
    round_ = (await events.list_rounds(session, contest.track))[0]
    (tmp_path / "scheme.json").write_text(json.dumps(round_.scheme, ensure_ascii=False))
    (tmp_path / "marks.csv").write_bytes((await client.get("/admin/events/cook/tracks/chef/marks.csv")).content)
    cli = subprocess.run([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme",
                          str(tmp_path / "scheme.json"), "--marks", str(tmp_path / "marks.csv"), "--standardise"],
                         capture_output=True, text=True, check=True, env=os.environ)
    code_of = {e.bib: e.blind_code for e in contest.entries}
    printed = {code_of[r["entry"]]: Decimal(r["standard"]) for r in csv.DictReader(io.StringIO(cli.stdout))}
    assert printed == hand and scoring.STANDARD_RULE in cli.stderr

    # The winner, put forward from the published results, carries it in the registry's list.
    today = clock.today()
    await client.form("/admin/events/cook/publication/notice", {"starts_on": str(today),
                                                                "ends_on": str(today + timedelta(days=6))})
    assert (await client.form("/admin/registry/sync")).status_code == 303
    office = text_of((await client.get("/admin/registry/?show=candidate")).text)
    winner = next(r["加密号"] for r in rows if r["名次"] == 1)
    assert "竞赛标准分" in office and str(hand[winner]) in office and scoring.STANDARD_RULE in office
