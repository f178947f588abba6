"""Plumbing the tests share that is not a fixture: the test ID-hash key, the libpq form of a
database URL, page text without tags, a free port, the fixtures folder, the statement that empties
the database, and where Debian's chromium is."""
from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

ID_KEY = "test-id-hash-key"
FIXTURES = Path(__file__).parent / "fixtures"

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


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
