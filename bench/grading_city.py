"""The annual grading of a whole city on PostgreSQL, against one plain SQL query as the floor.

    uv run python -m bench.grading_city                # or: make bench
    uv run python -m bench.grading_city --scales 1,2,5,10 --write

For each scale s (1 = the field's city: 1,221 branches, 26,000 members):
1. A fresh database (vp_bench_grading; vp_bench_grading_x10 for scale 10), migrated, with
   the default standard; s × 1,221 branches and s × 26,000 members (one in 29 probationary,
   one in 53 arrived in July); a year of ten approved items a member a month (about one in
   a hundred a deduction) written straight into the ledger; four closed evaluation rounds a
   branch with twelve ratings a member a quarter. Not timed.
2. The floor: one SQL query computing every member's capped annual sums (items' monthly and
   yearly caps, then the dimension caps; deductions), all rows fetched.
3. The city: every branch's draft through the grading's own code (app/grading/compute.py, the
   draft's and the live score's computation), branches in chunks, results kept only as counts.
   Peak RSS of the process (VmHWM, reset before) over this part.
4. The ratio city / floor, against the target 1.5; memory against 1 GiB; the seconds per
   thousand members across the scales, to show the cost grows linearly.
5. On the first scale's city, the live score (GET /members/{id}/score, the app under uvicorn
   with the production settings, an org admin's token, random members): 32 closed-loop
   clients for the capacity, then 32 clients paced at half of it, whose p95 is judged (< 50 ms).

Speed is measured here, never asserted in the tests.
"""

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from bench.harness import say
from bench.memory import current_mib, peak_mib, reset_peak

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
START = "<!-- bench:grading_city:start -->"
END = "<!-- bench:grading_city:end -->"
BRANCHES = 1_221
MEMBERS = 26_000
ITEMS_PER_MONTH = 10
RATINGS_PER_QUARTER = 12
YEAR = 2026
TARGET_RATIO = 1.5
TARGET_MIB = 1024
TARGET_P95_MS = 50.0
CLIENTS = 32
HOST = "127.0.0.1"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/vp_bench_grading"

cli = typer.Typer(add_completion=False, help=__doc__)

FLOOR_SQL = """
WITH months AS (
    SELECT l.member_id, l.item_id, sum(l.points) AS p
    FROM ledger_entry l
    WHERE l.year = :year
    GROUP BY l.member_id, l.item_id, l.period
), items AS (
    SELECT m.member_id, i.dimension, i.kind, i.max_per_year,
           sum(CASE WHEN i.kind = 'bonus'
                    THEN LEAST(GREATEST(m.p, 0), COALESCE(i.max_per_month, 'Infinity'))
                    ELSE m.p END) AS p
    FROM months m JOIN standard_item i ON i.id = m.item_id
    GROUP BY m.member_id, i.id, i.dimension, i.kind, i.max_per_year
), dimensions AS (
    SELECT member_id, dimension, kind,
           sum(CASE WHEN kind = 'bonus' THEN LEAST(p, COALESCE(max_per_year, 'Infinity'))
                    ELSE GREATEST(p, 0) END) AS p
    FROM items
    GROUP BY member_id, dimension, kind
)
SELECT d.member_id,
       sum(CASE WHEN d.kind = 'bonus'
                THEN LEAST(d.p, (s.dimension_caps ->> d.dimension)::numeric) ELSE 0 END) AS bonus,
       sum(CASE WHEN d.kind = 'deduction' THEN d.p ELSE 0 END) AS deduction
FROM dimensions d CROSS JOIN (SELECT dimension_caps FROM standard_version WHERE id = :standard) s
GROUP BY d.member_id
"""


@dataclass
class LiveScore:
    capacity: float
    rate: float
    p50: float
    p95: float
    errors: int


@dataclass
class Figures:
    scale: int
    branches: int
    members: int
    ledger_rows: int
    ratings: int
    seed_s: float
    floor_s: float
    city_s: float
    graded: int
    excellent: int
    rss_peak: float
    rss_before: float
    live: LiveScore | None = None

    @property
    def ratio(self) -> float:
        return self.city_s / self.floor_s

    @property
    def per_thousand(self) -> float:
        return self.city_s / (self.members / 1000)


