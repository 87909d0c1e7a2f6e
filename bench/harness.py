"""What the load benchmarks share: the environment, a fresh database, measured phases with the
CPU of each party, waiting for a quiet machine, and the tables their figures are printed in.

The app reads its settings when app.config is first imported: call bench_env before any
import of app.* (which is why those imports sit inside the functions here).
"""

import asyncio
import os
import platform
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
import uvloop
from rich.console import Console
from rich.table import Table

from bench.loadgen import LoadResult
from bench.server import Server, machine_busy_seconds, postgres_cpu, postgres_cpu_since

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def say(message: str) -> None:
    typer.echo(f"[{datetime.now():%H:%M:%S}] {message}", err=True)


def bench_env(database_url: str, logs: Path) -> dict[str, str]:
    """The servers' environment (production settings, a fresh SECRET_KEY, no Redis), also set
    in this process so that what it seeds (code hashes, tokens) matches the servers."""
    import secrets

    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATA_DIR": str(logs / "data"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    os.environ.pop("REDIS_URL", None)
    return dict(os.environ)


def fresh_database(url: str) -> None:
    """PostgreSQL: DROP and CREATE the database; SQLite: the file's directory. Then migrate."""
    from app.migrate import upgrade
    from bench.seed import recreate_database

    if url.startswith("postgresql"):
        asyncio.run(recreate_database(url))
    else:
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)


@asynccontextmanager
async def session_on(url: str) -> AsyncIterator["AsyncSession"]:
    """A session on its own engine (disposed afterwards), outside the servers."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db import make_engine

    engine = make_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


def run_with_uvloop(coro: Awaitable[T]) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)  # type: ignore[arg-type]


@dataclass
class BulkRun:
    claims: int
    succeeded: int
    queue_ms: float
    review_ms: float


@dataclass
class Phase:
    """A measured stretch of load, with the CPU each party used (in cores)."""

    load: LoadResult
    server_cores: float = 0.0
    postgres_cores: float = 0.0
    client_cores: float = 0.0
    other_cores: float = 0.0
    bulk: list[BulkRun] = field(default_factory=list)
    wall: float = 0.0


async def measured(
    server: Server,
    run: Callable[[], Awaitable[LoadResult]],
    bulk: list[BulkRun] | None = None,
    *,
    postgres: bool = True,
) -> Phase:
    """Run a load and account for the CPU: server, PostgreSQL, us, and everything else
    (PostgreSQL too when the app does not use it: postgres=False)."""
    pg0, srv0, me0, all0 = (
        postgres_cpu() if postgres else {},
        server.cpu_seconds(),
        time.process_time(),
        machine_busy_seconds(),
    )
    wall0 = time.perf_counter()
    load = await run()
    wall = time.perf_counter() - wall0
    server_s = server.cpu_seconds() - srv0
    pg_s = postgres_cpu_since(pg0) if postgres else 0.0
    me_s = time.process_time() - me0
    all_s = machine_busy_seconds() - all0
    return Phase(
        load=load,
        server_cores=server_s / wall,
        postgres_cores=pg_s / wall,
        client_cores=me_s / wall,
        other_cores=max(0.0, all_s - server_s - pg_s - me_s) / wall,
        bulk=bulk or [],
        wall=wall,
    )


def merge_phases(name: str, phases: list[Phase]) -> Phase:
    """Rounds of the same load as one phase: counts and latencies pooled, CPU time-weighted."""
    load = LoadResult(name=name, clients=phases[0].load.clients, seconds=0.0)
    for p in phases:
        load.seconds += p.load.seconds
        load.ok += p.load.ok
        load.latencies_ms += p.load.latencies_ms
        load.error_samples += p.load.error_samples[: 5 - len(load.error_samples)]
        for status, count in p.load.errors.items():
            load.errors[status] = load.errors.get(status, 0) + count
    load.latencies_ms.sort()
    wall = sum(p.wall for p in phases)

    def weighted(attr: str) -> float:
        return sum(getattr(p, attr) * p.wall for p in phases) / wall if wall else 0.0

    return Phase(
        load=load,
        server_cores=weighted("server_cores"),
        postgres_cores=weighted("postgres_cores"),
        client_cores=weighted("client_cores"),
        other_cores=weighted("other_cores"),
        bulk=[b for p in phases for b in p.bulk],
        wall=wall,
    )


async def wait_for_quiet(max_wait: float, limit: float = 0.25) -> float:
    """Wait (up to max_wait seconds) until other processes use at most limit cores."""
    deadline = time.monotonic() + max_wait
    while True:
        b0 = machine_busy_seconds()
        await asyncio.sleep(2)
        busy = (machine_busy_seconds() - b0) / 2
        if busy <= limit or time.monotonic() > deadline:
            return busy
        say(f"the machine is busy ({busy:.2f} cores in use by others); waiting for quiet")


# -- the figures ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "✅ pass" if ok else "❌ FAIL"


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def lat(load: LoadResult) -> str:
    """p50 / p95 / p99."""
    return f"{ms(load.pct(50))} / {ms(load.pct(95))} / {ms(load.pct(99))}"


def cpu_ms(p: Phase) -> float:
    """Server CPU milliseconds per answered request."""
    return 1000 * p.server_cores / p.load.throughput if p.load.throughput else float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


PHASE_HEADERS = (
    "Phase",
    "Measured",
    "req/s",
    "× bare",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "server CPU",
    "server CPU ms/req",
    "PostgreSQL CPU",
    "load generator CPU",
    "other CPU",
    "errors",
)


def phase_row(p: Phase, base: float, *, postgres: bool = True, seconds: str = "g") -> list[str]:
    """A row under PHASE_HEADERS; base is the bare endpoint's throughput."""
    load = p.load
    return [
        load.name,
        f"{load.seconds:{seconds}} s",
        f"{load.throughput:,.0f}",
        f"{load.throughput / base:.2f}" if base else "-",
        f"{load.pct(50):.1f}",
        f"{load.pct(95):.1f}",
        f"{load.pct(99):.1f}",
        f"{p.server_cores:.2f}",
        f"{cpu_ms(p):.1f}",
        f"{p.postgres_cores:.2f}" if postgres else "-",
        f"{p.client_cores:.2f}",
        f"{p.other_cores:.2f}",
        str(load.error_count),
    ]


