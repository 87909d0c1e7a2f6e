"""Month-end load against PostgreSQL: members submit claims while reviewers bulk-approve.

    uv run python -m bench.month_end            # or: make bench

1. Drops and recreates the bench database (default vp_bench on the local server), migrates it
   with Alembic and seeds a committee, branches of members with accounts and reviewers.
2. Baseline: serves bench/bare_app.py (one claim-sized INSERT per request through the app's
   engine and session) under uvicorn and drives it with the same closed-loop clients.
3. The real app under uvicorn with the production flags:
   - month-end: the clients submit claims (`submit: true`) while each branch's reviewer pulls
     the oldest 500 submitted claims of the queue and bulk-approves them, again and again;
   - diagnostics: submissions alone, with and without an Idempotency-Key;
   - a 500-claim bulk approval on a quiet server, a few times.
4. Prints the figures and writes them between markers into docs/PERFORMANCE.md.

Speed is measured here, never asserted in the tests.
"""

import asyncio
import contextlib
import itertools
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import httpx
import typer

from bench.harness import (
    BulkRun,
    Phase,
    bench_env,
    fresh_database,
    measured,
    merge_phases,
    run_with_uvloop,
    say,
    session_on,
    wait_for_quiet,
)
from bench.loadgen import HTTPConnection, LoadResult, build_request, closed_loop, paced_loop
from bench.report import Report, render_console, write_markdown
from bench.seed import PASSWORD, Seeded, seed, seed_backlog, server_facts
from bench.server import ROOT, Server

# The paced month-end phases offer these shares of the closed-loop month-end capacity; the
# first is where the p95 target is judged (see bench/report.py).
PACED_SHARES = (0.5, 0.75)
DESCRIPTION = "走访慰问社区孤寡老人，帮助打扫卫生、代购生活用品，陪同就医一次。"
BULK_SIZE = 500

cli = typer.Typer(add_completion=False, help=__doc__)


@dataclass
class Settings:
    database_url: str
    clients: int
    warmup: float
    duration: float
    diag_duration: float
    branches: int
    members_per_branch: int
    quiet_reps: int
    quiet_wait: float
    backlog: int
    drain_backlog: int
    review_pause: float
    rounds: int
    workers: int
    idempotency: bool
    profile: Path | None
    logs: Path


def claim_requests(
    host: str,
    port: int,
    members: list[tuple[int, int, int]],
    tokens: dict[int, str],
    item_ids: list[int],
    occurred_on: date,
    *,
    idempotency: bool,
) -> Callable[[], bytes]:
    """Requests that cycle through the members, each declaring the next bench item."""
    prepared = []
    for n, (user_id, _member_id, _branch_id) in enumerate(members):
        body = json.dumps(
            {
                "item_id": item_ids[n % len(item_ids)],
                "occurred_on": occurred_on.isoformat(),
                "quantity": 1,
                "description": DESCRIPTION,
                "submit": True,
            },
            ensure_ascii=False,
        ).encode()
        prepared.append((body, f"Bearer {tokens[user_id]}"))
    turn = itertools.count()

    def make() -> bytes:
        body, auth = prepared[next(turn) % len(prepared)]
        headers = {"Authorization": auth}
        if idempotency:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return build_request("POST", host, port, "/api/v1/claims", body, headers)

    return make


