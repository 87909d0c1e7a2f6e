"""The meeting hall: 300 people with codes cast ballots rating a branch's 30 members.

    uv run python -m bench.evaluation_hall [--no-write]        # SQLite, the app's default
    uv run python -m bench.evaluation_hall --database-url postgresql+asyncpg://…/vp_bench_hall

Seeds two branches of 30 members with an open round each (bench/seed.py; codes stored as the
app stores them): the hall's, with exactly 300 codes, and a rehearsal round whose thousands
of codes the capacity phases spend. Capacity: the floor (bench/bare_ballot.py, the same body,
its 30 rows in one INSERT) and the app's ballot endpoint are loaded in turn, in rounds, by the
same closed-loop clients, and their ratio is judged; people looking up a code then casting it
are measured, and set the hall's pace. The hall: the 300 arrive at half the capacity for a
look-up and a ballot, each on a connection of their own, look up, fill in the page for 1-3 s
and cast; the ballots' p95 is
judged, the look-ups' reported. Afterwards the database must hold 300 spent hall codes and
9,000 ratings, 30 ratings per spent rehearsal code, and no throttle counter for the hall's one
address. Prints the figures and writes them into docs/PERFORMANCE.md.
"""

import asyncio
import itertools
import json
import math
import os
import platform
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bench import harness
from bench.loadgen import HTTPConnection, LoadResult, build_request, closed_loop
from bench.server import ROOT, UVICORN_FLAGS, Server

START = "<!-- bench:evaluation_hall:start -->"
END = "<!-- bench:evaluation_hall:end -->"
RATIO_TARGET = 0.5
P95_TARGET_MS = 100.0
PEOPLE = 300
MEMBERS = 30
THINK_SECONDS = (1.0, 3.0)  # filling in the page, under uvicorn's 5 s keep-alive
HOST = "127.0.0.1"
COMMENTS = ("工作认真负责，群众有事找他很放心。", "希望多到村民家里走走。", "带头打扫卫生。")

cli = typer.Typer(add_completion=False, help=__doc__)


@dataclass
class Round:
    round_id: int
    member_ids: list[int]
    codes: list[str]


@dataclass
class Person:
    lookup: bytes
    ballot: bytes


def ballot_body(code: str, rnd: Round, rng: random.Random) -> bytes:
    """Every member rated, mostly 满意, a few comments: what a filled-in page sends."""
    ratings: list[dict[str, object]] = []
    for member_id in rnd.member_ids:
        rating = rng.choices(("good", "fair", "poor", "skip"), (70, 15, 5, 10))[0]
        ratings.append({"member_id": member_id, "rating": rating})
        if rng.random() < 0.07:
            ratings[-1]["comment"] = rng.choice(COMMENTS)
    body = {"code": code, "round_id": rnd.round_id, "ratings": ratings}
    return json.dumps(body, ensure_ascii=False).encode()


def people(rnd: Round, port: int) -> Iterator[Person]:
    """Each code's holder: the look-up and the ballot they send."""
    rng = random.Random(rnd.round_id)  # noqa: S311 - ratings to send, not security
    for code in rnd.codes:
        lookup = json.dumps({"code": code}).encode()
        yield Person(
            build_request("POST", HOST, port, "/api/v1/public/evaluation/lookup", lookup),
            build_request(
                "POST", HOST, port, "/api/v1/public/evaluation/ballots", ballot_body(code, rnd, rng)
            ),
        )


def rehearsal_people(rnd: Round, port: int) -> Iterator[Person]:
    yield from people(rnd, port)
    raise RuntimeError("the rehearsal codes ran out: raise --rehearsal-codes")


async def visit(
    conn: HTTPConnection,
    person: Person,
    answers: tuple[LoadResult, LoadResult],
    arrived: float,
    think: float = 0.0,
    window: tuple[float, float] = (0.0, math.inf),
) -> None:
    """A person looks up their code, fills in the page for think seconds and casts the
    ballot. Answers within window count: a look-up's latency from the arrival, a ballot's
    from the press of the button."""
    lookups, ballots = answers
    status, body = await conn.request(person.lookup)
    done = time.perf_counter()
    if window[0] <= done <= window[1]:
        lookups.record(status, 200, body, (done - arrived) * 1000)
    if status == 200:
        await asyncio.sleep(think)
        pressed = time.perf_counter()
        status, body = await conn.request(person.ballot)
        done = time.perf_counter()
        if window[0] <= done <= window[1]:
            ballots.record(status, 201, body, (done - pressed) * 1000)