FIGURE_HEADERS = ("Measure", "Figure", "Target", "Result")


def print_tables(
    figures: tuple[str, Sequence[Sequence[str]]],
    phases: tuple[str, Sequence[Sequence[str]]],
    loads: Sequence[LoadResult],
) -> None:
    """The figures and the phases as rich tables, then the first errors of each load."""
    console = Console(width=max(150, Console().width))
    for (title, rows), headers in ((figures, FIGURE_HEADERS), (phases, PHASE_HEADERS)):
        table = Table(title=title)
        for h in headers:
            table.add_column(
                h, justify="right" if headers is PHASE_HEADERS and h != "Phase" else "left"
            )
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for load in loads:
        if load.error_samples:
            console.print(f"[red]{load.name} errors:[/red] {load.errors}")
            for sample in load.error_samples:
                console.print(f"  {sample}")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "--:" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


INTRO = """# Performance

Speed is measured by the benchmarks in `bench/` against PostgreSQL, never asserted in the
tests. Each benchmark owns a section between `<!-- bench:NAME:start -->` and
`<!-- bench:NAME:end -->` markers and rewrites only that section.
"""


def replace_section(path: Path, start: str, end: str, section: str) -> None:
    """Put section (which begins with start and ends with end) in place of the benchmark's
    earlier one in the document, or at its end the first time."""
    current = path.read_text(encoding="utf-8") if path.exists() else INTRO
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: section, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(updated, encoding="utf-8")
