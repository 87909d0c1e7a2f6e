"""Member import at city scale: a 26,000-row XLSX into 1,221 branches, dry run + apply.

    uv run python -m bench.member_import                       # SQLite in a temp directory
    uv run python -m bench.member_import --database-url postgresql+asyncpg://…/vp_bench_import

1. A fresh database (SQLite file, or the PostgreSQL database named, dropped and recreated),
   migrated, with a committee, 37 general branches, 1,221 branches, an org admin, and
   UPDATES existing members (phones that the sheet then updates).
2. The sheet: an XLSX written by openpyxl in write-only mode (not timed).
3. Timed, in-process through the service (the same code the endpoints call): the dry run
   (read the workbook in read-only mode, judge every row, store the verdicts), the apply
   (the background job's body: one transaction, set-based), and the credentials sheet.
4. Peak RSS of the process (ru_maxrss) before and after the timed part.

Writes its section of docs/PERFORMANCE.md with --write (only on a quiet machine).
"""

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from bench.memory import current_mib, peak_mib, reset_peak

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
START = "<!-- bench:member_import:start -->"
END = "<!-- bench:member_import:end -->"
TARGET_S = 30.0
CATEGORIES = ("农村和社区党员", "机关企事业单位党员", "两新组织党员", "流动党员")

cli = typer.Typer(add_completion=False, help=__doc__)


