"""The audit trail's use cases: who may read which subtree, cursors, pages and the CSV export.

Evaluation ballots (peer_ballot, code_ballot) are shown with their day only: no response may
let anyone link a rating to its rater. The ratings carry no time, so a ballot's time links
nothing today, but a day is all an auditor needs and it keeps it that way should that change.
The list's order is still the exact one (created_at, id), and a ballot's place among the
other events of its day is visible; the cursor holds only an event's id, never its time."""

import base64
import binascii
import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.access import Action, Principal
from app.auditlog import repository
from app.auditlog.repository import BALLOT_ACTIONS, LOCAL, Filters
from app.auditlog.schemas import ActorRef, AuditEventOut, AuditPage, OrganisationRef
from app.errors import AppError, Forbidden, NotFound
from app.models import Organisation

CSV_HEADERS = ("时间", "操作人", "组织", "对象", "对象编号", "操作", "原状态", "新状态", "说明")
CSV_PAGE = 1000
CSV_MAX_ROWS = 100_000
_CURSOR_PREFIX = "ae1:"
# The sheet names objects and acts in Chinese; anything not listed keeps its code.
ENTITY_LABELS = {
    "user": "账号",
    "member": "党员",
    "role_assignment": "角色",
    "organisation": "组织",
    "standard": "积分标准",
    "claim": "积分申报",
    "branch_month": "支部月度",
    "branch_entry": "支部记分",
    "reminder": "提醒",
    "evaluation_round": "群众评议",
    "service_account": "服务账号",
    "member_import": "党员导入",
}
ACTION_LABELS = {
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "password_changed": "修改密码",
    "password_reset": "重置密码",
    "granted": "授予角色",
    "revoked": "撤销角色",
    "created": "创建",
    "create": "创建",
    "updated": "修改",
    "edit": "修改",
    "renamed": "重命名",
    "moved": "移动",
    "archived": "归档",
    "transferred": "转接",
    "activated": "启用",
    "deactivated": "停用",
    "submit": "提交",
    "approve": "通过",
    "reject": "驳回",
    "return": "退回修改",
    "withdraw": "撤回",
    "revert": "撤销审核决定",
    "expire": "逾期失效",
    "delete": "删除",
    "close": "关闭",
    "reopen": "重新开放",
    "open": "开启",
    "void": "作废",
    "published": "发布",
    "send": "发送",
    "peer_ballot": "党员互评投票",
    "code_ballot": "群众扫码投票",
    "issue_codes": "生成评议码",
    "change_window": "调整评议时间",
    "entry": "支部记分",
    "evidence_add": "添加佐证材料",
    "evidence_remove": "删除佐证材料",
    "item_added": "新增积分项目",
    "item_changed": "修改积分项目",
    "item_removed": "删除积分项目",
    "settings_changed": "修改标准设置",
    "secret_rotated": "更换密钥",
    "dry_run": "上传导入表（预检）",
    "applied": "执行导入",
    "failed": "导入失败",
    "credentials_issued": "下载激活码表",
}


class InvalidCursor(AppError):
    status = 422
    code = "invalid_cursor"
    title = "Invalid cursor"


async def readable_paths(
    session: AsyncSession, principal: Principal, organisation_id: int | None
) -> list[str]:
    """The subtrees the caller reads: theirs, or the given organisation's if within theirs."""
    roots = principal.roots(Action.audit_read)
    if not roots:
        raise Forbidden("Only administrators read the audit trail.", code="forbidden")
    if organisation_id is None:
        return roots
    org = await session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("There is no such organisation.")
    principal.require(Action.audit_read, org.path)
    return [org.path]


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    raw = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not raw.isdigit() or len(raw) > 10:
        raise InvalidCursor("This cursor is not one this list gave out.")
    return int(raw)


async def _position(
    session: AsyncSession, cursor: str | None, paths: list[str]
) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    position = await repository.position_of(session, decode_cursor(cursor), paths)
    if position is None:
        raise InvalidCursor("This cursor is not one this list gave out.")
    return position


def _is_ballot(row: Any) -> bool:
    return row.entity_type == "evaluation_round" and row.action in BALLOT_ACTIONS


def _shown_at(row: Any) -> datetime:
    at: datetime = row.created_at
    if _is_ballot(row):
        return at.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    return at


def to_out(row: Any) -> AuditEventOut:
    if row.actor_user_id is not None:
        actor: ActorRef | None = ActorRef(id=row.actor_user_id, name=row.actor_user_name or "")
        kind = "user"
    elif row.actor_service_account_id is not None:
        actor = ActorRef(id=row.actor_service_account_id, name=row.actor_sa_name or "")
        kind = "service_account"
    else:
        actor, kind = None, "none"
    return AuditEventOut(
        id=row.id,
        at=_shown_at(row),
        at_precision="day" if _is_ballot(row) else "second",
        actor=actor,
        actor_kind=kind,
        organisation=OrganisationRef(id=row.organisation_id, name=row.organisation_name)
        if row.organisation_id is not None
        else None,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        action=row.action,
        from_state=row.from_state,
        to_state=row.to_state,
        comment=row.comment,
        data=row.data,
    )


async def list_events(
    *,
    session: AsyncSession,
    filters: Filters,
    cursor: str | None,
    limit: int,
) -> AuditPage:
    """One page after the cursor; next_cursor is null on the last page."""
    position = await _position(session, cursor, filters.organisation_paths)
    rows = await repository.page(session, filters, position, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[to_out(r) for r in rows],
        next_cursor=encode_cursor(rows[-1].id) if more and rows else None,
    )


# -- CSV -------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A cell as text; one a spreadsheet would read as a formula is prefixed with '."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_line(values: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(v) for v in values])
    return out.getvalue()


def _csv_row(row: Any) -> list[object]:
    local = row.created_at.astimezone(LOCAL)
    at = f"{local:%Y-%m-%d}" if _is_ballot(row) else f"{local:%Y-%m-%d %H:%M:%S}"
    actor = row.actor_user_name or row.actor_sa_name or ""
    return [
        at,
        actor,
        row.organisation_name or "",
        ENTITY_LABELS.get(row.entity_type, row.entity_type),
        row.entity_id,
        ACTION_LABELS.get(row.action, row.action),
        row.from_state,
        row.to_state,
        row.comment,
    ]


async def csv_lines(
    session: AsyncSession, filters: Filters, max_rows: int = CSV_MAX_ROWS
) -> AsyncIterator[str]:
    """The CSV text, a page of events at a time, each page in a short transaction of its own
    (the order is by (created_at, id), so pages neither repeat nor skip an event)."""
    yield "\ufeff" + _csv_line(list(CSV_HEADERS))
    position: tuple[datetime, int] | None = None
    written = 0
    while written < max_rows:
        rows = await repository.page(session, filters, position, min(CSV_PAGE, max_rows - written))
        await session.commit()  # end the read between pages
        if not rows:
            return
        yield "".join(_csv_line(_csv_row(r)) for r in rows)
        written += len(rows)
        position = (rows[-1].created_at, rows[-1].id)
    if await repository.page(session, filters, position, 1):
        yield _csv_line([f"（仅导出前 {max_rows} 条，请缩小筛选范围）"])


async def csv_stream(filters: Filters) -> AsyncIterator[bytes]:
    """csv_lines in a session of its own: the response is sent after the request's ends."""
    async with db.SessionFactory() as session:
        async for chunk in csv_lines(session, filters):
            yield chunk.encode("utf-8")