async def _seed(url: str, scale: int) -> tuple[int, list[int], int, int]:
    """The city; returns (standard id, branch ids, ledger rows, ratings)."""
    from sqlalchemy import text

    from app.models import Organisation
    from app.standards.service import install_default, items_of
    from bench.harness import session_on

    branches, members = BRANCHES * scale, MEMBERS * scale
    async with session_on(url) as s:
        committee = Organisation(name="城市党委", kind="committee", path="")
        s.add(committee)
        await s.flush()
        committee.path = f"/{committee.id}/"
        standard = await install_default(s, organisation_id=committee.id or 0, year=YEAR)
        items = await items_of(s, standard.id or 0)
        await s.execute(
            text(
                "INSERT INTO organisation (name, kind, parent_id, path, created_at, updated_at) "
                "SELECT '第' || n || '党支部', 'branch', :parent, '', now(), now() "
                "FROM generate_series(1, :n) n"
            ),
            {"parent": committee.id, "n": branches},
        )
        await s.execute(
            text("UPDATE organisation SET path = :root || id || '/' WHERE parent_id = :parent"),
            {"root": committee.path, "parent": committee.id},
        )
        branch_ids = list(
            (
                await s.execute(
                    text("SELECT id FROM organisation WHERE kind = 'branch' ORDER BY id")
                )
            ).scalars()
        )
        await s.execute(
            text(
                "INSERT INTO member (name, phone, category, branch_id, status, joined_on, "
                "arrived_on, is_probationary, created_at, updated_at) "
                "SELECT '党员' || n, '13' || lpad(n::text, 9, '0'), "
                "(ARRAY['rural_community','institution','new_org','mobile'])[1 + n % 4], "
                ":first + (n % :b), 'active', date '1990-01-01' + (n % 9000), "
                "CASE WHEN n % 53 = 0 THEN date '2026-07-01' END, n % 29 = 0, now(), now() "
                "FROM generate_series(1, :n) n"
            ),
            {"first": branch_ids[0], "b": branches, "n": members},
        )
        bonus = [i for i in items if i.kind == "bonus"]
        deduction = next(i for i in items if i.code == "X02")
        await s.execute(
            text(
                "INSERT INTO ledger_entry (member_id, branch_id, year, period, standard_id, "
                "item_id, points, source, created_at) "
                "SELECT m.id, m.branch_id, :year, :prefix || lpad(mo::text, 2, '0'), :sid, "
                "CASE WHEN (m.id + mo * 7 + k * 13) % 97 = 0 THEN :x_id "
                "ELSE (CAST(:ids AS int[]))[1 + (m.id * 7 + mo * 13 + k * 31) % :n] END, "
                "CASE WHEN (m.id + mo * 7 + k * 13) % 97 = 0 THEN :x_points "
                "ELSE (CAST(:points AS numeric[]))[1 + (m.id * 7 + mo * 13 + k * 31) % :n] END, "
                "'entry', now() "
                "FROM member m CROSS JOIN generate_series(1, 12) mo "
                "CROSS JOIN generate_series(1, :k) k"
            ),
            {
                "year": YEAR,
                "prefix": f"{YEAR}-",
                "sid": standard.id,
                "k": ITEMS_PER_MONTH,
                "ids": [i.id for i in bonus],
                "points": [i.points for i in bonus],
                "n": len(bonus),
                "x_id": deduction.id,
                "x_points": deduction.points,
            },
        )
        await s.execute(
            text(
                "INSERT INTO evaluation_round (branch_id, year, quarter, opens_on, closes_on, "
                "status, created_at, closed_at) "
                "SELECT b.id, :year, q, make_date(:year, q * 3, 10), make_date(:year, q * 3, 20), "
                "'closed', now(), now() "
                "FROM organisation b CROSS JOIN generate_series(1, 4) q WHERE b.kind = 'branch'"
            ),
            {"year": YEAR},
        )
        await s.execute(
            text(
                "INSERT INTO evaluation_rating (id, round_id, member_id, rating) "
                "SELECT md5(r.id::text || '-' || m.id || '-' || g), r.id, m.id, "
                "(ARRAY['good','good','good','good','fair','fair','poor','skip'])"
                "[1 + abs(hashtext(r.id || '-' || m.id || '-' || g)) % 8] "
                "FROM member m JOIN evaluation_round r ON r.branch_id = m.branch_id "
                "CROSS JOIN generate_series(1, :g) g"
            ),
            {"g": RATINGS_PER_QUARTER},
        )
        await s.commit()
        ledger = await s.scalar(text("SELECT count(*) FROM ledger_entry")) or 0
        ratings = await s.scalar(text("SELECT count(*) FROM evaluation_rating")) or 0
    await _vacuum(url)
    return standard.id or 0, branch_ids, ledger, ratings


