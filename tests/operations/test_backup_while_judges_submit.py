"""A backup taken while judges submit restores into a fresh data folder; the server starts on it;
`contest audit verify` passes; every sheet acknowledged before the backup began is there with its
marks, and nothing is there that no judge submitted."""
import asyncio
import logging
import random
import signal
import time
from decimal import Decimal

from argon2 import PasswordHasher

from contest.events import service as events_service
from contest.events.models import Judge
from tests.builders import Contest, make_contest, put_sheet, sign_in_judge
from tests.setup.cli_runner import assert_ok, run_cli
from tests.setup.serving import Server, contest, data_folder, query
from tests.support import Client

JUDGES, ENTRIES = 10, 20
BACKUP_AFTER = 30  # acknowledged sheets before the backup starts


class Judging:
    """Judges scoring the practical stage on their tablets, each sheet acknowledged or the test fails."""

    def __init__(self, base: str, race: Contest) -> None:
        self.base, self.race = base, race
        self.acked: dict[tuple[int, int], tuple[float, dict[str, Decimal]]] = {}  # (judge, entry) → (when, marks)
        self.enough = asyncio.Event()

    async def judge(self, judge: Judge) -> None:
        rng = random.Random(judge.number)
        async with Client(base_url=self.base, timeout=30) as tablet:
            assert (await sign_in_judge(tablet, self.race, judge.number)).status_code == 200
            for entry in rng.sample(self.race.entries, len(self.race.entries)):
                await asyncio.sleep(rng.uniform(0.2, 0.5))  # a judge looks at the dish before scoring it
                marks = {"prep": str(rng.randint(10, 20) / 2), "skill": str(rng.randint(20, 40)),
                         "quality": str(rng.randint(20, 40)), "safety": "1"}
                sent = await put_sheet(tablet, self.race, entry, marks, 0, submit=True)
                assert sent.status_code == 200, sent.text
                self.acked[(judge.id, entry.id)] = (time.monotonic(), {k: Decimal(v) for k, v in marks.items()})
                if len(self.acked) >= BACKUP_AFTER:
                    self.enough.set()


async def test_backup_while_judges_submit_restores_and_verifies(live_server, session, settings, monkeypatch, tmp_path,
                                                                 caplog):
    caplog.set_level(logging.WARNING, logger="httpx")  # not a line per request in the report
    monkeypatch.setattr(events_service, "hash_secret", PasswordHasher(time_cost=1, memory_cost=1024).hash)
    race = await make_contest(session, contestants=ENTRIES, judges=JUDGES)
    run = Judging(live_server, race)
    judging = asyncio.gather(*(run.judge(judge) for judge in race.judges))
    await asyncio.wait_for(run.enough.wait(), 60)
    backup_file = tmp_path / "赛中备份.tar"
    began = time.monotonic()
    backed_up = await asyncio.to_thread(run_cli, settings, "db", "backup", str(backup_file))
    ended = time.monotonic()
    await asyncio.wait_for(judging, 120)
    assert_ok(backed_up)
    before = {sheet for sheet, (when, _) in run.acked.items() if when < began}
    during = [sheet for sheet, (when, _) in run.acked.items() if began <= when <= ended]
    assert len(before) >= BACKUP_AFTER and during, "judges should be submitting while the backup runs"

    with data_folder() as folder:
        restored = contest(folder, "db", "restore", str(backup_file))  # a fresh folder: its own embedded PostgreSQL
        assert restored.returncode == 0, restored.stderr
        assert (folder / "id_hash_key").read_text() == settings.id_hash_key  # the backup brought the key
        async with Server(folder) as server:
            await server.ready(path=f"/events/{race.event.slug}/tracks/{race.track.slug}")
            verified = contest(folder, "audit", "verify")  # beside the server, on its PostgreSQL
            assert verified.returncode == 0 and "账本完好" in verified.stdout, verified.stderr
            rows = await query(folder, """
                select s.judge_id, s.entry_id, m.criterion, m.value from sheet s join mark m on m.sheet_id = s.id
                where s.stage_id = $1 and s.state = 'submitted'""", race.practical.id)
            sheets: dict[tuple[int, int], dict[str, Decimal]] = {}
            for judge_id, entry_id, criterion, value in rows:
                sheets.setdefault((judge_id, entry_id), {})[criterion] = value
            missing = before - sheets.keys()
            assert not missing, f"{len(missing)} sheets acknowledged before the backup are not in it"
            assert all(marks == run.acked[sheet][1] for sheet, marks in sheets.items())  # nothing invented
            [[ledgered]] = await query(folder, "select count(*) from ledger_entry where action = 'sheet.submit'")
            assert ledgered == len(sheets)
            print(f"\nbackup took {ended - began:.1f} s while judges submitted; {len(before)} sheets acknowledged "
                  f"before it, {len(during)} during it; {len(sheets)} restored of {len(run.acked)}")
            await server.stop_with_its_postgres(signal.SIGTERM)
