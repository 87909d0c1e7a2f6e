"""Where one claim submission's time goes: SQL statements, database time and Python time.

    uv run python -m bench.claim_anatomy [--profile]

Runs the app in-process (httpx's ASGI transport, no server, one request at a time) against
a fresh PostgreSQL database (default vp_bench_anatomy, dropped and recreated), submits claims
one after another and prints, per request: wall time, time inside SQL statements (each
statement's round trip, measured with SQLAlchemy cursor events), the rest (Python), and every
statement of one typical request. Then the same for the bare insert and for one bulk approval
of 500 claims. With --profile, also the functions that use the most CPU (cProfile, tottime).
"""

import asyncio
import cProfile
import io
import os
import pstats
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.console import Console
from rich.table import Table

from bench.seed import recreate_database, seed

cli = typer.Typer(add_completion=False, help=__doc__)
console = Console()


@dataclass
class Trace:
    statements: list[tuple[str, float]] = field(default_factory=list)
    commits: int = 0
    checkouts: int = 0

    @property
    def db_ms(self) -> float:
        return sum(ms for _, ms in self.statements)


@dataclass
class Sample:
    wall_ms: float
    trace: Trace


class Recorder:
    """SQLAlchemy engine events → the statements of the current request."""

    def __init__(self) -> None:
        self.current = Trace()
        self._started: dict[int, float] = {}

    def install(self, engine: Any) -> None:
        from sqlalchemy import event

        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, *_a: Any) -> None:
            self._started[id(cursor)] = time.perf_counter()

        @event.listens_for(sync, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, *_a: Any) -> None:
            t0 = self._started.pop(id(cursor), time.perf_counter())
            self.current.statements.append((_short(statement), (time.perf_counter() - t0) * 1000))

        @event.listens_for(sync, "commit")
        def _commit(conn: Any) -> None:
            self.current.commits += 1

        @event.listens_for(sync.pool, "checkout")
        def _checkout(*_a: Any) -> None:
            self.current.checkouts += 1

    async def measure(self, call: Callable[[], Awaitable[httpx.Response]], expect: int) -> Sample:
        self.current = Trace()
        t0 = time.perf_counter()
        response = await call()
        wall = (time.perf_counter() - t0) * 1000
        if response.status_code != expect:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return Sample(wall, self.current)