async def _vacuum(url: str) -> None:
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def _seeded(url: str) -> tuple[int, list[int], int, int]:
    """What an earlier run seeded (--seeded): the same tuple as _seed."""
    from sqlalchemy import text

    from bench.harness import session_on

    async with session_on(url) as s:
        standard = await s.scalar(text("SELECT max(id) FROM standard_version")) or 0
        ids = await s.execute(text("SELECT id FROM organisation WHERE kind = 'branch'"))
        branch_ids = sorted(ids.scalars())
        ledger = await s.scalar(text("SELECT count(*) FROM ledger_entry")) or 0
        ratings = await s.scalar(text("SELECT count(*) FROM evaluation_rating")) or 0
    return standard, branch_ids, ledger, ratings


async def _floor(url: str, standard_id: int) -> float:
    from sqlalchemy import text

    from bench.harness import session_on

    async with session_on(url) as s:
        t0 = time.perf_counter()
        rows = (await s.execute(text(FLOOR_SQL), {"year": YEAR, "standard": standard_id})).all()
        elapsed = time.perf_counter() - t0
    assert len(rows) > 0
    return elapsed


async def _city(url: str, branch_ids: list[int], chunk: int) -> tuple[float, int, int]:
    """Every branch's draft through app/grading/compute.py, chunk by chunk: the next two
    chunks' queries (compute.load) run on the two connections while this chunk is scored
    (compute.score, pure) in a worker thread, so PostgreSQL and Python keep both cores busy;
    (seconds, graded, excellent)."""
    from app.grading import compute
    from bench.harness import session_on

    parts = [branch_ids[start : start + chunk] for start in range(0, len(branch_ids), chunk)]
    graded = excellent = 0
    async with session_on(url) as first, session_on(url) as second:
        sessions = (first, second)

        async def load(n: int) -> compute.Inputs:
            session = sessions[n % 2]
            inputs = await compute.load(session, branch_ids=parts[n], year=YEAR)
            await session.rollback()  # a read: end it, as the endpoint's transaction would end
            return inputs

        t0 = time.perf_counter()
        ahead = len(sessions)
        loading = {n: asyncio.create_task(load(n)) for n in range(min(ahead, len(parts)))}
        for n in range(len(parts)):
            inputs = await loading.pop(n)
            if n + ahead < len(parts):
                loading[n + ahead] = asyncio.create_task(load(n + ahead))
            drafts = await asyncio.to_thread(compute.score, inputs)
            for draft in drafts.values():
                graded += draft.graded
                excellent += sum(1 for m in draft.members if m.result.grade == "excellent")
        elapsed = time.perf_counter() - t0
    return elapsed, graded, excellent