def new_results(name: str, clients: int, seconds: float) -> tuple[LoadResult, LoadResult]:
    return (
        LoadResult(f"{name}: look-ups", clients, seconds),
        LoadResult(f"{name}: ballots", clients, seconds),
    )


async def looking_up_and_casting(
    port: int, crowd: Iterator[Person], *, clients: int, warmup: float, duration: float
) -> tuple[LoadResult, LoadResult]:
    """closed_loop with people: each client takes the next person, who looks up, then casts."""
    answers = new_results("people (closed loop)", clients, duration)
    start = time.perf_counter()
    window = (start + warmup, start + warmup + duration)

    async def client() -> None:
        conn = HTTPConnection(HOST, port)
        try:
            while time.perf_counter() < window[1]:
                await visit(conn, next(crowd), answers, time.perf_counter(), window=window)
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    for result in answers:
        result.latencies_ms.sort()
    return answers


async def the_hall(port: int, crowd: list[Person], rate: float) -> tuple[LoadResult, LoadResult]:
    """Everyone once: person i arrives at i / rate s on a connection of their own (a phone),
    looks up, fills in the page for 1-3 s and casts. Every answer counts."""
    rng = random.Random(15)  # noqa: S311 - think times, not security
    answers = new_results(f"the hall at {rate:g}/s", len(crowd), len(crowd) / rate)
    start = time.perf_counter() + 0.2

    async def arrive(i: int, person: Person) -> None:
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        conn = HTTPConnection(HOST, port)
        try:
            await visit(conn, person, answers, due, rng.uniform(*THINK_SECONDS))
        finally:
            await conn.close()

    await asyncio.gather(*(arrive(i, p) for i, p in enumerate(crowd)))
    for result in answers:
        result.latencies_ms.sort()
    return answers


async def measured_pair(
    server: Server, run: Callable[[], Awaitable[tuple[LoadResult, LoadResult]]], *, postgres: bool
) -> list[harness.Phase]:
    """measured() for a load answering look-ups and ballots: a phase of each, the same CPU."""
    both: list[LoadResult] = []

    async def ballots() -> LoadResult:
        both[:] = await run()
        return both[1]

    phase = await harness.measured(server, ballots, postgres=postgres)
    return [replace(phase, load=both[0]), phase]


@dataclass
class Run:
    database: str
    clients: int
    warmup: float
    duration: float  # measured seconds of bare and of ballots, each, over the rounds
    rounds: int
    facts: dict[str, str] = field(default_factory=dict)
    bare: harness.Phase | None = None
    ballots: harness.Phase | None = None
    round_ratios: list[float] = field(default_factory=list)
    flow: list[harness.Phase] = field(default_factory=list)  # people: look-ups, their ballots
    rate: float = 0.0
    hall: list[harness.Phase] = field(default_factory=list)  # the hall: look-ups, ballots
    counts: dict[str, int] = field(default_factory=dict)  # the database afterwards

    @property
    def ratio(self) -> float:
        assert self.bare and self.ballots
        return self.ballots.load.throughput / (self.bare.load.throughput or float("nan"))

    @property
    def phases(self) -> list[harness.Phase]:
        assert self.bare and self.ballots
        return [self.bare, self.ballots, *self.flow, *self.hall]

    @property
    def errors(self) -> int:
        return sum(p.load.error_count for p in self.phases)

    def verdicts(self) -> dict[str, bool]:
        c = self.counts
        return {
            "ratio": self.ratio >= RATIO_TARGET,
            "p95": self.hall[1].load.pct(95) < P95_TARGET_MS,
            "hall": c["hall spent"] == PEOPLE and c["hall ratings"] == PEOPLE * MEMBERS,
            "rehearsal": c["rehearsal ratings"] == MEMBERS * c["rehearsal spent"],
            "errors": self.errors == 0 and c["throttle"] == 0,
        }


