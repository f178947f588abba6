"""`contest seed` loads the Xianning demo once; `contest events list` prints one line per track,
starting `event=SLUG track=SLUG`; seeding again changes nothing."""
import re

import yaml

from tests.setup.cli_runner import SEED, assert_ok, run_cli, table_counts

LINE = re.compile(r"event=(?P<event>[a-z0-9-]+) track=(?P<track>[a-z0-9-]+)\t\S.*")


async def test_seed_then_events_list_then_seed_again_changes_nothing(settings, pg_url, clean_db):
    empty = run_cli(settings, "events", "list")
    assert_ok(empty)
    assert empty.stdout == ""  # an empty database lists nothing

    assert_ok(run_cli(settings, "seed", timeout=600))
    after_first = await table_counts(pg_url)
    assert after_first["event"] > 0 and after_first["entry"] > 0
    # theory tests and 网上练兵: two banks, the tea processors' papers drawn, a practice set and a quiz taken
    assert (after_first["bank"], after_first["question"], after_first["practice_set"]) == (2, 55, 2)
    assert after_first["sitting"] == 45 and after_first["paper_item"] == 45 * 25
    assert after_first["learner"] == 80 and after_first["attempt"] > 80

    listed = run_cli(settings, "events", "list")
    assert_ok(listed)
    lines = listed.stdout.splitlines()
    assert all(LINE.fullmatch(line) for line in lines), lines
    spec = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    expected = {(e["slug"], t["slug"]) for e in spec["events"] for t in e["tracks"]}
    pairs = [(m["event"], m["track"]) for m in map(LINE.fullmatch, lines)]
    assert len(pairs) == len(expected) == after_first["track"]
    assert set(pairs) == expected

    again = run_cli(settings, "seed", timeout=600)
    assert_ok(again)
    assert await table_counts(pg_url) == after_first
    assert run_cli(settings, "events", "list").stdout == listed.stdout
