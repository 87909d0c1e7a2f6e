"""Member import use cases: template, dry run, background apply, credentials sheet.

The dry run reads the whole sheet (openpyxl read-only, row by row), judges every row against
the caller's subtree and the database, and stores the verdicts (member_import_row). Apply
then works in SQL from those rows, set-based: INSERT … SELECT for accounts, members and
roles, UPDATE … WHERE id IN (…) for updates, in chunks of CHUNK rows for progress, all in ONE
transaction, so a failure midway leaves nothing. Imported accounts get no password: their
password hash is a marker no password matches, and the importer downloads (once) a sheet of
one-time activation codes, stored only as keyed digests, that members redeem to set theirs.
"""

import asyncio
import hmac
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, and_, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import audit, clock, db
from app.access import Action, Grant, Principal, Role, may_manage, require_user
from app.auth.passwords import check_password_strength, user_words
from app.auth.service import too_many_attempts
from app.auth.throttle import Attempts
from app.config import settings
from app.errors import AppError, Conflict, Forbidden, NotFound, RuleViolation
from app.imports import parse, rules
from app.models import (
    ActivationCode,
    Member,
    MemberImport,
    MemberImportRow,
    Organisation,
    RoleAssignment,
    User,
)
from app.security import hash_password_async, keyed_digest

log = logging.getLogger(__name__)

# Apply works in chunks of this many sheet rows (progress moves once per chunk).
CHUNK = 2000
# Accounts created by an import have this as their password hash until the member redeems
# their activation code: it is no argon2 hash, so no password matches it.
NO_PASSWORD = "!activation-pending"
ACTIVATION_DAYS = 30
ACTIVATION_PURPOSE = b"activation-code:"
_IN_BATCH = 5000

# Progress of the applies running in this process: import id → rows done. The apply's
# transaction is not visible until it commits, so progress lives here (see the report).
progress: dict[int, int] = {}
_tasks: set[asyncio.Task[None]] = set()

_ROWS: Table = MemberImportRow.__table__  # type: ignore[attr-defined]
_USERS: Table = User.__table__  # type: ignore[attr-defined]
_MEMBERS: Table = Member.__table__  # type: ignore[attr-defined]
_ROLES: Table = RoleAssignment.__table__  # type: ignore[attr-defined]
_CODES: Table = ActivationCode.__table__  # type: ignore[attr-defined]


def template(file_format: str) -> bytes:
    example = [
        "（示例）张三",
        "13800000000",
        "第一党支部",
        "机关企事业单位党员",
        "2015-07-01",
        "否",
        "男",
    ]
    if file_format == "csv":
        return parse.write_csv([parse.TEMPLATE_HEADERS, example])
    notes: list[list[Any]] = [
        ["列", "说明"],
        ["姓名", "必填，最多 50 字"],
        ["手机号", "必填，6 到 15 位数字；也是登录名。已有党员按手机号更新"],
        ["所在支部", "必填，支部名称；重名时写路径，如 城关街道党工委/第一党支部"],
        ["党员类别", "必填，下列之一（或其代码）"],
        *[["", f"{name}（{code}）"] for code, name in rules.CATEGORY_NAMES.items()],
        ["入党日期", "必填，如 2015-07-01、2015/7/1、2015年7月1日"],
        ["预备党员", "是 / 否（空为否）"],
        ["性别", "选填，男 / 女"],
        ["", "以“（示例）”开头的行不导入"],
    ]
    return parse.write_xlsx([("党员", [parse.TEMPLATE_HEADERS, example]), ("说明", notes)])


def _require_importer(principal: Principal) -> list[str]:
    require_user(principal, "Only a person imports members (the activation codes are theirs).")
    roots = principal.roots(Action.member_manage)
    if not roots:
        raise Forbidden("You may not manage members.", code="forbidden")
    return roots


