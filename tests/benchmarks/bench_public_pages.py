"""Benchmark: the public pages at city scale — the board page, the public registry page and the
board's JSON feed — straight from the server and through nginx's micro-cache, next to the bare app
and to nginx serving a static file of the same size, in the same run.

Not a test (pytest does not collect it). Run from anywhere:

    python tests/benchmarks/bench_public_pages.py [--entries 10000] [--connections 50] [--duration 8]
                                                  [--rounds 2] [--warmup 2]

It starts a throw-away embedded PostgreSQL with a running event of one `--entries`-entry track
(bench_leaderboard.build_track: board page = the first 200 rows) and a second one loaded with the
Xianning demo data (`contest seed`: the public registry of craftsmen), the bare app of
../shared/bench (baseline_app.py here) on the first, one `contest serve` per database, one uvicorn
worker each, and one nginx (one worker, deploy/nginx.conf as tests/support.nginx_in_front runs it)
in front of each server, whose static folder holds a copy of each page's response so that nginx
serving a file of the same size is the floor under the cached page. wrk (`apt-get install -y wrk`)
keeps `--connections` requests in flight against one target at a time for `--duration` seconds,
`--rounds` times over all targets, and prints requests/s, p50/p99 and the ratios the issue's
goals name:

- board page ≥ 0.5× the bare static page (/html); registry page ≥ 0.5× the bare SELECT page
  (/select); the JSON feed next to /html;
- through nginx: board page ≥ 0.8× nginx serving a static file of the same size (and the
  registry page and the feed next to theirs). A page that sets a cookie is never cached by nginx
  (X-Cache: MISS): the share of cache hits is printed with each nginx figure.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import benchkit  # noqa: E402
import httpx  # noqa: E402
from bench_leaderboard import build_track, fill_baseline, wrk, wrk_script  # noqa: E402

from tests.support import nginx_in_front  # noqa: E402

GOALS = {("board page", "bare /html"): 0.5, ("registry page", "bare /select"): 0.5,
         ("nginx: board page", "nginx: static copy of the board page"): 0.8}


def seed_registry(database: benchkit.Database, work: Path) -> None:
    """The Xianning demo data (craftsmen of the public registry) through `contest seed`."""
    env = os.environ | {"CONTEST_DATABASE_URL": database.url, "CONTEST_DATA_DIR": str(work / "seed-data"),
                        "CONTEST_ID_HASH_KEY": benchkit.ID_KEY, "CONTEST_SECRET_KEY": benchkit.SECRET}
    subprocess.run([sys.executable, "-m", "contest.cli", "seed"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def copy_to_static(url: str, static: Path, name: str) -> tuple[str, int]:
    """The page's response as a file nginx serves from disk; its path under /static/ and its size."""
    body = httpx.get(url, timeout=120).content
    (static / name).write_bytes(body)
    return f"/static/{name}", len(body)


def hits(url: str, tries: int = 5) -> str:
    """How nginx answered `tries` requests in a row (X-Cache), e.g. "HIT 4/5"."""
    seen = [httpx.get(url, timeout=30).headers.get("x-cache", "-") for _ in range(tries)]
    return f"HIT {seen.count('HIT')}/{tries}" + (f" ({', '.join(sorted(set(seen) - {'HIT'}))})"
                                                 if set(seen) - {"HIT"} else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=8, help="seconds of each run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of every target, one round after another")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per target first")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; {args.entries} entries; "
          f"{args.connections} connections; wrk (2 threads) on the same machine; 1 uvicorn worker per server, "
          f"1 nginx worker")
    boards, registry = benchkit.start_database(), benchkit.start_database()
    work = Path(tempfile.mkdtemp(prefix="contest-bench-pages-"))
    static = work / "static"
    static.mkdir()
    for folder in (work, static):
        folder.chmod(0o755)  # nginx runs as nobody
    try:
        track = build_track(boards, args.entries)
        asyncio.run(fill_baseline(boards, 200))
        seed_registry(registry, work)
        script = wrk_script(work, 0)
        board_path = f"/events/{track.event_slug}/tracks/{track.track_slug}"
        feed_path = f"/api/events/{track.event_slug}/tracks/{track.track_slug}/board"
        with benchkit.baseline_server(boards, 1, work / "bare.log") as bare, \
                benchkit.contest_server(boards, work / "data", 1, work / "contest.log") as product, \
                benchkit.contest_server(registry, work / "data-registry", 1, work / "registry.log") as people, \
                nginx_in_front([product.url], static) as front, nginx_in_front([people.url], static) as front2:
            statics = {name: copy_to_static(url, static, file) for name, url, file in (
                ("board page", product.url + board_path, "board.html"),
                ("registry page", people.url + "/registry/people", "registry.html"),
                ("JSON feed", product.url + feed_path, "feed.json"))}
            targets = [
                ("bare /html", bare, bare.url + "/html"), ("bare /select", bare, bare.url + "/select"),
                ("board page", product, product.url + board_path),
                ("registry page", people, people.url + "/registry/people"),
                ("JSON feed", product, product.url + feed_path),
                ("nginx: board page", product, front + board_path),
                ("nginx: registry page", people, front2 + "/registry/people"),
                ("nginx: JSON feed", product, front + feed_path),
                *((f"nginx: static copy of the {name}", product, front + path) for name, (path, _) in statics.items()),
            ]
            for name, (_, size) in statics.items():
                print(f"{name}: {size / 1024:.1f} KiB")
            for label, _, url in targets:
                if label.startswith("nginx: ") and "static" not in label:
                    print(f"{label}: {hits(url)}")
            for _, server, url in targets:  # every worker builds its boards and warms its caches
                wrk(url, script, args.connections, args.warmup, server, boards)
            runs: dict[str, list] = {label: [] for label, _, _ in targets}
            for round_ in range(1, args.rounds + 1):
                print(f"\n--- round {round_} (load average {os.getloadavg()[0]:.2f}) ---", flush=True)
                for label, server, url in targets:
                    load = wrk(url, script, args.connections, args.duration, server, boards)
                    runs[label].append(load)
                    print(load.line(label, per_request=False), flush=True)
        print("\n--- ratios of requests/s (median over the rounds) ---")
        rps = {label: statistics.median(load.rps for load in loads) for label, loads in runs.items()}
        pairs = [("board page", "bare /html"), ("registry page", "bare /select"), ("JSON feed", "bare /html"),
                 *((f"nginx: {name}", f"nginx: static copy of the {name}") for name in statics)]
        for page, floor in pairs:
            ratio = rps[page] / rps[floor]
            goal = GOALS.get((page, floor))
            verdict = "" if goal is None else f"  (goal ≥ {goal}: {'met' if ratio >= goal else 'NOT met'})"
            print(f"{page:<24} {rps[page]:9.0f} req/s vs {floor:<40} {rps[floor]:9.0f} req/s: ×{ratio:.2f}{verdict}")
    finally:
        boards.discard()
        registry.discard()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
