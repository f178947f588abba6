"""Plumbing the tests share that is not a fixture: the test ID-hash key, the libpq form of a
database URL, page text without tags, what a page's form would send, a free port, a real `contest
serve`, the fixtures folder, the statement that empties the database, where Debian's chromium is, an
HTTP client that sends the CSRF token as the pages do, waiting for a condition in a page under our
CSP, `contest audit verify` run as an operator runs it, the published notice's order, and nginx in
front of servers as deploy/nginx.conf puts it (tests and benchmarks)."""
from __future__ import annotations

import asyncio
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import event

ID_KEY = "test-id-hash-key"
FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]

# Every table emptied, as a fresh migration leaves it: an empty ledger's head is the genesis hash.
# A live server still reading (a board's periodic re-check) can lock tables in another order than
# the truncate: PostgreSQL then picks one of the two to fail, and if it is the truncate it goes again.
EMPTY_DATABASE = """
    do $$ begin
        loop
            begin
                execute (select 'truncate ' || string_agg(quote_ident(tablename), ', ') || ' restart identity cascade'
                         from pg_tables where schemaname = 'public' and tablename <> 'alembic_version');
                exit;
            exception when deadlock_detected then
                perform pg_sleep(0.05);
            end;
        end loop;
        insert into ledger_head (id, hash) values (1, repeat('0', 64));
    end $$"""


class Client(httpx.AsyncClient):
    """An HTTP client that sends the CSRF token like the pages do."""

    async def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            await self.get("/login")
        return self.cookies["csrftoken"]

    async def form(self, url: str, data: dict | None = None, files: dict | None = None, **kw) -> httpx.Response:
        return await self.post(url, data=data or {}, files=files, headers={"x-csrftoken": await self.csrf()}, **kw)

    async def login(self, username: str = "clerk", password: str = "correct-horse") -> httpx.Response:
        return await self.form("/login", {"username": username, "password": password, "next": "/admin"})


async def wait_until(page, expression: str, arg=None, timeout: float = 10_000, every: float = 0.02) -> None:
    """Playwright's wait_for_function, for pages under our Content-Security-Policy: that one builds
    its predicate with `new Function`, which the policy refuses; this asks the page every `every`
    seconds from outside (page.evaluate is not subject to the page's policy)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout / 1000
    while not await page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise PlaywrightTimeout(f"not true within {timeout:.0f} ms: {expression}")
        await asyncio.sleep(every)


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def empty_database(url: str) -> None:
    conn = await asyncpg.connect(libpq(url))
    try:
        await conn.execute(EMPTY_DATABASE)
    finally:
        await conn.close()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def form_values(html: str, form_id: str) -> dict[str, str]:
    """What a browser would send for the page's form with this id, as it stands (text, hidden and
    number inputs, checked boxes, each select's chosen option, textareas; no buttons)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.values


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first is None or "selected" in a:
                self.values[self._select] = value
                self._first = value
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def contest_server(settings, workers: int, log_path: Path, **extra_env: str) -> Iterator[str]:
    """`contest serve --workers N` in a real process on loopback, on the test database with the
    session's keys (links follow the port it answers on) and any further CONTEST_* variables given;
    yields its base URL once it answers."""
    port = free_port()
    env = os.environ | extra_env | {
        "CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir),
        "CONTEST_SECRET_KEY": settings.secret_key, "CONTEST_ID_HASH_KEY": settings.id_hash_key}
    env.pop("CONTEST_BASE_URL", None)
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "contest.cli", "serve", "--port", str(port),
                                 "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 240
            while not _answers(base):
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {log_path}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def audit_verify(settings, *extra: str) -> subprocess.CompletedProcess[str]:
    """`contest audit verify` run as an operator runs it, on the test database."""
    env = os.environ | {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", *extra], env=env,
                          capture_output=True, text=True)


async def published_order(pg_url: str) -> list[str]:
    """The bibs in the order of the published notice's rows (first place first), read in SQL."""
    conn = await asyncpg.connect(libpq(pg_url))
    try:
        return [r["bib"] for r in await conn.fetch(
            "select e.bib from notice_row n join entry e on e.id = n.entry_id"
            " where n.notice_version_id = (select max(id) from notice_version) order by n.position")]
    finally:
        await conn.close()


# --- nginx in front, as deploy/nginx.conf sets it up --------------------------------------------------------


def _rewrite(text: str, old: str, new: str, *, pattern: bool = False) -> str:
    """One change to the deployed configuration, which must still hold what is changed."""
    changed, count = (re.subn(old, new, text, flags=re.S) if pattern else (text.replace(old, new), text.count(old)))
    assert count >= 1, f"deploy/nginx.conf no longer has {old!r}"
    return changed


def nginx_config(prefix: Path, port: int, servers: list[str], static: Path) -> str:
    """deploy/nginx.conf for an nginx of our own: no system user, one worker, files and cache under
    `prefix`, listening on a loopback port, `servers` as the upstream, static files from `static`."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    text = _rewrite(text, "user www-data;\n", "")
    text = _rewrite(text, "worker_processes auto;", "worker_processes 1;")
    text = _rewrite(text, "pid /run/nginx.pid;", f"pid {prefix}/nginx.pid;")
    text = _rewrite(text, "/var/log/nginx/error.log", f"{prefix}/error.log")
    text = _rewrite(text, "/var/cache/nginx/contest", f"{prefix}/cache")
    text = _rewrite(text, "listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    text = _rewrite(text, "/opt/contest/static/", f"{static}/")
    upstream = "".join(f"        server {s.removeprefix('http://')};\n" for s in servers)
    text = _rewrite(text, r"(upstream contest \{\n\s*least_conn;\n)(?:\s*server [^\n]*\n)+", rf"\g<1>{upstream}",
                    pattern=True)
    temp = "".join(f"    {kind}_temp_path {prefix}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return _rewrite(text, "http {\n", "http {\n" + temp)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def _as_nobody() -> None:
    """Run nginx as an unprivileged user even when the tests run as root (CI does)."""
    nobody = pwd.getpwnam("nobody")
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


@contextmanager
def nginx_in_front(servers: list[str], static: Path = ROOT / "static") -> Iterator[str]:
    """A real nginx, unprivileged, on a loopback port with deploy/nginx.conf in front of `servers`;
    yields its base URL once it answers."""
    prefix = Path(tempfile.mkdtemp(prefix="contest-nginx-"))  # not under pytest's folder, which only root may enter
    root = os.geteuid() == 0
    if root:
        os.chown(prefix, pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid)
    port = free_port()
    (prefix / "nginx.conf").write_text(nginx_config(prefix, port, servers, static))
    command = [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    unprivileged = _as_nobody if root else None
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, preexec_fn=unprivileged)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([*command, "-g", "daemon off;"], preexec_fn=unprivileged)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{base}/", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, (prefix / "error.log").read_text()
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)


@contextmanager
def statements(app):
    """Every statement the app's engine sends meanwhile."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