async def _branches(session: AsyncSession, principal: Principal) -> dict[str, list[int]]:
    """Lookup keys (a branch's name, and every tail of its name path joined by '/') → the ids
    of the active branches the caller manages."""
    rows = (
        await session.execute(
            select(
                col(Organisation.id),
                col(Organisation.name),
                col(Organisation.kind),
                col(Organisation.path),
                col(Organisation.archived_at),
            )
        )
    ).all()
    names = {r.id: r.name for r in rows}
    keys: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r.kind != "branch" or r.archived_at is not None:
            continue
        if not principal.can(Action.member_manage, r.path):
            continue
        chain = [names.get(int(i), "") for i in r.path.strip("/").split("/")]
        for start in range(len(chain)):
            keys[_branch_key("/".join(chain[start:]))].append(r.id)
    return keys


def _branch_key(text: str) -> str:
    for sep in ("／", "\\", ">", "＞", "→"):
        text = text.replace(sep, "/")
    return "/".join(part.strip() for part in text.split("/") if part.strip())


async def dry_run(
    *, session: AsyncSession, principal: Principal, filename: str, data: bytes
) -> MemberImport:
    _require_importer(principal)
    if len(data) > parse.MAX_BYTES:
        raise RuleViolation("The file is larger than 10 MB.", code="file_too_large")
    kind = parse.sniff(data)
    branches = await _branches(session, principal)
    rows: list[dict[str, Any]] = []
    phones: Counter[str] = Counter()
    for number, cells in parse.read_rows(data, kind):
        if cells.get("name", "").startswith(("（示例）", "(示例)")):
            continue
        values, reasons = rules.check_row(cells)
        branch_text = _branch_key(cells.get("branch", ""))
        ids = branches.get(branch_text, [])
        if len(ids) == 1:
            values["branch_id"] = ids[0]
        elif ids:
            reasons.append(
                rules.reason("ambiguous_branch", "branch", "有多个同名支部，请写上级/支部")
            )
        else:
            reasons.append(rules.reason("unknown_branch", "branch", "在您管理的组织中找不到该支部"))
        if "phone" in values:
            phones[values["phone"]] += 1
        rows.append({"row_no": number, "cells": cells, "values": values, "reasons": reasons})
    if not rows:
        raise RuleViolation("The sheet has no member rows.", code="empty_file")
    existing = await _existing_members(session, [p for p in phones if phones[p] == 1])
    taken = await _taken_usernames(session, [p for p in phones if phones[p] == 1])
    outranked = await _outranked(session, principal, [m["user_id"] for m in existing.values()])
    counts: Counter[str] = Counter()
    for row in rows:
        _judge(row, phones, existing, taken, outranked, principal)
        counts[row["action"]] += 1
    job = MemberImport(
        actor_user_id=principal.user_id,  # type: ignore[arg-type]
        filename=filename[:200] or "upload",
        file_format=kind,
        total_rows=len(rows),
        create_count=counts["create"],
        update_count=counts["update"],
        unchanged_count=counts["unchanged"],
        refuse_count=counts["refuse"],
    )
    session.add(job)
    await session.flush()
    assert job.id is not None
    for start in range(0, len(rows), 1000):
        await session.execute(
            insert(_ROWS),
            [_row_columns(job.id, r) for r in rows[start : start + 1000]],
        )
    audit.record(
        session,
        actor=principal,
        entity_type="member_import",
        entity_id=job.id,
        action="dry_run",
        to_state="dry_run",
        data={"filename": job.filename, **_counts(job)},
    )
    return job