async def fetch_queue(
    http: httpx.AsyncClient, token: str, branch_id: int, wanted: int
) -> list[int]:
    """The reviewer's queue: the oldest submitted claims of the branch, 200 a page."""
    ids: list[int] = []
    page = 1
    while len(ids) < wanted:
        r = await http.get(
            "/api/v1/claims",
            params={
                "status": "submitted",
                "branch": branch_id,
                "order": "oldest",
                "page": page,
                "page_size": 200,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        r.raise_for_status()
        items = r.json()["items"]
        ids += [c["id"] for c in items]
        if len(items) < 200:
            break
        page += 1
    return ids[:wanted]


async def bulk_approve(
    http: httpx.AsyncClient, token: str, ids: list[int], *, idempotency: bool
) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    body = {"decisions": [{"claim_id": i, "decision": "approve"} for i in ids]}
    t0 = time.perf_counter()
    r = await http.post("/api/v1/claims/bulk-review", json=body, headers=headers)
    elapsed = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise RuntimeError(f"bulk review failed: {r.status_code} {r.text[:300]}")
    return elapsed, int(r.json()["succeeded"])


async def reviewer_loop(
    http: httpx.AsyncClient,
    token: str,
    branch_id: int,
    stop: asyncio.Event,
    runs: list[BulkRun],
    *,
    idempotency: bool,
    pause: float,
    min_batch: int,
) -> None:
    """List the oldest (up to 500) of the branch's queue, bulk-approve them, pause; repeat.

    min_batch 1: the reviewer keeps pace, approving whatever has arrived since the last
    round; min_batch 500: the reviewer drains a backlog in full batches of 500 only.
    Reviewers act independently: each starts at a random moment within the first pause and
    pauses between half and one and a half times `pause` (seeded per branch, so runs repeat);
    in lockstep, four reviewers would hit the server at the same instants, which people
    approving on their own phones do not."""
    rng = random.Random(branch_id)  # noqa: S311 - load timing, not security
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), rng.uniform(0, pause))
    while not stop.is_set():
        t0 = time.perf_counter()
        ids = await fetch_queue(http, token, branch_id, BULK_SIZE)
        queue_ms = (time.perf_counter() - t0) * 1000
        if len(ids) < min_batch:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
            continue
        review_ms, ok = await bulk_approve(http, token, ids, idempotency=idempotency)
        runs.append(BulkRun(len(ids), ok, queue_ms, review_ms))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(0.5, 1.5) * pause)


async def submit_count(host: str, port: int, make: Callable[[], bytes], n: int) -> None:
    """Submit n claims with 16 clients as fast as they go (to fill a reviewer's queue)."""
    remaining = n

    async def client() -> None:
        nonlocal remaining
        conn = HTTPConnection(host, port)
        try:
            while remaining > 0:
                remaining -= 1
                status, body = await conn.request(make())
                if status != 201:
                    raise RuntimeError(f"claim submission failed: {status} {body[:300]!r}")
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(16)))


async def login(http: httpx.AsyncClient, username: str) -> tuple[str, float]:
    t0 = time.perf_counter()
    r = await http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    elapsed = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise RuntimeError(f"sign-in of {username} failed: {r.status_code} {r.text[:300]}")
    return str(r.json()["access_token"]), elapsed