async def seed_rounds(url: str, rehearsal_codes: int) -> tuple[Round, Round, dict[str, str]]:
    """Two branches of MEMBERS, an open round each with its codes stored as the app does."""
    from sqlalchemy import insert, text

    from app.evaluation.codes import code_hash, new_code
    from app.models import EvaluationCode, EvaluationRound
    from bench.bare_ballot import ddl
    from bench.seed import seed, server_facts

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    async with harness.session_on(url) as session:
        if url.startswith("sqlite"):
            mode = str(await session.scalar(text("PRAGMA journal_mode")))
            facts = {"sqlite_version": sqlite3.sqlite_version, "journal_mode": mode}
        else:
            facts = await server_facts(session)
        world = await seed(session, branches=2, members_per_branch=MEMBERS, today=today)
        rounds = []
        for branch_id, count in zip(world.branch_ids, (PEOPLE, rehearsal_codes), strict=True):
            rnd = EvaluationRound(
                branch_id=branch_id,
                year=today.year,
                quarter=(today.month - 1) // 3 + 1,
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=7),
            )
            session.add(rnd)
            await session.flush()
            assert rnd.id is not None
            codes = [new_code() for _ in range(count)]
            rows = [
                {"round_id": rnd.id, "code_hash": code_hash(c), "batch": 1, "spent": False}
                for c in codes
            ]
            await session.execute(insert(EvaluationCode), rows)
            members = sorted(m for _u, m, b in world.members if b == branch_id)
            rounds.append(Round(rnd.id, members, codes))
        await session.execute(text(ddl(url)))
        await session.commit()
    return rounds[0], rounds[1], facts


async def count_afterwards(url: str, hall: Round, rehearsal: Round) -> dict[str, int]:
    from sqlalchemy import text

    codes = "SELECT count(*) FROM evaluation_code WHERE round_id = :r"
    ratings = "SELECT count(*) FROM evaluation_rating WHERE round_id = :r"
    queries = {
        "hall spent": (codes + " AND spent", hall),
        "hall ratings": (ratings, hall),
        "rehearsal spent": (codes + " AND spent", rehearsal),
        "rehearsal ratings": (ratings, rehearsal),
    }
    async with harness.session_on(url) as session:
        counts = {
            name: int(await session.scalar(text(sql), {"r": rnd.round_id}) or 0)
            for name, (sql, rnd) in queries.items()
        }
        throttle = "SELECT count(*) FROM auth_throttle WHERE key LIKE 'evaluation-code:%'"
        counts["throttle"] = int(await session.scalar(text(throttle)) or 0)
    return counts


async def run_bench(
    run: Run, url: str, env: dict[str, str], logs: Path, rehearsal_codes: int, quiet_wait: float
) -> Run:
    postgres = url.startswith("postgresql")
    harness.say(f"seeding 2 branches × {MEMBERS} members, {PEOPLE} + {rehearsal_codes} codes")
    hall, rehearsal, run.facts = await seed_rounds(url, rehearsal_codes)
    with (
        Server("bench.bare_ballot:app", env, logs / "bare.log") as bare,
        Server(os.environ.get("VP_BENCH_APP", "app.main:app"), env, logs / "app.log") as app,
    ):
        await bare.wait_ready("/openapi.json")
        await app.wait_ready("/readyz")
        rng = random.Random(7)  # noqa: S311 - ratings to send, not security
        bare_requests = [
            build_request("POST", HOST, bare.port, "/ballots", ballot_body(c, rehearsal, rng))
            for c in rehearsal.codes[:500]
        ]
        bare_request = itertools.cycle(bare_requests).__next__
        crowd = rehearsal_people(rehearsal, app.port)
        seconds = run.duration / run.rounds

        async def closed(server: Server, name: str, make: Callable[[], bytes]) -> harness.Phase:
            return await harness.measured(
                server,
                lambda: closed_loop(
                    name,
                    HOST,
                    server.port,
                    make,
                    clients=run.clients,
                    warmup=run.warmup,
                    duration=seconds,
                    expect=201,
                ),
                postgres=postgres,
            )

        bare_rounds, ballot_rounds = [], []
        for n in range(1, run.rounds + 1):
            await harness.wait_for_quiet(quiet_wait if n == 1 else 10.0)
            harness.say(
                f"round {n}/{run.rounds}: bare ballot insert, then ballots; {run.clients} clients"
            )
            bare_rounds.append(await closed(bare, "bare ballot insert", bare_request))
            ballot_rounds.append(await closed(app, "ballots", lambda: next(crowd).ballot))
            ratio = ballot_rounds[-1].load.throughput / (bare_rounds[-1].load.throughput or 1)
            run.round_ratios.append(ratio)
        run.bare = harness.merge_phases("bare ballot insert", bare_rounds)
        run.ballots = harness.merge_phases("ballots", ballot_rounds)

        harness.say(f"people looking up, then casting (information), {seconds:g} s")
        run.flow = await measured_pair(
            app,
            lambda: looking_up_and_casting(
                app.port, crowd, clients=run.clients, warmup=run.warmup, duration=seconds
            ),
            postgres=postgres,
        )

        # Half the capacity for what each person in the hall does: a look-up, then a ballot.
        run.rate = max(1.0, round(run.flow[1].load.throughput * 0.5, 1))
        harness.say(f"the hall: {PEOPLE} people arriving at {run.rate:g}/s (half capacity)")
        await harness.wait_for_quiet(10.0)
        in_hall = list(people(hall, app.port))
        run.hall = await measured_pair(
            app, lambda: the_hall(app.port, in_hall, run.rate), postgres=postgres
        )
    run.counts = await count_afterwards(url, hall, rehearsal)
    return run