def _judge(
    row: dict[str, Any],
    phones: Counter[str],
    existing: dict[str, dict[str, Any]],
    taken: set[str],
    outranked: set[int],
    principal: Principal,
) -> None:
    values, reasons = row["values"], row["reasons"]
    phone = values.get("phone")
    row["action"] = "create"
    if phone is not None and phones[phone] > 1:
        reasons.append(rules.reason("duplicate_phone", "phone", "该手机号在表中出现多次"))
    elif phone is not None and phone in existing:
        member = existing[phone]
        values["member_id"] = member["id"]
        if not principal.can(Action.member_manage, member["path"]):
            reasons.append(
                rules.reason("phone_taken", "phone", "该手机号已属于您管理范围之外的党员")
            )
        elif member["status"] != "active":
            reasons.append(rules.reason("member_inactive", "phone", "该党员已停用，请先恢复"))
        elif member["user_id"] in outranked:
            reasons.append(
                rules.reason("target_outranks_you", "phone", "该党员担任的职务高于您的权限")
            )
        elif "branch_id" in values and values["branch_id"] != member["branch_id"]:
            reasons.append(
                rules.reason(
                    "transfer_required", "branch", "该党员在另一个支部，请先办理组织关系转接"
                )
            )
        else:
            same = all(
                values.get(k) == member[k]
                for k in ("name", "category", "joined_on", "is_probationary")
            ) and values.get("gender") in (None, member["gender"])
            row["action"] = "unchanged" if same else "update"
    elif phone is not None and phone in taken:
        reasons.append(rules.reason("phone_taken", "phone", "该手机号已是他人的登录名"))
    if reasons:
        row["action"] = "refuse"


def _row_columns(import_id: int, row: dict[str, Any]) -> dict[str, Any]:
    values = row["values"]
    return {
        "import_id": import_id,
        "row_no": row["row_no"],
        "action": row["action"],
        "name": values.get("name"),
        "phone": values.get("phone"),
        "gender": values.get("gender"),
        "category": values.get("category"),
        "branch_id": values.get("branch_id"),
        "joined_on": values.get("joined_on"),
        "is_probationary": values.get("is_probationary"),
        "member_id": values.get("member_id"),
        "cells": row["cells"],
        "reasons": row["reasons"] or None,
    }


