"""Browser-test fixtures: a second real server process on the same database, so that a change made
through one process must reach pages served by another (PostgreSQL LISTEN/NOTIFY via channels)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from contest.settings import Settings
from tests.support import free_port


@pytest.fixture(scope="session")
def second_server(pg_url: str, settings: Settings, live_server: str, tmp_path_factory: pytest.TempPathFactory):
    """`contest serve --workers 1` in its own process, with the same settings as `live_server`
    (same database, secret key and ID hash key) but its own port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"CONTEST_DATABASE_URL": pg_url, "CONTEST_DATA_DIR": str(settings.data_dir),
                        "CONTEST_SECRET_KEY": settings.secret_key, "CONTEST_ID_HASH_KEY": settings.id_hash_key}
    env.pop("CONTEST_BASE_URL", None)
    log_path = tmp_path_factory.mktemp("second-server") / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "contest.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"second server exited with {proc.returncode}; see {log_path}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"second server did not start; see {log_path}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