# -- the figures ---------------------------------------------------------------------------------


def _row(
    measure: str, figure: str, target: str = "(information)", ok: bool | None = None
) -> tuple[str, str, str, str]:
    return (measure, figure, target, "" if ok is None else harness.verdict(ok))


def figure_rows(r: Run) -> list[tuple[str, str, str, str]]:
    assert r.bare and r.ballots
    v, c, n = r.verdicts(), r.counts, r.clients
    bare, ballots, flow = (p.load.throughput for p in (r.bare, r.ballots, r.flow[1]))
    bare_ms, ballot_ms = harness.cpu_ms(r.bare), harness.cpu_ms(r.ballots)
    hall = f"The hall, {PEOPLE} people arriving at {r.rate:g}/s (half capacity):"
    return [
        _row(
            f"Bare ballot insert (30 rows, one INSERT), {n} clients", f"{bare:,.0f}/s", "baseline"
        ),
        _row(f"Ballots, {n} clients", f"{ballots:,.0f}/s", f"≥ {RATIO_TARGET * bare:,.0f}/s"),
        _row("Ratio ballots / bare insert", f"{r.ratio:.2f}", f"≥ {RATIO_TARGET:.2f}", v["ratio"]),
        _row("The ratio in each round", ", ".join(f"{x:.2f}" for x in r.round_ratios)),
        _row(
            "The ratio from server CPU per ballot",
            f"{bare_ms:.1f} ÷ {ballot_ms:.1f} ms = {bare_ms / ballot_ms:.2f}",
        ),
        _row(
            f"Look-up then ballot, {n} clients: ballots; × bare",
            f"{flow:,.0f}/s; {flow / bare:.2f}",
        ),
        _row(
            f"{hall} ballot p50 / p95 / p99", harness.lat(r.hall[1].load), "p95 < 100 ms", v["p95"]
        ),
        _row(f"{hall} look-up p50 / p95 / p99", harness.lat(r.hall[0].load)),
        _row(
            "Afterwards: hall codes spent of 300; its ratings",
            f"{c['hall spent']}; {c['hall ratings']:,}",
            f"{PEOPLE}; {PEOPLE * MEMBERS:,}",
            v["hall"],
        ),
        _row(
            "Afterwards: rehearsal codes spent; their ratings",
            f"{c['rehearsal spent']:,}; {c['rehearsal ratings']:,}",
            f"n; {MEMBERS} n",
            v["rehearsal"],
        ),
        _row(
            "Failed requests (measured windows, the whole hall); throttle counters",
            f"{r.errors}; {c['throttle']}",
            "0; 0",
            v["errors"],
        ),
    ]


def phase_rows(r: Run) -> list[list[str]]:
    assert r.bare
    pg = r.database == "PostgreSQL"
    return [
        harness.phase_row(p, r.bare.load.throughput, postgres=pg, seconds=".3g") for p in r.phases
    ]


