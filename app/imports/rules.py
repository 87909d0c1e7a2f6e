"""Per-row rules of a member import: each cell's text to a value, or a reason to refuse.

Reason codes (rows[].reasons[].code):
  missing_name, bad_name, bad_phone, duplicate_phone (twice or more in the sheet: every such
  row is refused), unknown_branch (not a branch of the caller's subtree, or archived),
  ambiguous_branch (the name matches several branches: use the path 上级/支部), bad_category,
  bad_date, bad_probationary, bad_gender, phone_taken (the phone, or a login name equal to it,
  belongs to someone outside the caller's reach), transfer_required (the member exists in
  another branch: transfer them first), member_inactive, target_outranks_you (the member holds
  a role the caller does not hold over them).
"""

import re
from datetime import date, datetime, timedelta
from typing import Any

from app import clock

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
