"""The month-end figures: a rich table on the console, a section of docs/PERFORMANCE.md."""

import os
import platform
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.loadgen import LoadResult
from bench.server import UVICORN_FLAGS

START = "<!-- bench:month_end:start -->"
END = "<!-- bench:month_end:end -->"
RATIO_TARGET = 0.5
P95_TARGET_MS = 50.0
BULK_TARGET_MS = 1000.0


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


@dataclass
class Report:
    started: datetime
    facts: dict[str, str]
    clients: int
    warmup: float
    duration: float
    diag_duration: float
    members: int
    branches: int
    idempotency: bool
    workers: int = 1
    backlog: int = 0
    drain_backlog: int = 0
    review_pause: float = 0.0
    round_ratios: list[float] = field(default_factory=list)
    bare: Phase | None = None
    # (share of the closed-loop capacity offered, the phase), the first judged for p95
    paced: list[tuple[float, Phase]] = field(default_factory=list)
    month_end: Phase | None = None
    drain: Phase | None = None
    diagnostics: list[Phase] = field(default_factory=list)
    quiet_bulk: list[BulkRun] = field(default_factory=list)
    login_ms: list[float] = field(default_factory=list)
    claims_in_db: int = 0
    load_before: float = 0.0
    busy_before: list[float] = field(default_factory=list)
    total_seconds: float = 0.0

    # -- the verdicts ----------------------------------------------------------------------

    @property
    def ratio(self) -> float:
        assert self.bare and self.month_end
        bare = self.bare.load.throughput
        return self.month_end.load.throughput / bare if bare else float("nan")

    @property
    def p95(self) -> float:
        """p95 of the month-end mix at the first paced share (half the capacity)."""
        return self.paced[0][1].load.pct(95) if self.paced else float("nan")

    @property
    def quiet_worst_ms(self) -> float:
        return max((b.review_ms for b in self.quiet_bulk), default=float("nan"))

    def verdicts(self) -> dict[str, bool]:
        complete = all(b.succeeded == b.claims == 500 for b in self.quiet_bulk)
        return {
            "ratio": self.ratio >= RATIO_TARGET,
            "p95": self.p95 < P95_TARGET_MS,
            "bulk": bool(self.quiet_bulk) and complete and self.quiet_worst_ms < BULK_TARGET_MS,
        }


def _verdict(ok: bool) -> str:
    return "✅ pass" if ok else "❌ FAIL"


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _lat(load: LoadResult) -> str:
    return f"{_ms(load.pct(50))} / {_ms(load.pct(95))} / {_ms(load.pct(99))}"


def _cpu_ms(p: Phase) -> float:
    """Server CPU milliseconds per answered request."""
    return 1000 * p.server_cores / p.load.throughput if p.load.throughput else float("nan")


def _sizes(runs: list[BulkRun]) -> str:
    if not runs:
        return "none"
    sizes = sorted(b.claims for b in runs)
    return f"{sizes[0]}–{sizes[-1]} claims, median {statistics.median(sizes):.0f}"


def _pace(p: Phase) -> str:
    approved = sum(b.succeeded for b in p.bulk)
    rate = approved / p.wall if p.wall else 0.0
    return f"{rate:,.0f} / {p.load.throughput:,.0f}"