async def _floor_and_city(
    url: str, standard_id: int, branch_ids: list[int], chunk: int, reps: int
) -> tuple[float, float, int, int, float, float]:
    """Best of reps for each (the floor first each time, so both see a warm cache). The city
    runs with the garbage collector set as a serving process sets it (app.runtime)."""
    from app.runtime import collector_for_serving

    floors, cities = [], []
    graded = excellent = 0
    rss_before = rss_peak = 0.0
    for _ in range(reps):
        floors.append(await _floor(url, standard_id))
        with collector_for_serving():
            reset_peak()
            rss_before = current_mib()
            seconds, graded, excellent = await _city(url, branch_ids, chunk)
            rss_peak = max(rss_peak, peak_mib())
        cities.append(seconds)
    return min(floors), min(cities), graded, excellent, rss_before, rss_peak


async def _admin_token(url: str, port: int) -> str:
    """An org admin of the city (created once), signed in through the API."""
    import httpx
    from sqlalchemy import text

    from app.models import RoleAssignment, User
    from app.security import hash_password
    from bench.harness import session_on

    password = "bench-grading-city"
    async with session_on(url) as s:
        if not await s.scalar(text("SELECT 1 FROM user_account WHERE username = 'city_admin'")):
            user = User(
                username="city_admin",
                display_name="组织部",
                password_hash=hash_password(password),
                must_change_password=False,
            )
            s.add(user)
            await s.flush()
            root = await s.scalar(text("SELECT id FROM organisation WHERE parent_id IS NULL"))
            assert user.id is not None and root is not None
            s.add(RoleAssignment(user_id=user.id, role="org_admin", organisation_id=root))
            await s.commit()
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "city_admin", "password": password}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


async def _live_score(url: str, logs: Path) -> LiveScore:
    import random

    from sqlalchemy import text

    from bench.harness import bench_env, session_on, wait_for_quiet
    from bench.loadgen import build_request, closed_loop, paced_loop
    from bench.server import Server

    async with session_on(url) as s:
        member_ids = list((await s.execute(text("SELECT id FROM member"))).scalars())
    env = bench_env(url, logs)
    with Server("app.main:app", env, logs / "app.log") as app:
        await app.wait_ready("/readyz")
        token = await _admin_token(url, app.port)
        rng = random.Random(11)  # noqa: S311 - which members to ask for, not security

        def ask() -> bytes:
            path = f"/api/v1/members/{rng.choice(member_ids)}/score?year={YEAR}"
            return build_request(
                "GET", HOST, app.port, path, headers={"Authorization": f"Bearer {token}"}
            )

        await wait_for_quiet(20.0)
        say(f"live score: {CLIENTS} clients, closed loop")
        closed = await closed_loop(
            "live score", HOST, app.port, ask, clients=CLIENTS, warmup=3, duration=15, expect=200
        )
        rate = max(1.0, round(closed.throughput * 0.5, 1))
        say(f"live score: {CLIENTS} clients paced at {rate:g}/s (half capacity)")
        paced = await paced_loop(
            "live score (paced)",
            HOST,
            app.port,
            ask,
            clients=CLIENTS,
            rate=rate,
            warmup=3,
            duration=20,
            expect=200,
        )
    return LiveScore(
        closed.throughput,
        rate,
        paced.pct(50),
        paced.pct(95),
        closed.error_count + paced.error_count,
    )


def url_of(url: str, scale: int) -> str:
    """Each scale's own database (vp_bench_grading, vp_bench_grading_x10, …), so that --seeded
    can time every scale again without seeding it again."""
    return url if scale == 1 else f"{url}_x{scale}"


def run_scale(url: str, scale: int, chunk: int, reps: int, seeded: bool, live: bool) -> Figures:
    from app.migrate import upgrade
    from bench.harness import fresh_database

    t0 = time.perf_counter()
    if seeded:
        upgrade(url)  # an index a later migration added
        standard_id, branch_ids, ledger, ratings = asyncio.run(_seeded(url))
    else:
        say(f"scale {scale}: seeding {BRANCHES * scale} branches, {MEMBERS * scale} members")
        fresh_database(url)
        standard_id, branch_ids, ledger, ratings = asyncio.run(_seed(url, scale))
    seed_s = time.perf_counter() - t0
    say(f"scale {scale}: {ledger} ledger rows, {ratings} ratings in {seed_s:.0f} s; timing")
    floor_s, city_s, graded, excellent, before, peak = asyncio.run(
        _floor_and_city(url, standard_id, branch_ids, chunk, reps)
    )
    figures = Figures(
        scale,
        len(branch_ids),
        MEMBERS * scale,
        ledger,
        ratings,
        seed_s,
        floor_s,
        city_s,
        graded,
        excellent,
        peak,
        before,
    )
    if live:
        import tempfile

        logs = Path(tempfile.mkdtemp(prefix="vp-bench-grading-"))
        figures.live = asyncio.run(_live_score(url, logs))
    return figures


