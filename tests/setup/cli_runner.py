"""Running the real `contest` command in a subprocess against the test database, and the checks
every CLI test shares: a failure exits non-zero with one line on stderr and no traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import asyncpg
import yaml

from contest.events import service
from contest.people.identity import make_id_number
from contest.people.models import Area
from contest.settings import Settings
from tests.support import libpq

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "xianning.yaml"
AREAS = [(a["code"], a["name"]) for a in yaml.safe_load(SEED.read_text(encoding="utf-8"))["areas"]]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建华", "秀英", "志强", "丽娟", "国平", "桂兰", "海涛", "晓燕", "文斌", "春梅", "德明", "玉珍"]


def run_cli(settings: Settings, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`contest ARGS` on the session's database, with the session's data folder and ID hash key."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    base |= {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir),
             "CONTEST_ID_HASH_KEY": settings.id_hash_key}
    return subprocess.run([sys.executable, "-m", "contest.cli", *args], env=base | (env or {}), text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd or ROOT)


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Non-zero exit, exactly one line on stderr (no traceback), naming every one of `words`."""
    assert result.returncode != 0, f"expected a failure\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"stderr should be one line, got {len(lines)}:\n{result.stderr}"
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    return lines[0]


async def table_counts(pg_url: str) -> dict[str, int]:
    """Rows in every table of the schema: a snapshot to prove that a command changed nothing."""
    conn = await asyncpg.connect(libpq(pg_url))
    try:
        tables = [r["tablename"] for r in await conn.fetch(
            "select tablename from pg_tables where schemaname = 'public' and tablename <> 'alembic_version' "
            "order by tablename")]
        return {t: await conn.fetchval(f'select count(*) from "{t}"') for t in tables}
    finally:
        await conn.close()


async def count_entries(pg_url: str, event: str, track: str) -> int:
    conn = await asyncpg.connect(libpq(pg_url))
    try:
        return await conn.fetchval(
            "select count(*) from entry join track on track.id = entry.track_id "
            "join event on event.id = track.event_id where event.slug = $1 and track.slug = $2", event, track)
    finally:
        await conn.close()


async def make_track(session, event_slug: str = "welding-2027", track_slug: str = "welder"):
    """The seven Xianning areas, an event and a track, through the service layer."""
    session.add_all(Area(code=code, name=name) for code, name in AREAS)
    await session.commit()
    event = await service.create_event(session, service.EventInput(slug=event_slug, name="2027年咸宁市职工焊工技能大赛",
                                                                   year=2027))
    return event, await service.create_track(session, event, service.TrackInput(slug=track_slug, name="焊工"))


def contestant(i: int, unit: str | None = None) -> list[str]:
    """A valid, distinct person (for i < 40,000): a realistic name, a checked ID number and phone."""
    gender = "男" if i % 2 else "女"
    code, area = AREAS[i % len(AREAS)]
    born = date(1970 + i % 30, 1 + i // 30 % 12, 1 + i // 360 % 28)
    seq = i // 10080  # 30 years × 12 months × 28 days: distinct birthdays before the sequence repeats
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[i // len(SURNAMES) % len(GIVEN)]
    return [name, gender, make_id_number(code, born, seq, gender), f"139{i:08d}",
            unit or f"{area[:2]}第{'一二三四五六'[i % 6]}建设有限公司", area, "四级/中级工"]