def _bulk_summary(runs: list[BulkRun], attr: str = "review_ms") -> str:
    if not runs:
        return "none completed"
    values = [getattr(b, attr) for b in runs]
    return (
        f"median {_ms(statistics.median(values))}, worst {_ms(max(values))} "
        f"({len(runs)} run{'s' if len(runs) != 1 else ''})"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def figure_rows(r: Report) -> list[tuple[str, str, str, str]]:
    assert r.bare and r.month_end
    v = r.verdicts()
    bare, month = r.bare.load, r.month_end.load
    errors = month.error_count + bare.error_count
    return [
        (
            f"Bare insert, {r.clients} clients",
            f"{bare.throughput:,.0f} req/s",
            "baseline",
            "",
        ),
        (
            f"Claim submission during month-end load, {r.clients} clients",
            f"{month.throughput:,.0f} req/s",
            f"≥ {RATIO_TARGET * bare.throughput:,.0f} req/s",
            "",
        ),
        ("Ratio claim submission / bare insert", f"{r.ratio:.2f}", "≥ 0.50", _verdict(v["ratio"])),
        (
            "The ratio in each round",
            ", ".join(f"{x:.2f}" for x in r.round_ratios),
            "(information)",
            "",
        ),
        (
            "Same ratio from server CPU per answer (bare ÷ month-end, reviewers' work "
            "included; less sensitive to other load)",
            f"{_cpu_ms(r.bare):.1f} ÷ {_cpu_ms(r.month_end):.1f} ms = "
            f"{_cpu_ms(r.bare) / _cpu_ms(r.month_end):.2f}",
            "(information)",
            "",
        ),
        *(
            (
                f"Claim submission latency p50 / p95 / p99, {r.clients} clients, month-end "
                f"load paced at {share:.0%} of that capacity ({p.load.throughput:,.0f} req/s)",
                _lat(p.load),
                "p95 < 50 ms" if i == 0 else "(information)",
                _verdict(v["p95"]) if i == 0 else "",
            )
            for i, (share, p) in enumerate(r.paced)
        ),
        (
            f"Claim submission latency p50 / p95 / p99, {r.clients} closed-loop clients "
            "(saturated: queueing, see below)",
            _lat(month),
            "(information)",
            "",
        ),
        (
            "Reviewers' pace during month-end load: claims approved / submitted per second",
            _pace(r.month_end),
            "(information)",
            "",
        ),
        (
            "Bulk review of 500 claims, quiet server",
            _bulk_summary(r.quiet_bulk),
            "< 1 s",
            _verdict(v["bulk"]),
        ),
        (
            "Bulk approvals during month-end load (of whatever was waiting: "
            + _sizes(r.month_end.bulk)
            + ")",
            _bulk_summary(r.month_end.bulk),
            "(information)",
            "",
        ),
        *(
            (
                (
                    "Bulk review of 500 claims during month-end load (backlog drain)",
                    _bulk_summary(r.drain.bulk),
                    "(information)",
                    "",
                ),
            )
            if r.drain is not None
            else ()
        ),
        (
            "Reviewer queue, oldest up to 500 (pages of 200), during month-end load",
            _bulk_summary(r.month_end.bulk, "queue_ms"),
            "(information)",
            "",
        ),
        *(
            (
                (
                    f"Ratio while reviewers drain a backlog of {r.drain_backlog:,} a branch "
                    "(500 per bulk approval, every 5 s): claims approved / submitted per second",
                    f"{r.drain.load.throughput / bare.throughput:.2f}; {_pace(r.drain)}",
                    "(information)",
                    "",
                ),
            )
            if r.drain is not None
            else ()
        ),
        ("Failed requests (bare + month-end)", str(errors), "0", _verdict(errors == 0)),
    ]


def phase_rows(r: Report) -> list[list[str]]:
    assert r.bare
    base = r.bare.load.throughput
    rows: list[list[str]] = []
    for p in [r.bare, r.month_end, *r.diagnostics]:
        if p is None:
            continue
        load = p.load
        rows.append(
            [
                load.name,
                f"{load.seconds:g} s",
                f"{load.throughput:,.0f}",
                f"{load.throughput / base:.2f}" if base else "-",
                f"{load.pct(50):.1f}",
                f"{load.pct(95):.1f}",
                f"{load.pct(99):.1f}",
                f"{p.server_cores:.2f}",
                f"{_cpu_ms(p):.1f}",
                f"{p.postgres_cores:.2f}",
                f"{p.client_cores:.2f}",
                f"{p.other_cores:.2f}",
                str(load.error_count),
            ]
        )
    return rows


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


def render_console(r: Report) -> None:
    console = Console(width=max(150, Console().width))
    table = Table(title=f"Month-end load, {r.started:%Y-%m-%d %H:%M %Z}")
    for h in ("Measure", "Figure", "Target", "Result"):
        table.add_column(h)
    for row in figure_rows(r):
        table.add_row(*row)
    console.print(table)
    phases = Table(title=f"Phases (CPU in cores; the machine has {os.cpu_count()})")
    for h in PHASE_HEADERS:
        phases.add_column(h, justify="left" if h == "Phase" else "right")
    for phase_row in phase_rows(r):
        phases.add_row(*phase_row)
    console.print(phases)
    for p in [r.bare, r.month_end, *r.diagnostics]:
        if p is not None and p.load.error_samples:
            console.print(f"[red]{p.load.name} errors:[/red] {p.load.errors}")
            for sample in p.load.error_samples:
                console.print(f"  {sample}")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "--:" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _contention(r: Report) -> str:
    others = [p.other_cores for p in (r.bare, r.month_end) if p is not None]
    if max(others, default=0.0) <= 0.2:
        return f" Other processes used at most {max(others, default=0.0):.2f} cores meanwhile."
    return (
        f" **Other processes used up to {max(others):.2f} cores during the measured phases;"
        " these figures are pessimistic.**"
    )


def markdown_section(r: Report) -> str:
    from app.config import settings  # the servers' pool settings: the same environment

    f = r.facts
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("fastapi", "uvicorn", "sqlalchemy", "asyncpg")
    )
    verdicts = r.verdicts()
    missed = [k for k, ok in verdicts.items() if not ok]
    lines = [
        START,
        "## Month-end load (`make bench`)",
        "",
        f"Run {r.started:%Y-%m-%d %H:%M %Z} in {r.total_seconds:.0f} s; "
        + (
            "**every target met.**"
            if not missed
            else f"**{len(missed)} of {len(verdicts)} targets missed.**"
        ),
        "",
        f"- Machine: {os.cpu_count()} cores ({_cpu_model()}), Linux {platform.release()}; "
        f"load average {r.load_before:.2f} before the run." + _contention(r),
        f"- Python {platform.python_version()}; {versions}.",
        f"- PostgreSQL {f.get('server_version')} on 127.0.0.1: shared_buffers "
        f"{f.get('shared_buffers')}, synchronous_commit {f.get('synchronous_commit')}, "
        f"fsync {f.get('fsync')}, max_connections {f.get('max_connections')}.",
        f"- Servers: `uvicorn <app> {' '.join(UVICORN_FLAGS)}` as in the Dockerfile — "
        + ("one worker" if r.workers == 1 else f"**{r.workers} workers** (`--workers`)")
        + " (uvloop, httptools), access log on, `ENVIRONMENT=production`. Both apps use "
        "`app.db.make_engine` (asyncpg; the app's fixed pool of "
        f"{settings.database_pool_size} connections + {settings.database_max_overflow} "
        "overflow; connections idle 5 s or more pinged before use) and the app's session "
        "dependency.",
        f"- Load: {r.clients} closed-loop keep-alive clients. Both servers run side by side "
        f"and are loaded in turn, in {len(r.round_ratios)} rounds of bare insert then "
        f"month-end, each with {r.warmup:g} s of warm-up: {r.duration:g} s measured for each "
        f"(diagnostics {r.diag_duration:g} s), so a burst of other work on the machine hits "
        "both alike. "
        f"{r.members:,} members in {r.branches} branches; each request is the next member "
        "submitting one claim (`submit: true`, a self-declared item with monthly and yearly "
        "caps)"
        + (", with an `Idempotency-Key`" if r.idempotency else "")
        + ". Meanwhile each branch's reviewer keeps pace: lists the oldest waiting claims "
        "(up to 500, pages of 200), bulk-approves them"
        + (" (with an `Idempotency-Key`)" if r.idempotency else "")
        + f", pauses {r.review_pause:g} s (±50 %, each reviewer on their own schedule) and "
        "starts again, so over a phase the branch approves what its members submit, as over a "
        "real month end; "
        + (
            f"each month-end phase starts with {r.backlog:,} submitted claims waiting per branch. "
            if r.backlog
            else "nothing is waiting when a phase starts. "
        )
        + f"{r.claims_in_db:,} claims in the database at the end.",
        "",
        *_table(("Measure", "Figure", "Target", "Result"), figure_rows(r)),
        "",
        "Every phase, with the CPU each party used (in cores, of "
        f"{os.cpu_count()}; PostgreSQL counts every backend on the machine):",
        "",
        *_table(PHASE_HEADERS, phase_rows(r)),
        "",
        "How the p95 target is read. Closed-loop clients send their next request as soon as "
        "the last is answered, so the server is saturated and latency is queueing: mean "
        f"latency = clients ÷ throughput, and a p95 under 50 ms with {r.clients} such clients "
        f"would need more than {r.clients / 0.05:,.0f} req/s — several times what even the "
        "bare insert reaches on this machine (its own closed-loop p95 is in the table). "
        "So the target is judged the way a latency objective is: "
        f"{r.clients} concurrent clients sending the month-end mix (reviewers included) at "
        "half the closed-loop capacity, on a fixed schedule, with latency counted from the "
        "scheduled send (so a slow answer cannot hold back the next request and hide its "
        "own delay); 75 % is shown too. "
        "The backlog-drain row repeats the month-end load with each reviewer approving 500 "
        "claims every 5 s from a deep queue, several times the rate members submit, the "
        "scenario of the earlier runs. "
        "The bare insert is `bench/bare_app.py`: a validated JSON body, one ORM INSERT of a "
        "claim-sized row and a commit through the same engine and session dependency, and a "
        "JSON answer; no authentication, rules, audit or middleware. The load generator "
        "(`bench/loadgen.py`, raw HTTP/1.1 on asyncio + uvloop) runs on the same machine "
        "and takes CPU from the server and PostgreSQL; it costs less per request than the "
        "server, and it costs the same for both apps per request, so the bare baseline "
        "is, if anything, held back more than the app. "
        f"Sign-in (argon2) took {_ms(statistics.median(r.login_ms)) if r.login_ms else '-'} "
        "(median of the few real sign-ins); the other members' access tokens are minted "
        "with `app.security.create_access_token`, exactly as `/auth/login` makes them.",
        END,
    ]
    return "\n".join(lines)


INTRO = """# Performance

Speed is measured by the benchmarks in `bench/` against PostgreSQL, never asserted in the
tests. Each benchmark owns a section between `<!-- bench:NAME:start -->` and
`<!-- bench:NAME:end -->` markers and rewrites only that section.
"""


def write_markdown(r: Report, path: Path) -> None:
    replace_section(path, START, END, markdown_section(r))


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