def _short(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= 110 else flat[:107] + "…"


def _summary(title: str, samples: list[Sample]) -> None:
    wall = statistics.median(s.wall_ms for s in samples)
    db = statistics.median(s.trace.db_ms for s in samples)
    n = statistics.median(len(s.trace.statements) for s in samples)
    commits = statistics.median(s.trace.commits for s in samples)
    checkouts = statistics.median(s.trace.checkouts for s in samples)
    console.print(
        f"[bold]{title}[/bold] (median of {len(samples)}): {wall:.2f} ms wall, "
        f"{n:.0f} SQL statements taking {db:.2f} ms, {commits:.0f} commits, "
        f"{checkouts:.0f} pool checkouts, {wall - db:.2f} ms outside SQL"
    )


def _statements(title: str, sample: Sample) -> None:
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("ms", justify="right")
    table.add_column("statement")
    for i, (sql, ms) in enumerate(sample.trace.statements, 1):
        table.add_row(str(i), f"{ms:.2f}", sql)
    console.print(table)


async def anatomy(url: str, count: int, profile: bool) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession

    from app import db
    from app.main import app
    from app.security import create_access_token
    from bench import bare_app
    from bench.month_end import DESCRIPTION

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    async with AsyncSession(db.engine, expire_on_commit=False) as session:
        world = await seed(session, branches=2, members_per_branch=300, today=today)
        await session.execute(text(bare_app.DDL))
        await session.commit()
    recorder = Recorder()
    recorder.install(db.engine)
    body = {
        "occurred_on": today.isoformat(),
        "quantity": 1,
        "description": DESCRIPTION,
        "submit": True,
    }
    tokens = {uid: create_access_token(f"user:{uid}")[0] for uid, _m, _b in world.members}
    profiler = cProfile.Profile() if profile else None

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        def claim(n: int, key: bool) -> Callable[[], Awaitable[httpx.Response]]:
            uid = world.members[n % len(world.members)][0]
            headers = {"Authorization": f"Bearer {tokens[uid]}"}
            if key:
                headers["Idempotency-Key"] = secrets.token_hex(16)
            payload = {**body, "item_id": world.item_ids[n % len(world.item_ids)]}
            return lambda: client.post("/api/v1/claims", json=payload, headers=headers)

        for n in range(20):  # warm the statement caches
            await recorder.measure(claim(n, True), 201)
        results: dict[bool, list[Sample]] = {True: [], False: []}
        if profiler:
            profiler.enable()
        for n in range(count):
            key = n % 2 == 0
            results[key].append(await recorder.measure(claim(1000 + n, key), 201))
        if profiler:
            profiler.disable()
        _summary("Claim submission with Idempotency-Key", results[True])
        _summary("Claim submission without Idempotency-Key", results[False])
        typical = sorted(results[True], key=lambda s: s.wall_ms)[len(results[True]) // 2]
        _statements("One claim submission (with Idempotency-Key), statement by statement", typical)

        branch = world.branch_ids[0]
        reviewer = world.reviewers[branch][0]
        review_headers = {"Authorization": f"Bearer {create_access_token(f'user:{reviewer}')[0]}"}
        in_branch = [i for i, m in enumerate(world.members) if m[2] == branch]
        for i in range(500):
            await claim(in_branch[i % len(in_branch)], False)()
        queue = await client.get(
            "/api/v1/claims",
            params={"status": "submitted", "branch": branch, "order": "oldest", "page_size": 200},
            headers=review_headers,
        )
        total = queue.json()["total"]
        ids: list[int] = []
        for page in range(1, 4):
            r = await client.get(
                "/api/v1/claims",
                params={
                    "status": "submitted",
                    "branch": branch,
                    "order": "oldest",
                    "page": page,
                    "page_size": 200,
                },
                headers=review_headers,
            )
            ids += [c["id"] for c in r.json()["items"]]
        ids = ids[:500]
        decisions = {"decisions": [{"claim_id": i, "decision": "approve"} for i in ids]}
        sample = await recorder.measure(
            lambda: client.post(
                "/api/v1/claims/bulk-review",
                json=decisions,
                headers={**review_headers, "Idempotency-Key": secrets.token_hex(16)},
            ),
            200,
        )
        _summary(f"Bulk approval of {len(ids)} claims ({total} were waiting)", [sample])
        _statements("The bulk approval, statement by statement", sample)

    bare_transport = httpx.ASGITransport(app=bare_app.app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=bare_transport, base_url="http://bench") as client:
        payload = {**body, "item_id": 1}
        bare = [
            await recorder.measure(lambda: client.post("/rows", json=payload), 201)
            for _ in range(count // 2 + 20)
        ][20:]
        _summary("Bare insert", bare)
        _statements("One bare insert", bare[len(bare) // 2])

    if profiler:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(
            r"/app/|sqlalchemy/orm/session|jose|prometheus", 40
        )
        console.print(buffer.getvalue())
        dump = os.path.join(tempfile.gettempdir(), "vp-claim-anatomy.prof")
        profiler.dump_stats(dump)
        console.print(f"cProfile data in {dump}")
    await db.engine.dispose()


@cli.command()
def main(
    database_url: Annotated[
        str, typer.Option(help="Database to DROP, recreate and use")
    ] = "postgresql+asyncpg://postgres@127.0.0.1:5432/vp_bench_anatomy",
    count: Annotated[int, typer.Option(help="Claim submissions to measure")] = 200,
    profile: Annotated[bool, typer.Option(help="Also print a cProfile of the claims")] = False,
) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATA_DIR=tempfile.mkdtemp(prefix="vp-anatomy-"),
    )
    os.environ.pop("REDIS_URL", None)
    asyncio.run(recreate_database(database_url))
    from app.migrate import upgrade

    upgrade(database_url)
    asyncio.run(anatomy(database_url, count, profile))


if __name__ == "__main__":
    cli()