def build_sheet(path: Path, rows: int, branch_names: list[str], existing: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员")
    ws.append(["姓名", "手机号", "所在支部", "党员类别", "入党日期", "预备党员", "性别"])
    for i in range(rows):
        phone = f"137{i:08d}" if i < existing else f"139{i:08d}"
        ws.append(
            [
                f"党员{i:05d}",
                phone,
                branch_names[i % len(branch_names)],
                CATEGORIES[i % 4],
                f"{1980 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "是" if i % 17 == 0 else "否",
                "男" if i % 2 else "女",
            ]
        )
    wb.save(path)


async def seed(branches: int, existing: int) -> tuple[int, str, list[str]]:
    from datetime import date

    from sqlalchemy import insert, select
    from sqlmodel import col

    from app import clock, db
    from app.models import Member, Organisation, RoleAssignment, User

    now = clock.now()
    async with db.unit_of_work() as s:
        committee = Organisation(name="先锋市委组织部（基准测试）", kind="committee", path="")
        s.add(committee)
        await s.flush()
        committee.path = f"/{committee.id}/"
        generals = []
        for g in range(37):
            org = Organisation(
                name=f"第{g + 1}党总支", kind="general_branch", parent_id=committee.id, path=""
            )
            s.add(org)
            await s.flush()
            org.path = f"{committee.path}{org.id}/"
            generals.append(org)
        rows = [
            {
                "name": f"第{b + 1:04d}党支部",
                "kind": "branch",
                "parent_id": generals[b % 37].id,
                "path": "",
                "created_at": now,
                "updated_at": now,
            }
            for b in range(branches)
        ]
        await s.execute(insert(Organisation), rows)
        orgs = (
            await s.execute(select(Organisation).where(Organisation.kind == "branch"))  # type: ignore[arg-type]
        ).scalars()
        by_parent = {g.id: g.path for g in generals}
        branch_rows = list(orgs)
        for org in branch_rows:
            org.path = f"{by_parent[org.parent_id]}{org.id}/"
        admin = User(username="bench_admin", display_name="管理员", password_hash="!")
        s.add(admin)
        await s.flush()
        s.add(RoleAssignment(user_id=admin.id, role="org_admin", organisation_id=committee.id))  # type: ignore[arg-type]
        await s.flush()
        names = [o.name for o in sorted(branch_rows, key=lambda o: o.id or 0)]
        # Existing members, in the branch the sheet names for them (so they update).
        await s.execute(
            insert(User),
            [
                {
                    "username": f"137{i:08d}",
                    "display_name": f"旧{i}",
                    "password_hash": "!",
                    "must_change_password": False,
                    "is_active": True,
                    "is_superadmin": False,
                    "locale": "zh-CN",
                    "created_at": now,
                }
                for i in range(existing)
            ],
        )
        found = await s.execute(
            select(col(User.username), col(User.id)).where(col(User.username).like("137%"))
        )
        users: dict[str, int | None] = {name: uid for name, uid in found.all()}
        ordered = sorted(branch_rows, key=lambda o: o.id or 0)
        await s.execute(
            insert(Member),
            [
                {
                    "user_id": users[f"137{i:08d}"],
                    "name": f"旧{i}",
                    "phone": f"137{i:08d}",
                    "category": "institution",
                    "branch_id": ordered[i % len(ordered)].id,
                    "joined_on": date(2000, 1, 1),
                    "status": "active",
                    "is_probationary": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(existing)
            ],
        )
        assert admin.id is not None and committee.id is not None
        return admin.id, committee.path, names


async def run(rows: int, branches: int, existing: int, sheet: Path) -> dict[str, float]:
    from app.access import CallerUser, Grant, Principal, Role
    from app.db import engine, unit_of_work
    from app.imports import rules, service

    admin_id, path, names = await seed(branches, existing)
    build_sheet(sheet, rows, names, existing)
    data = await asyncio.to_thread(sheet.read_bytes)
    from sqlalchemy import select
    from sqlmodel import col

    from app.models import Organisation

    async with unit_of_work() as s:
        committee_id = await s.scalar(
            select(col(Organisation.id)).where(col(Organisation.path) == path)
        )
    principal = Principal(
        user=CallerUser(
            id=admin_id, is_active=True, is_superadmin=False, must_change_password=False
        ),
        grants=[Grant(Role.org_admin, committee_id or 0, path)],
    )
    import gc

    gc.collect()
    reset_peak()
    rss_before = current_mib()
    t0 = time.perf_counter()
    async with unit_of_work() as s:
        job = await service.dry_run(
            session=s, principal=principal, filename="bench.xlsx", data=data
        )
        job_id = job.id
        counts = rules.counts(job)
    t1 = time.perf_counter()
    async with unit_of_work() as s:
        job = await service.get(s, principal, job_id or 0)
        await service.start_apply(s, principal, job)
    await service.run_apply(job_id or 0, principal)
    t2 = time.perf_counter()
    async with unit_of_work() as s:
        job = await service.get(s, principal, job_id or 0)
        assert job.status == "applied", job.error
        codes = await service.credentials(s, principal, job)
    t3 = time.perf_counter()
    await engine.dispose()
    return {
        "rows": rows,
        "bytes": len(data),
        "dry_run": t1 - t0,
        "apply": t2 - t1,
        "credentials": t3 - t2,
        "codes_kib": len(codes) / 1024,
        "rss_before": rss_before,
        "rss_peak": peak_mib(),
        **{f"n_{k}": float(v) for k, v in counts.items()},
    }


@cli.command()
def main(
    rows: Annotated[int, typer.Option(help="Rows in the sheet")] = 26_000,
    branches: Annotated[int, typer.Option(help="Branches")] = 1_221,
    existing: Annotated[int, typer.Option(help="Rows that update an existing member")] = 2_000,
    database_url: Annotated[str | None, typer.Option(help="PostgreSQL (recreated)")] = None,
    write: Annotated[bool, typer.Option(help="Write docs/PERFORMANCE.md")] = False,
) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="vp-bench-import-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql"):
        from bench.seed import recreate_database

        asyncio.run(recreate_database(url))
    os.environ["DATABASE_URL"] = url
    from app.migrate import upgrade

    upgrade(url)
    r = asyncio.run(run(rows, branches, existing, tmp / "sheet.xlsx"))
    total = r["dry_run"] + r["apply"]
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"member import on {dialect}: {rows} rows ({r['bytes'] / 1024 / 1024:.1f} MiB XLSX), "
        f"{branches} branches; create {r['n_create']:.0f}, update {r['n_update']:.0f}, "
        f"refuse {r['n_refuse']:.0f}",
        f"  dry run {r['dry_run']:.1f} s + apply {r['apply']:.1f} s = {total:.1f} s "
        f"(target < {TARGET_S:.0f} s: {'met' if total < TARGET_S else 'NOT met'}); "
        f"credentials sheet {r['credentials']:.1f} s ({r['codes_kib']:.0f} KiB)",
        f"  peak RSS {r['rss_peak']:.0f} MiB during dry run + apply + credentials "
        f"(RSS before: {r['rss_before']:.0f} MiB)",
    ]
    print("\n".join(lines))
    if write:
        from bench.report import replace_section

        section = "\n".join(
            [
                START,
                "## Member import from Excel (`python -m bench.member_import`)",
                "",
                "In-process through app/imports/service.py (what the endpoints call); the sheet "
                "is an XLSX written beforehand; peak RSS is the process's VmHWM, reset before "
                "the timed part.",
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