async def _existing_members(
    session: AsyncSession, phones: Sequence[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(phones), _IN_BATCH):
        result = await session.execute(
            select(
                col(Member.id),
                col(Member.phone),
                col(Member.name),
                col(Member.category),
                col(Member.joined_on),
                col(Member.is_probationary),
                col(Member.gender),
                col(Member.status),
                col(Member.user_id),
                col(Member.branch_id),
                col(Organisation.path),
            )
            .join(Organisation, col(Organisation.id) == col(Member.branch_id))
            .where(col(Member.phone).in_(phones[start : start + _IN_BATCH]))
        )
        for r in result.mappings():
            found[r["phone"]] = dict(r)
    return found


async def _taken_usernames(session: AsyncSession, phones: Sequence[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(phones), _IN_BATCH):
        result = await session.execute(
            # Phones are digits: no case to fold, so the unique index on username serves.
            select(col(User.username)).where(
                col(User.username).in_(phones[start : start + _IN_BATCH])
            )
        )
        taken.update(result.scalars())
    return taken


async def _outranked(
    session: AsyncSession, principal: Principal, user_ids: Sequence[int | None]
) -> set[int]:
    """The accounts among user_ids the caller may not manage (separation of duties)."""
    ids = sorted({u for u in user_ids if u is not None})
    grants: dict[int, list[Grant]] = defaultdict(list)
    superadmins: set[int | None] = set()
    for start in range(0, len(ids), _IN_BATCH):
        batch = ids[start : start + _IN_BATCH]
        result = await session.execute(
            select(
                col(RoleAssignment.user_id),
                col(RoleAssignment.role),
                col(RoleAssignment.organisation_id),
                col(Organisation.path),
            )
            .join(Organisation, col(Organisation.id) == col(RoleAssignment.organisation_id))
            .where(col(RoleAssignment.user_id).in_(batch), col(RoleAssignment.role) != "member")
        )
        for user_id, role, org_id, path in result.all():
            grants[user_id].append(Grant(Role(role), org_id, path))
        superadmins.update(
            (
                await session.execute(
                    select(col(User.id)).where(
                        col(User.id).in_(batch), col(User.is_superadmin).is_(True)
                    )
                )
            ).scalars()
        )
    return {
        u
        for u in set(grants) | {s for s in superadmins if s is not None}
        if not may_manage(principal, grants[u], target_is_superadmin=u in superadmins)
    }


def _counts(job: MemberImport) -> dict[str, int]:
    return {
        "create": job.create_count,
        "update": job.update_count,
        "unchanged": job.unchanged_count,
        "refuse": job.refuse_count,
    }


async def get(session: AsyncSession, principal: Principal, import_id: int) -> MemberImport:
    """The import, for its importer only (others: 404)."""
    job = await session.get(MemberImport, import_id)
    if job is None or principal.user_id is None or job.actor_user_id != principal.user_id:
        raise NotFound("No such import.", code="import_not_found")
    return job


async def rows(
    session: AsyncSession,
    import_id: int,
    *,
    action: str | None,
    page: int,
    page_size: int,
) -> tuple[list[MemberImportRow], int]:
    stmt = select(MemberImportRow).where(col(MemberImportRow.import_id) == import_id)
    if action:
        stmt = stmt.where(col(MemberImportRow.action) == action)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    result = await session.execute(
        stmt.order_by(col(MemberImportRow.row_no)).offset((page - 1) * page_size).limit(page_size)
    )
    return list(result.scalars()), total


async def report_sheet(session: AsyncSession, job: MemberImport) -> bytes:
    """The dry run's verdict on every row as a workbook (the uploaded cells + action + why)."""
    labels = {"create": "新增", "update": "更新", "unchanged": "无变化", "refuse": "拒绝"}
    result = await session.stream(
        select(MemberImportRow)
        .where(col(MemberImportRow.import_id) == job.id)
        .order_by(col(MemberImportRow.row_no))
    )
    keys = list(parse.COLUMNS)
    lines: list[list[Any]] = [["行号", "结果", "原因", *parse.TEMPLATE_HEADERS]]
    async for (row,) in result:
        why = "；".join(r["message"] for r in row.reasons or [])
        lines.append([row.row_no, labels[row.action], why, *(row.cells.get(k, "") for k in keys)])
    return parse.write_xlsx([("导入结果", lines)])


async def start_apply(session: AsyncSession, principal: Principal, job: MemberImport) -> None:
    """dry_run → applying (only once); the caller then schedules run_apply."""
    _require_importer(principal)
    changed = await session.execute(
        update(MemberImport)
        .where(col(MemberImport.id) == job.id, col(MemberImport.status) == "dry_run")
        .values(status="applying")
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"The import is {job.status}; only a dry run is applied.", code="import_not_dry_run"
        )
    job.status = "applying"


async def schedule_apply(import_id: int, principal: Principal) -> None:
    """Run the apply as a task of this process (called once the request has committed)."""
    progress[import_id] = 0
    task = asyncio.create_task(run_apply(import_id, principal))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def run_apply(import_id: int, principal: Principal) -> None:
    try:
        async with db.unit_of_work() as session:
            await _apply(session, principal, import_id)
    except Exception as exc:
        log.exception("member import %s failed", import_id)
        async with db.unit_of_work() as session:
            await session.execute(
                update(MemberImport)
                .where(col(MemberImport.id) == import_id)
                .values(status="failed", error=_failure_text(exc))
            )
            audit.record(
                session,
                actor=principal,
                entity_type="member_import",
                entity_id=import_id,
                action="failed",
                from_state="applying",
                to_state="failed",
                comment=_failure_text(exc),
            )
    finally:
        progress.pop(import_id, None)


def _failure_text(exc: Exception) -> str:
    text = str(exc).lower()
    if "unique" in text or "duplicate" in text:
        return "Someone else took a phone number of the sheet since the dry run; import again."
    return f"The import failed ({type(exc).__name__}); nothing was written."


async def _apply(session: AsyncSession, principal: Principal, import_id: int) -> None:
    job = await session.get(MemberImport, import_id)
    assert job is not None
    now = clock.now()
    last = (
        await session.scalar(
            select(func.max(col(MemberImportRow.row_no))).where(
                col(MemberImportRow.import_id) == import_id
            )
        )
        or 0
    )
    done = 0
    for low in range(0, last + 1, CHUNK):
        await apply_chunk(session, principal, import_id, low, low + CHUNK, now)
        done += (
            await session.scalar(
                select(func.count()).where(
                    col(MemberImportRow.import_id) == import_id,
                    col(MemberImportRow.row_no) >= low,
                    col(MemberImportRow.row_no) < low + CHUNK,
                )
            )
            or 0
        )
        progress[import_id] = done
    job.status = "applied"
    job.applied_at = now
    audit.record(
        session,
        actor=principal,
        entity_type="member_import",
        entity_id=import_id,
        action="applied",
        from_state="applying",
        to_state="applied",
        data=_counts(job),
    )


async def apply_chunk(
    session: AsyncSession, principal: Principal, import_id: int, low: int, high: int, now: Any
) -> None:
    """Rows low ≤ row_no < high: accounts, members and roles for `create`, field updates for
    `update`, each as one statement over the chunk."""
    r = _ROWS.alias("r")
    in_chunk = and_(r.c.import_id == import_id, r.c.row_no >= low, r.c.row_no < high)
    ts = literal(now, _USERS.c.created_at.type)
    creating = and_(in_chunk, r.c.action == "create")
    await session.execute(
        insert(_USERS).from_select(
            [
                "username",
                "display_name",
                "password_hash",
                "must_change_password",
                "is_active",
                "is_superadmin",
                "locale",
                "created_at",
                "token_version",
            ],
            select(
                r.c.phone,
                r.c.name,
                literal(NO_PASSWORD),
                literal(True),
                literal(True),
                literal(False),
                literal("zh-CN"),
                ts,
                literal(0),
            ).where(creating),
        )
    )
    u = _USERS.alias("u")
    await session.execute(
        insert(_MEMBERS).from_select(
            [
                "user_id",
                "name",
                "gender",
                "phone",
                "category",
                "branch_id",
                "status",
                "joined_on",
                "is_probationary",
                "created_at",
                "updated_at",
            ],
            select(
                u.c.id,
                r.c.name,
                r.c.gender,
                r.c.phone,
                r.c.category,
                r.c.branch_id,
                literal("active"),
                r.c.joined_on,
                r.c.is_probationary,
                ts,
                ts,
            )
            .join(u, u.c.username == r.c.phone)
            .where(creating),
        )
    )
    await session.execute(
        insert(_ROLES).from_select(
            ["user_id", "role", "organisation_id", "created_at"],
            select(u.c.id, literal("member"), r.c.branch_id, ts)
            .join(u, u.c.username == r.c.phone)
            .where(creating),
        )
    )
    updating = and_(in_chunk, r.c.action == "update")
    m = _MEMBERS
    # UPDATE … FROM (PostgreSQL; SQLite 3.33+): one join, not a subquery per column and row.
    await session.execute(
        update(m)
        .where(m.c.id == r.c.member_id, updating)
        .values(
            name=r.c.name,
            category=r.c.category,
            joined_on=r.c.joined_on,
            is_probationary=r.c.is_probationary,
            gender=func.coalesce(r.c.gender, m.c.gender),
            updated_at=ts,
        )
    )
    mm = _MEMBERS.alias("mm")
    await session.execute(
        update(_USERS)
        .where(_USERS.c.id == mm.c.user_id, mm.c.id == r.c.member_id, updating)
        .values(display_name=r.c.name)
    )
    # One audit event per member created or updated, written by the same set-based insert.
    for action, condition in (("created", creating), ("updated", updating)):
        source = (
            select(mm.c.id.label("member_id"))
            .join(r, r.c.phone == mm.c.phone)
            .where(condition)
            .cte(f"imported_{action}")
        )
        await session.execute(
            audit.events_per_row(
                source,
                source.c.member_id,
                audit.event(
                    actor=principal,
                    entity_type="member",
                    entity_id=None,
                    action=action,
                    to_state="active" if action == "created" else None,
                    comment=f"member import {import_id}",
                ),
            )
        )


async def credentials(session: AsyncSession, principal: Principal, job: MemberImport) -> bytes:
    """The activation codes of the accounts the import created, as a workbook, once: the
    codes are made now and only their digests kept; a second request is 410 Gone."""
    if job.status != "applied":
        raise Conflict("The import has not been applied.", code="import_not_applied")
    now = clock.now()
    claimed = await session.execute(
        update(MemberImport)
        .where(col(MemberImport.id) == job.id, col(MemberImport.credentials_issued_at).is_(None))
        .values(credentials_issued_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Gone()
    result = await session.execute(
        select(col(User.id), col(User.username), col(Member.name), col(Organisation.name))
        .join(Member, col(Member.user_id) == col(User.id))
        .join(Organisation, col(Organisation.id) == col(Member.branch_id))
        .join(
            MemberImportRow,
            and_(
                col(MemberImportRow.phone) == col(User.username),
                col(MemberImportRow.import_id) == job.id,
                col(MemberImportRow.action) == "create",
            ),
        )
        .where(col(User.password_hash) == NO_PASSWORD)
        .order_by(col(MemberImportRow.row_no))
    )
    expires = now + timedelta(days=ACTIVATION_DAYS)
    lines: list[list[Any]] = [["姓名", "登录名（手机号）", "所在支部", "激活码", "有效期至"]]
    codes: list[dict[str, Any]] = []
    for user_id, username, name, branch in result.all():
        code = new_code()
        codes.append(
            {
                "user_id": user_id,
                "import_id": job.id,
                "code_digest": code_digest(code),
                "created_at": now,
                "expires_at": expires,
            }
        )
        lines.append([name, username, branch, code, expires.date().isoformat()])
    for start in range(0, len(codes), 1000):
        await session.execute(insert(_CODES), codes[start : start + 1000])
    audit.record(
        session,
        actor=principal,
        entity_type="member_import",
        entity_id=job.id,  # type: ignore[arg-type]
        action="credentials_issued",
        data={"codes": len(codes)},
    )
    return parse.write_xlsx([("激活码", lines)])


def new_code() -> str:
    """12 characters of an unambiguous alphabet (~69 bits), grouped for reading aloud."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def code_digest(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return keyed_digest(ACTIVATION_PURPOSE, normalised).hex()


class Gone(Conflict):
    status = 410
    code = "credentials_gone"
    title = "Gone"

    def __init__(self) -> None:
        super().__init__("The credentials sheet was downloaded already; reset passwords instead.")


class ActivationInvalid(AppError):
    status = 400
    code = "activation_invalid"
    title = "Activation code not valid"


async def activate(
    *,
    session: AsyncSession,
    attempts: Attempts,
    address: str,
    username: str,
    code: str,
    new_password: str,
) -> None:
    """An imported member sets their first password with their one-time activation code.

    One answer for every failure (unknown login, wrong, used or expired code), so it tells
    nothing about which accounts exist. Codes carry ~69 bits; failures still count against the
    address as sign-in failures do. Afterwards the member signs in normally."""
    key = f"activation:{address}"
    wait = await attempts.locked_for(key, session=session)
    if wait:
        raise too_many_attempts(wait)
    user = (
        await session.execute(
            select(User).where(func.lower(col(User.username)) == username.strip().lower())
        )
    ).scalar_one_or_none()
    row = None
    if user is not None:
        row = (
            await session.execute(
                select(ActivationCode).where(col(ActivationCode.user_id) == user.id)
            )
        ).scalar_one_or_none()
    ok = (
        user is not None
        and row is not None
        and hmac.compare_digest(row.code_digest, code_digest(code))
        and row.used_at is None
        and row.expires_at > clock.now()
        and user.is_active
        and user.password_hash == NO_PASSWORD
    )
    if not ok:
        attempts.fail(key, limit=settings.login_max_failures_per_address)
        raise ActivationInvalid(
            "The activation code is wrong, used or expired; ask your branch secretary."
        )
    assert user is not None and row is not None and user.id is not None
    check_password_strength(new_password, user_words=await user_words(session, user))
    now = clock.now()
    user.password_hash = await hash_password_async(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    row.used_at = now
    audit.record(
        session,
        actor=None,
        entity_type="user",
        entity_id=user.id,
        action="activated",
        data={"import_id": row.import_id},
    )