def markdown_section(r: Run, started: datetime, total: float, load_before: float) -> str:
    f, missed = r.facts, [k for k, ok in r.verdicts().items() if not ok]
    others = max(p.other_cores for p in r.phases)
    if r.database == "SQLite":
        database = f"SQLite {f['sqlite_version']} (journal_mode {f['journal_mode']}), aiosqlite"
    else:
        database = f"PostgreSQL {f['server_version']} (fsync {f['fsync']}), asyncpg"
    return "\n".join(
        [
            START,
            "## The evaluation hall (`make bench`)",
            "",
            f"Run {started:%Y-%m-%d %H:%M %Z} in {total:.0f} s; "
            + ("**every target met.**" if not missed else f"**missed: {', '.join(missed)}.**"),
            "",
            f"- Machine: {os.cpu_count()} cores ({harness.cpu_model()}), "
            f"Linux {platform.release()}; load average {load_before:.2f} before the run; "
            "other processes used up to "
            f"{others:.2f} cores during the phases"
            + ("." if others <= 0.2 else " (**a shared machine: pessimistic figures**)."),
            f"- {database}; Python {platform.python_version()}, "
            + ", ".join(f"{n} {version(n)}" for n in ("fastapi", "uvicorn", "sqlalchemy"))
            + f"; `uvicorn <app> {' '.join(UVICORN_FLAGS)}`, one worker, production settings.",
            f"- Capacity: {r.clients} closed-loop keep-alive clients on the floor "
            "(`bench/bare_ballot.py`: the same body validated, its 30 rows in one INSERT through "
            "the app's engine and session) and on the app's ballot endpoint (a fresh code each, "
            f"all {MEMBERS} members rated), in turn, in {len(r.round_ratios)} rounds: "
            f"{r.duration:g} s measured for each in all, after {r.warmup:g} s of warm-up a round.",
            f"- The hall: its {PEOPLE} codes, people arriving on a fixed schedule at half the "
            "capacity for a look-up and a ballot (the closed-loop people phase), each on a "
            "connection of their own, all from one address: look-up, "
            f"{THINK_SECONDS[0]:g}–{THINK_SECONDS[1]:g} s filling in the page, ballot.",
            "",
            *harness.md_table(("Measure", "Figure", "Target", "Result"), figure_rows(r)),
            "",
            *harness.md_table(harness.PHASE_HEADERS, phase_rows(r)),
            END,
        ]
    )


@cli.command()
def main(
    database_url: Annotated[
        str, typer.Option(help="PostgreSQL instead of SQLite (DROPPED and recreated)")
    ] = "",
    clients: Annotated[int, typer.Option(help="Concurrent closed-loop clients")] = 32,
    warmup: Annotated[float, typer.Option(help="Seconds of load before measuring")] = 2.0,
    duration: Annotated[
        float, typer.Option(help="Measured seconds for each of bare and ballots, in all")
    ] = 10.0,
    rounds: Annotated[int, typer.Option(help="Rounds of bare then ballots")] = 2,
    rehearsal_codes: Annotated[int, typer.Option(help="Codes the closed loops spend")] = 6000,
    quiet_wait: Annotated[
        float, typer.Option(help="Seconds to wait for other processes to go quiet first")
    ] = 30.0,
    write: Annotated[bool, typer.Option(help="Write the figures into the output file")] = True,
    output: Annotated[Path, typer.Option()] = ROOT / "docs" / "PERFORMANCE.md",
) -> None:
    if database_url and not database_url.startswith("postgresql+asyncpg://"):
        raise typer.BadParameter("--database-url is postgresql+asyncpg://…")
    logs = Path(tempfile.mkdtemp(prefix="vp-bench-hall-"))
    url = database_url or f"sqlite+aiosqlite:///{logs / 'data' / 'vanguard.db'}"
    # Settings are read when app.config is first imported: set them before any app import.
    # The code hashes seeded here and the servers' look-ups share the SECRET_KEY.
    env = harness.bench_env(url, logs)
    load_before, started, t0 = os.getloadavg()[0], datetime.now().astimezone(), time.perf_counter()
    harness.say(f"a fresh {url.split(':', 1)[0]} database (logs in {logs})")
    harness.fresh_database(url)
    run = Run("PostgreSQL" if database_url else "SQLite", clients, warmup, duration, rounds)
    harness.run_with_uvloop(run_bench(run, url, env, logs, rehearsal_codes, quiet_wait))
    harness.print_tables(
        (f"The evaluation hall on {run.database}", figure_rows(run)),
        (f"Phases (CPU in cores; {os.cpu_count()} cores)", phase_rows(run)),
        [p.load for p in run.phases],
    )
    if write:
        section = markdown_section(run, started, time.perf_counter() - t0, load_before)
        harness.replace_section(output, START, END, section)
        harness.say(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    cli()
