"""Per-row rules of a member import: each cell's text to a value, or a reason to refuse.

Reason codes (rows[].reasons[].code):
  missing_name, bad_name, bad_phone, duplicate_phone (twice or more in the sheet: every such
  row is refused), unknown_branch (not a branch of the caller's subtree, or archived),
  ambiguous_branch (the name matches several branches: use the path 上级/支部), bad_category,
  bad_date, bad_probationary, bad_gender, phone_taken (the phone, or a login name equal to it,
  belongs to someone outside the caller's reach), transfer_required (the member exists in
  another branch: transfer them first), member_inactive, target_outranks_you (the member holds
  a role the caller does not hold over them).

A row's action: create (a new member and account), update (an existing member of the caller's
reach whose fields differ), unchanged, or refuse (any reason above).
"""

import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from app import clock
from app.access import Action, Principal
from app.models import MemberImport

CATEGORY_NAMES = {
    "rural_community": "农村和社区党员",
    "institution": "机关企事业单位党员",
    "new_org": "两新组织党员",
    "mobile": "流动党员",
}
_CATEGORY_ALIASES = {
    **{code: code for code in CATEGORY_NAMES},
    **{name: code for code, name in CATEGORY_NAMES.items()},
    "农村和社区": "rural_community",
    "农村社区党员": "rural_community",
    "机关企事业单位": "institution",
    "两新组织": "new_org",
    "流动": "mobile",
}
_YES = {"是", "y", "yes", "true", "1", "预备", "预备党员"}
_NO = {"", "否", "n", "no", "false", "0", "正式", "正式党员"}
_GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "": None}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)

Reason = dict[str, str]


def reason(code: str, field: str, message: str) -> Reason:
    return {"code": code, "field": field, "message": message}


def parse_phone(text: str) -> str | None:
    digits = text.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if digits.isdigit() and 6 <= len(digits) <= 15 else None


def parse_date(text: str) -> date | None:
    text = text.strip()
    match = _DATE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if text.isdigit() and len(text) == 8:
            return datetime.strptime(text, "%Y%m%d").date()
        if text.isdigit() and 1 <= int(text) < 80_000:  # an Excel serial day number
            return _EXCEL_EPOCH + timedelta(days=int(text))
    except ValueError:
        return None
    return None


def check_row(cells: dict[str, str]) -> tuple[dict[str, Any], list[Reason]]:
    """The row's values (those that parsed) and the reasons to refuse it. The branch is
    resolved by the caller (it needs the tree)."""
    values: dict[str, Any] = {}
    reasons: list[Reason] = []
    name = cells.get("name", "").strip()
    if not name:
        reasons.append(reason("missing_name", "name", "姓名为空"))
    elif len(name) > 50:
        reasons.append(reason("bad_name", "name", "姓名超过 50 个字"))
    else:
        values["name"] = name
    phone = parse_phone(cells.get("phone", ""))
    if phone is None:
        reasons.append(reason("bad_phone", "phone", "手机号应为 6 到 15 位数字"))
    else:
        values["phone"] = phone
    category = _CATEGORY_ALIASES.get(cells.get("category", "").strip())
    if category is None:
        reasons.append(
            reason(
                "bad_category",
                "category",
                "党员类别应为：" + "、".join(CATEGORY_NAMES.values()),
            )
        )
    else:
        values["category"] = category
    joined = parse_date(cells.get("joined_on", ""))
    today = clock.now().date()
    if joined is None or joined > today or joined.year < 1921:
        reasons.append(
            reason("bad_date", "joined_on", "入党日期应为 1921 年以来的日期，如 2015-07-01")
        )
    else:
        values["joined_on"] = joined
    probationary = cells.get("probationary", "").strip().lower()
    if probationary in _YES:
        values["is_probationary"] = True
    elif probationary in _NO:
        values["is_probationary"] = False
    else:
        reasons.append(reason("bad_probationary", "probationary", "预备党员应填“是”或“否”"))
    gender = cells.get("gender", "").strip().lower()
    if gender in _GENDERS:
        values["gender"] = _GENDERS[gender]
    else:
        reasons.append(reason("bad_gender", "gender", "性别应填“男”或“女”"))
    return values, reasons


EXAMPLE_PREFIXES = ("（示例）", "(示例)")
TEMPLATE_EXAMPLE = [
    "（示例）张三",
    "13800000000",
    "第一党支部",
    "机关企事业单位党员",
    "2015-07-01",
    "否",
    "男",
]
TEMPLATE_NOTES: list[list[str]] = [
    ["列", "说明"],
    ["姓名", "必填，最多 50 字"],
    ["手机号", "必填，6 到 15 位数字；也是登录名。已有党员按手机号更新"],
    ["所在支部", "必填，支部名称；重名时写路径，如 城关街道党工委/第一党支部"],
    ["党员类别", "必填，下列之一（或其代码）"],
    *[["", f"{name}（{code}）"] for code, name in CATEGORY_NAMES.items()],
    ["入党日期", "必填，如 2015-07-01、2015/7/1、2015年7月1日"],
    ["预备党员", "是 / 否（空为否）"],
    ["性别", "选填，男 / 女"],
    ["", "以“（示例）”开头的行不导入"],
]
ACTION_LABELS = {"create": "新增", "update": "更新", "unchanged": "无变化", "refuse": "拒绝"}
# Fields compared to tell an update from an unchanged row (gender only when the sheet gives it).
_COMPARED = ("name", "category", "joined_on", "is_probationary")


