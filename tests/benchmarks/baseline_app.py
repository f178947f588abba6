# Copied unchanged from ../shared/bench/baseline_app.py (the bare app every performance figure is
# quoted against; see ../shared/bench/README.md), so that the benchmarks run without ../shared.
# Kept byte for byte as the original below this header, hence not linted:
# ruff: noqa
"""The floor under every performance figure: a bare Litestar + asyncpg app on the same
PostgreSQL, doing the least work that each product endpoint must do. Product throughput
is quoted as a ratio of this, measured in the same run."""
import os
import asyncpg
from litestar import Litestar, get, post, Response
from litestar.datastructures import State

DSN = os.environ["BASELINE_DSN"]
ROWS = "".join(
    f"<tr><td>{i}</td><td>A{i:04d}</td><td>选手{i}</td><td>咸宁市某单位{i % 37}</td><td>{95 - i * 0.1:.2f}</td></tr>"
    for i in range(200)
)
PAGE = f"<!doctype html><html><body><table>{ROWS}</table></body></html>"


async def startup(app: Litestar) -> None:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=4, max_size=10)
    async with app.state.pool.acquire() as c:
        await c.execute(
            "create table if not exists base_score (id bigserial primary key, judge int, entry int,"
            " criterion int, value numeric(6,2), created timestamptz default now())"
        )


@post("/insert", status_code=201)
async def insert(data: dict, state: State) -> dict:
    async with state.pool.acquire() as c:
        rid = await c.fetchval(
            "insert into base_score (judge, entry, criterion, value) values ($1,$2,$3,$4) returning id",
            int(data["judge"]), int(data["entry"]), int(data["criterion"]), data["value"],
        )
    return {"id": rid}


@get("/html")
async def html() -> Response:
    return Response(PAGE, media_type="text/html")


@get("/select")
async def select(state: State) -> Response:
    async with state.pool.acquire() as c:
        rows = await c.fetch("select id, judge, entry, value from base_score order by value desc, id limit 200")
    body = "".join(f"<tr><td>{r['id']}</td><td>{r['judge']}</td><td>{r['entry']}</td><td>{r['value']}</td></tr>" for r in rows)
    return Response(f"<!doctype html><html><body><table>{body}</table></body></html>", media_type="text/html")


app = Litestar([insert, html, select], on_startup=[startup])
