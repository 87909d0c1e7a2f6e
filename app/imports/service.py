"""Member import use cases: template, dry run, apply, credentials sheet, activation.

The dry run reads the whole sheet (openpyxl read-only, row by row), judges every row against
the caller's subtree and the database (rules.py), and stores the verdicts (member_import_row).
Apply then works in SQL from those rows, set-based (repository.apply_chunk), in chunks for
progress, all in ONE transaction in the background (jobs.py), so a failure midway leaves
nothing. Imported accounts get no password: their password hash is a marker no password
matches, and the importer downloads (once) a sheet of one-time activation codes, stored only as
keyed digests, that members redeem to set theirs.
"""

import hmac
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, clock
from app.access import Action, Principal, require_user
from app.auth.passwords import check_password_strength, user_words
from app.auth.service import too_many_attempts
from app.auth.throttle import Attempts
from app.config import settings
from app.errors import AppError, Conflict, Forbidden, NotFound, RuleViolation
from app.imports import jobs, parse, repository, rules
from app.imports.jobs import progress, run_apply, schedule_apply
from app.imports.repository import NO_PASSWORD
from app.models import MemberImport, MemberImportRow
from app.security import hash_password_async, keyed_digest

__all__ = ["NO_PASSWORD", "progress", "run_apply", "schedule_apply"]

ACTIVATION_DAYS = 30
ACTIVATION_PURPOSE = b"activation-code:"


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


def template(file_format: str) -> bytes:
    if file_format == "csv":
        return parse.write_csv([parse.TEMPLATE_HEADERS, rules.TEMPLATE_EXAMPLE])
    return parse.write_xlsx(
        [
            ("党员", [parse.TEMPLATE_HEADERS, rules.TEMPLATE_EXAMPLE]),
            ("说明", rules.TEMPLATE_NOTES),
        ]
    )


def _require_importer(principal: Principal) -> list[str]:
    require_user(principal, "Only a person imports members (the activation codes are theirs).")
    roots = principal.roots(Action.member_manage)
    if not roots:
        raise Forbidden("You may not manage members.", code="forbidden")
    return roots


async def dry_run(
    *, session: AsyncSession, principal: Principal, filename: str, data: bytes
) -> MemberImport:
    """Judge every row of the sheet and keep the verdicts; nothing else changes."""
    _require_importer(principal)
    if len(data) > parse.MAX_BYTES:
        raise RuleViolation("The file is larger than 10 MB.", code="file_too_large")
    kind = parse.sniff(data)
    branches = await repository.branch_lookup(session, principal)
    rows: list[dict[str, Any]] = []
    phones: Counter[str] = Counter()
    for number, cells in parse.read_rows(data, kind):
        if rules.is_example(cells):
            continue
        values, reasons = rules.check_row(cells)
        rules.resolve_branch(
            values, reasons, branches.get(rules.branch_key(cells.get("branch", "")), [])
        )
        if "phone" in values:
            phones[values["phone"]] += 1
        rows.append({"row_no": number, "cells": cells, "values": values, "reasons": reasons})
    if not rows:
        raise RuleViolation("The sheet has no member rows.", code="empty_file")
    unique = [p for p in phones if phones[p] == 1]
    existing = await repository.existing_members(session, unique)
    taken = await repository.taken_usernames(session, unique)
    outranked = await repository.outranked(
        session, principal, [m["user_id"] for m in existing.values()]
    )
    counts: Counter[str] = Counter()
    for row in rows:
        rules.judge(row, phones, existing, taken, outranked, principal)
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
    await repository.insert_rows(session, job.id, rows)
    audit.record(
        session,
        actor=principal,
        entity_type="member_import",
        entity_id=job.id,
        action="dry_run",
        to_state="dry_run",
        data={"filename": job.filename, **rules.counts(job)},
    )
    return job


async def get(session: AsyncSession, principal: Principal, import_id: int) -> MemberImport:
    """The import, for its importer only (others: 404). An apply cut off by a restart (applying,
    but no task of this process runs it) is marked failed here."""
    job = await session.get(MemberImport, import_id)
    if job is None or principal.user_id is None or job.actor_user_id != principal.user_id:
        raise NotFound("No such import.", code="import_not_found")
    if (
        job.status == "applying"
        and not jobs.is_running_here(import_id)
        and await jobs.mark_failed(session, None, import_id, rules.INTERRUPTED)
    ):
        await session.refresh(job)
    return job


async def rows(
    session: AsyncSession, import_id: int, *, action: str | None, page: int, page_size: int
) -> tuple[list[MemberImportRow], int]:
    return await repository.page_rows(
        session, import_id, action=action, page=page, page_size=page_size
    )


async def report_sheet(session: AsyncSession, job: MemberImport) -> bytes:
    """The dry run's verdict on every row as a workbook (the uploaded cells + action + why)."""
    assert job.id is not None
    keys = list(parse.COLUMNS)
    lines: list[list[Any]] = [["行号", "结果", "原因", *parse.TEMPLATE_HEADERS]]
    async for row in repository.stream_rows(session, job.id):
        lines.append(rules.report_line(row.row_no, row.action, row.reasons, row.cells, keys))
    return parse.write_xlsx([("导入结果", lines)])


async def start_apply(session: AsyncSession, principal: Principal, job: MemberImport) -> None:
    """dry_run → applying (only once); the caller then schedules jobs.run_apply."""
    _require_importer(principal)
    assert job.id is not None
    if not await repository.set_status(session, job.id, expected="dry_run", status="applying"):
        raise Conflict(
            f"The import is {job.status}; only a dry run is applied.", code="import_not_dry_run"
        )
    # Owned by this process from now on, so a poll before the task starts does not take it
    # for one cut off by a restart.
    jobs.claim(job.id)
    job.status = "applying"


async def credentials(session: AsyncSession, principal: Principal, job: MemberImport) -> bytes:
    """The activation codes of the accounts the import created, as a workbook, once: the
    codes are made now and only their digests kept; a second request is 410 Gone."""
    if job.status != "applied":
        raise Conflict("The import has not been applied.", code="import_not_applied")
    assert job.id is not None
    now = clock.now()
    if not await repository.claim_credentials(session, job.id, now):
        raise Gone()
    expires = now + timedelta(days=ACTIVATION_DAYS)
    lines: list[list[Any]] = [["姓名", "登录名（手机号）", "所在支部", "激活码", "有效期至"]]
    codes: list[dict[str, Any]] = []
    for user_id, username, name, branch in await repository.awaiting_activation(session, job.id):
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
    await repository.insert_codes(session, codes)
    audit.record(
        session,
        actor=principal,
        entity_type="member_import",
        entity_id=job.id,
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
    user = await repository.user_by_login(session, username)
    row = None
    if user is not None and user.id is not None:
        row = await repository.activation_code(session, user.id)
    ok = (
        user is not None
        and row is not None
        and rules.activation_valid(
            code_matches=hmac.compare_digest(row.code_digest, code_digest(code)),
            used=row.used_at is not None,
            expired=row.expires_at <= clock.now(),
            account_active=user.is_active,
            awaiting_password=user.password_hash == NO_PASSWORD,
        )
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