async def run_bench(cfg: Settings, env: dict[str, str]) -> Report:
    from sqlalchemy import text

    from app.security import create_access_token
    from bench.bare_app import DDL

    async with session_on(cfg.database_url) as session:
        facts = await server_facts(session)
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        say(
            f"seeding {cfg.branches} branches × {cfg.members_per_branch} members, "
            f"{cfg.branches} reviewers"
        )
        world: Seeded = await seed(
            session,
            branches=cfg.branches,
            members_per_branch=cfg.members_per_branch,
            today=today,
        )
        if cfg.backlog:
            say(f"{cfg.backlog} submitted claims per branch already waiting for review")
            await seed_backlog(
                session, world, per_branch=cfg.backlog, today=today, description=DESCRIPTION
            )
        await session.execute(text(DDL))
        await session.commit()

    # The same token /auth/login hands out (create_access_token(f"user:{id}")), minted here:
    # one real sign-in costs ~130 ms of argon2, too slow for thousands of members. A few
    # members and every reviewer still sign in through the API below.
    tokens = {uid: create_access_token(f"user:{uid}")[0] for uid, _m, _b in world.members}
    report = Report(
        started=datetime.now().astimezone(),
        facts=facts,
        clients=cfg.clients,
        warmup=cfg.warmup,
        duration=cfg.duration,
        diag_duration=cfg.diag_duration,
        members=len(world.members),
        branches=cfg.branches,
        idempotency=cfg.idempotency,
        workers=cfg.workers,
        backlog=cfg.backlog,
        drain_backlog=cfg.drain_backlog,
        review_pause=cfg.review_pause,
    )
    host = "127.0.0.1"

    # Both servers run side by side (an idle one costs nothing) and are loaded in turn,
    # round after round, so that other work on the machine weighs on both alike.
    with (
        Server("bench.bare_app:app", env, cfg.logs / "bare.log", workers=cfg.workers) as bare,
        Server(
            # VP_BENCH_APP serves another ASGI app instead, e.g. a wrapper of app.main that
            # records garbage-collection pauses.
            os.environ.get("VP_BENCH_APP", "app.main:app"),
            env,
            cfg.logs / "app.log",
            workers=cfg.workers,
            profile=cfg.profile,
        ) as server,
    ):
        await bare.wait_ready("/openapi.json")
        await server.wait_ready("/readyz")
        bare_body = json.dumps(
            {
                "item_id": 1,
                "occurred_on": today.isoformat(),
                "quantity": 1,
                "description": DESCRIPTION,
                "submit": True,
            },
            ensure_ascii=False,
        ).encode()
        bare_request = build_request("POST", host, bare.port, "/rows", bare_body)
        # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them,
        # so a reviewer back from a pause never sends on a connection the server is closing.
        limits = httpx.Limits(keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:
            reviewer_tokens = {}
            for branch_id, (_uid, username) in world.reviewers.items():
                reviewer_tokens[branch_id], ms = await login(http, username)
                report.login_ms.append(ms)
            for user_id, _m, _b in world.members[:: max(1, len(world.members) // 4)][:4]:
                _token, ms = await login(http, world.member_usernames[user_id])
                report.login_ms.append(ms)

            def claims(members: list[tuple[int, int, int]], keys: bool) -> Callable[[], bytes]:
                return claim_requests(
                    host,
                    server.port,
                    members,
                    tokens,
                    world.item_ids,
                    today,
                    idempotency=keys,
                )

            everyone = claims(world.members, cfg.idempotency)
            seconds = cfg.duration / cfg.rounds

            async def top_up(per_branch: int) -> None:
                """Bring every branch's queue back to per_branch submitted claims."""
                if per_branch <= 0:
                    return
                waiting = await _waiting(cfg.database_url)
                wanted = {b: max(0, per_branch - waiting.get(b, 0)) for b in world.branch_ids}
                if any(wanted.values()):
                    await _seed_waiting(cfg.database_url, world, wanted, today)

            async def with_reviewers(
                load: Callable[[], Awaitable[LoadResult]], runs: list[BulkRun], min_batch: int
            ) -> LoadResult:
                stop = asyncio.Event()
                reviewers = [
                    asyncio.create_task(
                        reviewer_loop(
                            http,
                            token,
                            branch_id,
                            stop,
                            runs,
                            idempotency=cfg.idempotency,
                            pause=cfg.review_pause,
                            min_batch=min_batch,
                        )
                    )
                    for branch_id, token in reviewer_tokens.items()
                ]
                try:
                    return await load()
                finally:
                    stop.set()
                    await asyncio.gather(*reviewers)

            def submitting(name: str, duration: float) -> Callable[[], Awaitable[LoadResult]]:
                return lambda: closed_loop(
                    name,
                    host,
                    server.port,
                    everyone,
                    clients=cfg.clients,
                    warmup=cfg.warmup,
                    duration=duration,
                    expect=201,
                )

            bare_rounds: list[Phase] = []
            month_rounds: list[Phase] = []
            for n in range(1, cfg.rounds + 1):
                await top_up(cfg.backlog)
                wait = cfg.quiet_wait if n == 1 else min(cfg.quiet_wait, 20.0)
                report.busy_before.append(await wait_for_quiet(wait))
                say(
                    f"round {n}/{cfg.rounds}: bare insert, {cfg.clients} clients, "
                    f"{cfg.warmup:g}+{seconds:g} s"
                )
                bare_rounds.append(
                    await measured(
                        bare,
                        lambda: closed_loop(
                            "bare insert",
                            host,
                            bare.port,
                            lambda: bare_request,
                            clients=cfg.clients,
                            warmup=cfg.warmup,
                            duration=seconds,
                            expect=201,
                        ),
                    )
                )
                say(
                    f"round {n}/{cfg.rounds}: month-end, {cfg.clients} clients submitting + "
                    f"{len(reviewer_tokens)} reviewers keeping pace, {cfg.warmup:g}+{seconds:g} s"
                )
                runs: list[BulkRun] = []
                month_rounds.append(
                    await measured(
                        server,
                        lambda runs=runs: with_reviewers(  # type: ignore[misc]
                            submitting("claim submit (month-end)", seconds), runs, 1
                        ),
                        runs,
                    )
                )
                report.round_ratios.append(
                    month_rounds[-1].load.throughput / (bare_rounds[-1].load.throughput or 1.0)
                )
            report.bare = merge_phases("bare insert", bare_rounds)
            report.month_end = merge_phases("claim submit (month-end)", month_rounds)

            capacity = report.month_end.load.throughput
            for share in PACED_SHARES:
                rate = max(1.0, round(capacity * share))
                say(
                    f"paced month-end: {cfg.clients} clients, {rate:g} claims/s in all "
                    f"({share:.0%} of capacity) + reviewers keeping pace, {cfg.diag_duration:g} s"
                )
                await top_up(cfg.backlog)
                paced_runs: list[BulkRun] = []
                phase = await measured(
                    server,
                    lambda rate=rate, paced_runs=paced_runs, share=share: with_reviewers(  # type: ignore[misc]
                        lambda: paced_loop(
                            f"month-end, paced at {rate:g}/s ({share:.0%})",
                            host,
                            server.port,
                            everyone,
                            clients=cfg.clients,
                            rate=rate,
                            warmup=cfg.warmup,
                            duration=cfg.diag_duration,
                            expect=201,
                        ),
                        paced_runs,
                        1,
                    ),
                    paced_runs,
                )
                report.paced.append((share, phase))
                report.diagnostics.append(phase)

            if cfg.drain_backlog:
                say(
                    f"backlog drain: {cfg.drain_backlog} waiting per branch, reviewers approving "
                    f"500 at a time, {cfg.diag_duration:g} s"
                )
                await top_up(cfg.drain_backlog)
                drain_runs: list[BulkRun] = []
                report.drain = await measured(
                    server,
                    lambda: with_reviewers(
                        submitting("claim submit, reviewers draining a backlog", cfg.diag_duration),
                        drain_runs,
                        BULK_SIZE,
                    ),
                    drain_runs,
                )
                report.diagnostics.append(report.drain)

            for keys in (cfg.idempotency, not cfg.idempotency):
                label = "with" if keys else "without"
                say(f"submit only, {label} Idempotency-Key: {cfg.diag_duration:g} s")
                make = claims(world.members, keys)
                phase = await measured(
                    server,
                    lambda make=make, label=label: closed_loop(  # type: ignore[misc]
                        f"claim submit only ({label} Idempotency-Key)",
                        host,
                        server.port,
                        make,
                        clients=cfg.clients,
                        warmup=1.0,
                        duration=cfg.diag_duration,
                        expect=201,
                    ),
                )
                report.diagnostics.append(phase)

            say(f"quiet bulk review of {BULK_SIZE} claims × {cfg.quiet_reps}")
            for rep in range(cfg.quiet_reps):
                branch_id = world.branch_ids[rep % len(world.branch_ids)]
                token = reviewer_tokens[branch_id]
                ids = await fetch_queue(http, token, branch_id, BULK_SIZE)
                if len(ids) < BULK_SIZE:
                    in_branch = [m for m in world.members if m[2] == branch_id]
                    await submit_count(
                        host, server.port, claims(in_branch, False), BULK_SIZE - len(ids)
                    )
                    ids = await fetch_queue(http, token, branch_id, BULK_SIZE)
                await wait_for_quiet(min(cfg.quiet_wait, 20.0))
                t0 = time.perf_counter()
                ids = await fetch_queue(http, token, branch_id, BULK_SIZE)
                queue_ms = (time.perf_counter() - t0) * 1000
                review_ms, ok = await bulk_approve(http, token, ids, idempotency=cfg.idempotency)
                report.quiet_bulk.append(BulkRun(len(ids), ok, queue_ms, review_ms))
            report.claims_in_db = await _count_claims(cfg.database_url)
    return report


async def _waiting(url: str) -> dict[int, int]:
    """Submitted claims waiting for review, per branch."""
    from sqlalchemy import text

    async with session_on(url) as session:
        rows = await session.execute(
            text("SELECT branch_id, count(*) FROM claim WHERE status = 'submitted' GROUP BY 1")
        )
        return {int(b): int(n) for b, n in rows.all()}


async def _seed_waiting(url: str, world: Seeded, wanted: dict[int, int], today: date) -> None:
    async with session_on(url) as session:
        await seed_backlog(session, world, per_branch=wanted, today=today, description=DESCRIPTION)
        await session.commit()


async def _count_claims(url: str) -> int:
    from sqlalchemy import text

    async with session_on(url) as session:
        return int(await session.scalar(text("SELECT count(*) FROM claim")) or 0)


@cli.command()
def main(
    database_url: Annotated[
        str, typer.Option(help="Bench database; it is DROPPED and recreated")
    ] = "postgresql+asyncpg://postgres@127.0.0.1:5432/vp_bench",
    clients: Annotated[int, typer.Option(help="Concurrent claim-submitting clients")] = 32,
    warmup: Annotated[float, typer.Option(help="Seconds of load before measuring")] = 3.0,
    duration: Annotated[
        float, typer.Option(help="Measured seconds for each of bare and month-end, in all")
    ] = 30.0,
    diag_duration: Annotated[float, typer.Option(help="Seconds of each diagnostic phase")] = 10.0,
    branches: Annotated[int, typer.Option()] = 4,
    members_per_branch: Annotated[int, typer.Option()] = 500,
    quiet_reps: Annotated[int, typer.Option(help="Quiet 500-claim bulk approvals")] = 3,
    quiet_wait: Annotated[
        float, typer.Option(help="Seconds to wait for other processes to go quiet first")
    ] = 120.0,
    backlog: Annotated[
        int,
        typer.Option(
            help="Submitted claims per branch waiting for review at the start of each "
            "month-end phase (0: the reviewers approve only what is submitted meanwhile)"
        ),
    ] = 0,
    drain_backlog: Annotated[
        int,
        typer.Option(
            help="Waiting claims per branch for the backlog-drain diagnostic (0 skips it)"
        ),
    ] = 3000,
    review_pause: Annotated[
        float, typer.Option(help="Seconds each reviewer pauses after a bulk approval")
    ] = 5.0,
    rounds: Annotated[
        int, typer.Option(help="Rounds of bare then month-end load sharing --duration")
    ] = 3,
    workers: Annotated[
        int, typer.Option(help="uvicorn workers for both apps (the Dockerfile runs 1)")
    ] = 1,
    idempotency: Annotated[
        bool, typer.Option(help="Send an Idempotency-Key with each claim and bulk review")
    ] = True,
    write: Annotated[bool, typer.Option(help="Write the figures into the output file")] = True,
    output: Annotated[Path, typer.Option()] = ROOT / "docs" / "PERFORMANCE.md",
    profile: Annotated[
        bool, typer.Option(help="Run the app under cProfile (slower; the doc is not written)")
    ] = False,
) -> None:
    if not database_url.startswith("postgresql+asyncpg://"):
        raise typer.BadParameter("the bench runs on PostgreSQL: postgresql+asyncpg://…")
    logs = Path(tempfile.mkdtemp(prefix="vp-bench-"))
    cfg = Settings(
        database_url=database_url,
        clients=clients,
        warmup=warmup,
        duration=duration,
        diag_duration=diag_duration,
        branches=branches,
        members_per_branch=members_per_branch,
        quiet_reps=quiet_reps,
        quiet_wait=quiet_wait,
        backlog=backlog,
        drain_backlog=drain_backlog,
        review_pause=review_pause,
        rounds=rounds,
        workers=workers,
        idempotency=idempotency,
        profile=logs / "app.prof" if profile else None,
        logs=logs,
    )
    # Settings are read when app.config is first imported: set them before any app import.
    env = bench_env(database_url, logs)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()

    say(f"recreating {database_url.rsplit('/', 1)[-1]} and migrating (logs in {logs})")
    fresh_database(database_url)
    report = run_with_uvloop(run_bench(cfg, env))
    report.load_before = load_before
    report.total_seconds = time.perf_counter() - started
    render_console(report)
    if cfg.profile is not None:
        _print_profile(cfg.profile, logs / "profile.txt")
        return
    if write:
        write_markdown(report, output)
        say(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


def _print_profile(path: Path, text_out: Path) -> None:
    import io
    import pstats

    buffer = io.StringIO()
    stats = pstats.Stats(str(path), stream=buffer)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    text_out.write_text(buffer.getvalue())
    typer.echo(buffer.getvalue()[:12000])
    say(f"full profile in {text_out}")


if __name__ == "__main__":
    cli()