def is_example(cells: dict[str, str]) -> bool:
    return cells.get("name", "").startswith(EXAMPLE_PREFIXES)


def branch_key(text: str) -> str:
    """A branch as typed (name or path, any common separator) in the form the lookup keys use."""
    for sep in ("／", "\\", ">", "＞", "→"):
        text = text.replace(sep, "/")
    return "/".join(part.strip() for part in text.split("/") if part.strip())


def branch_keys(chain: list[str]) -> list[str]:
    """A branch's lookup keys from the names on its path (root first): its name and every tail
    of the path joined by '/'."""
    return [branch_key("/".join(chain[start:])) for start in range(len(chain))]


def resolve_branch(values: dict[str, Any], reasons: list[Reason], ids: list[int]) -> None:
    """The branch typed, as found among the caller's branches: one id, or a reason."""
    if len(ids) == 1:
        values["branch_id"] = ids[0]
    elif ids:
        reasons.append(reason("ambiguous_branch", "branch", "有多个同名支部，请写上级/支部"))
    else:
        reasons.append(reason("unknown_branch", "branch", "在您管理的组织中找不到该支部"))


def judge(
    row: dict[str, Any],
    phones: Counter[str],
    existing: dict[str, dict[str, Any]],
    taken: set[str],
    outranked: set[int],
    principal: Principal,
) -> None:
    """Set row["action"] from the row's values, the sheet's phone counts and what the database
    holds for those phones; add the reasons of a refusal."""
    values, reasons = row["values"], row["reasons"]
    phone = values.get("phone")
    row["action"] = "create"
    if phone is not None and phones[phone] > 1:
        reasons.append(reason("duplicate_phone", "phone", "该手机号在表中出现多次"))
    elif phone is not None and phone in existing:
        member = existing[phone]
        values["member_id"] = member["id"]
        if not principal.can(Action.member_manage, member["path"]):
            reasons.append(reason("phone_taken", "phone", "该手机号已属于您管理范围之外的党员"))
        elif member["status"] != "active":
            reasons.append(reason("member_inactive", "phone", "该党员已停用，请先恢复"))
        elif member["user_id"] in outranked:
            reasons.append(reason("target_outranks_you", "phone", "该党员担任的职务高于您的权限"))
        elif "branch_id" in values and values["branch_id"] != member["branch_id"]:
            reasons.append(
                reason("transfer_required", "branch", "该党员在另一个支部，请先办理组织关系转接")
            )
        else:
            same = all(values.get(k) == member[k] for k in _COMPARED) and values.get("gender") in (
                None,
                member["gender"],
            )
            row["action"] = "unchanged" if same else "update"
    elif phone is not None and phone in taken:
        reasons.append(reason("phone_taken", "phone", "该手机号已是他人的登录名"))
    if reasons:
        row["action"] = "refuse"


def row_columns(import_id: int, row: dict[str, Any]) -> dict[str, Any]:
    """A judged row as the columns of member_import_row."""
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


def report_line(
    row_no: int, action: str, reasons: list[Reason] | None, cells: dict[str, Any], keys: list[str]
) -> list[Any]:
    """One line of the dry-run report: row number, verdict, why, then the uploaded cells."""
    why = "；".join(r["message"] for r in reasons or [])
    return [row_no, ACTION_LABELS[action], why, *(cells.get(k, "") for k in keys)]


def failure_text(exc: Exception) -> str:
    """What the importer reads about a failed apply (never the exception's own text)."""
    text = str(exc).lower()
    if "unique" in text or "duplicate" in text:
        return "Someone else took a phone number of the sheet since the dry run; import again."
    return f"The import failed ({type(exc).__name__}); nothing was written."


INTERRUPTED = (
    "The import was interrupted (the server restarted); nothing was written. "
    "Upload the sheet again."
)


def activation_valid(
    *,
    code_matches: bool,
    used: bool,
    expired: bool,
    account_active: bool,
    awaiting_password: bool,
) -> bool:
    """A code activates an account when it is the account's, unused, unexpired, and the
    account is active and still has no password."""
    return code_matches and not used and not expired and account_active and awaiting_password


def counts(job: MemberImport) -> dict[str, int]:
    return {
        "create": job.create_count,
        "update": job.update_count,
        "unchanged": job.unchanged_count,
        "refuse": job.refuse_count,
    }