def lines_of(figures: list[Figures], chunk: int) -> list[str]:
    out = []
    for f in figures:
        out.append(
            f"scale {f.scale:>2}: {f.branches:>6} branches, {f.members:>7} members, "
            f"{f.ledger_rows / 1e6:.1f} M ledger rows, {f.ratings / 1e6:.2f} M ratings"
        )
        out.append(
            f"  floor (one SQL query, capped sums) {f.floor_s:.2f} s; "
            f"city (every branch's draft, chunks of {chunk}) {f.city_s:.2f} s; "
            f"ratio {f.ratio:.2f} (target ≤ {TARGET_RATIO}: "
            f"{'met' if f.ratio <= TARGET_RATIO else 'NOT met'})"
        )
        out.append(
            f"  {f.graded} graded, {f.excellent} excellent; peak RSS {f.rss_peak:.0f} MiB "
            f"(before {f.rss_before:.0f} MiB; target < {TARGET_MIB} MiB: "
            f"{'met' if f.rss_peak < TARGET_MIB else 'NOT met'}); "
            f"{f.per_thousand * 1000:.0f} ms per 1,000 members"
        )
        if f.live:
            out.append(
                f"  live score (GET /members/{{id}}/score, {CLIENTS} clients): capacity "
                f"{f.live.capacity:.0f}/s; paced at {f.live.rate:g}/s p50 {f.live.p50:.1f} ms, "
                f"p95 {f.live.p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms: "
                f"{'met' if f.live.p95 < TARGET_P95_MS else 'NOT met'}); "
                f"{f.live.errors} errors"
            )
    return out


@cli.command()
def main(
    scales: Annotated[str, typer.Option(help="Scales of the city, comma-separated")] = "1",
    chunk: Annotated[int, typer.Option(help="Branches computed together")] = 200,
    reps: Annotated[int, typer.Option(help="Timed repetitions (best kept)")] = 2,
    database_url: Annotated[
        str, typer.Option(help="PostgreSQL (recreated; scale s > 1 appends _xs to its name)")
    ] = DEFAULT_URL,
    write: Annotated[bool, typer.Option(help="Write docs/PERFORMANCE.md")] = False,
    seeded: Annotated[bool, typer.Option(help="Time the databases an earlier run seeded")] = False,
    live: Annotated[bool, typer.Option(help="Time the live score on the first scale")] = True,
) -> None:
    import os

    os.environ["DATABASE_URL"] = database_url
    figures = [
        run_scale(url_of(database_url, int(s)), int(s), chunk, reps, seeded, live=live and n == 0)
        for n, s in enumerate(scales.split(","))
    ]
    lines = lines_of(figures, chunk)
    print("\n".join(lines))
    if write:
        from bench.report import replace_section

        section = "\n".join(
            [
                START,
                "## The annual grading of a city (`python -m bench.grading_city`)",
                "",
                "In-process on PostgreSQL through app/grading/compute.py (what the draft and the "
                "live score run: load, a few set-based queries, then score, pure), the next two "
                "chunks loading on two connections while this one is scored; the floor is "
                "one SQL query computing every member's capped annual sums; best of two runs "
                "each; peak RSS is the process's VmHWM, reset "
                "before the city.",
                "",
                "```",
                *lines,
                "```",
                END,
            ]
        )
        replace_section(DOC, START, END, section)


if __name__ == "__main__":
    cli()
