"""What makes a standard publishable, and how two versions differ, as pure functions.

validate() lists the problems of a version (settings plus items). An `error` blocks publishing;
a `warning` is shown to the editor but does not. A draft may hold problems while it is being
edited; only the two rules that define what an item is (a deduction lives in the deduction
dimension; only deductions carry a grade ceiling) are also enforced on every edit.

diff() compares a version with another one (usually the one it replaces): settings changed,
items added, removed and changed field by field, items matched by code.
"""

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

BONUS_DIMENSIONS = ("political", "discipline", "morality", "contribution")
FULL_SCORE = Decimal(100)
MONTHS_IN_YEAR = 12
Severity = Literal["error", "warning"]

# Settings compared by diff(), dimension caps one dimension at a time.
DIFF_SETTINGS = (
    "name",
    "base_score",
    "dimension_caps",
    "evaluation_points",
    "threshold_excellent",
    "threshold_qualified",
    "threshold_basically_qualified",
    "excellent_quota",
    "deadline_day",
    "timezone",
    "min_ratings",
)
# Item fields compared by diff(); the code matches items, the position only orders them.
DIFF_ITEM_FIELDS = (
    "dimension",
    "title",
    "description",
    "kind",
    "points",
    "max_per_month",
    "max_per_year",
    "source",
    "requires_evidence",
    "categories",
    "grade_ceiling",
    "ceiling_trigger_count",
)
THRESHOLDS = ("threshold_excellent", "threshold_qualified", "threshold_basically_qualified")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a version. field names a setting (dimension caps as
    `dimension_caps.<dimension>`) or, with item_id/item_code, a field of that item."""

    code: str
    severity: Severity
    message: str
    field: str | None = None
    item_id: int | None = None
    item_code: str | None = None
    params: dict[str, str] = dataclasses.field(default_factory=dict)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _txt(value: Decimal) -> str:
    """A Decimal written plainly: 8, 0.5, 12.5 (never 8.0 or 1E+1)."""
    return f"{value.normalize():f}"


def item_shape_problems(item: Mapping[str, Any]) -> list[Problem]:
    """The rules that define what an item is; refused at once on every edit."""
    found: list[Problem] = []
    kind, dimension = item.get("kind"), item.get("dimension")
    ref: dict[str, Any] = {"item_id": item.get("id"), "item_code": item.get("code")}
    if (kind == "deduction") != (dimension == "deduction"):
        found.append(
            Problem(
                "item_kind_mismatch",
                "error",
                "Deduction items have the dimension 'deduction', bonus items do not.",
                field="dimension",
                **ref,
            )
        )
    if kind == "bonus" and item.get("grade_ceiling"):
        found.append(
            Problem(
                "item_ceiling_on_bonus",
                "error",
                "Only deduction items carry a grade ceiling.",
                field="grade_ceiling",
                **ref,
            )
        )
    return found


def item_problems(item: Mapping[str, Any], caps: Mapping[str, Decimal]) -> list[Problem]:
    """Everything wrong with one item, given the standard's dimension caps."""
    found = item_shape_problems(item)
    ref: dict[str, Any] = {"item_id": item.get("id"), "item_code": item.get("code")}
    points = _dec(item.get("points")) or Decimal(0)
    per_month, per_year = _dec(item.get("max_per_month")), _dec(item.get("max_per_year"))
    for name, cap in (("max_per_month", per_month), ("max_per_year", per_year)):
        if cap is not None and cap < points:
            found.append(
                Problem(
                    "item_cap_below_points",
                    "error",
                    f"{name} ({_txt(cap)}) is below the points of one occurrence "
                    f"({_txt(points)}): the item could never be earned.",
                    field=name,
                    params={"cap": _txt(cap), "points": _txt(points)},
                    **ref,
                )
            )
    if per_month is not None and per_year is not None and per_month > per_year:
        found.append(
            Problem(
                "item_month_cap_above_year_cap",
                "error",
                f"max_per_month ({_txt(per_month)}) exceeds max_per_year ({_txt(per_year)}).",
                field="max_per_month",
                params={"month": _txt(per_month), "year": _txt(per_year)},
                **ref,
            )
        )
    dimension = item.get("dimension")
    cap = caps.get(dimension) if isinstance(dimension, str) else None
    if item.get("kind") == "bonus" and cap is not None and cap > 0:
        if points > cap:
            found.append(
                Problem(
                    "item_points_above_dimension_cap",
                    "warning",
                    f"One occurrence ({_txt(points)}) is worth more than the dimension's cap "
                    f"({_txt(cap)}).",
                    field="points",
                    params={"points": _txt(points), "cap": _txt(cap)},
                    **ref,
                )
            )
        elif per_year is not None and per_year > cap:
            found.append(
                Problem(
                    "item_year_cap_above_dimension_cap",
                    "warning",
                    f"max_per_year ({_txt(per_year)}) exceeds the dimension's cap "
                    f"({_txt(cap)}); the dimension cap binds first.",
                    field="max_per_year",
                    params={"year": _txt(per_year), "cap": _txt(cap)},
                    **ref,
                )
            )
    trigger = item.get("ceiling_trigger_count") or 1
    if trigger > 1 and not item.get("grade_ceiling"):
        found.append(
            Problem(
                "item_trigger_without_ceiling",
                "warning",
                "A trigger count is set but there is no grade ceiling to trigger.",
                field="ceiling_trigger_count",
                params={"count": str(trigger)},
                **ref,
            )
        )
    if item.get("kind") == "deduction" and item.get("source") == "self":
        found.append(
            Problem(
                "item_deduction_self_declared",
                "warning",
                "A deduction declared by the member themselves; deductions are usually "
                "recorded by the branch.",
                field="source",
                **ref,
            )
        )
    return found


def _caps(settings: Mapping[str, Any]) -> dict[str, Decimal]:
    raw = settings.get("dimension_caps") or {}
    return {d: _dec(raw[d]) or Decimal(0) for d in BONUS_DIMENSIONS if d in raw}


def max_score(settings: Mapping[str, Any]) -> Decimal:
    """The best score possible: base + every dimension cap + the whole evaluation."""
    return (
        (_dec(settings.get("base_score")) or Decimal(0))
        + sum(_caps(settings).values(), Decimal(0))
        + (_dec(settings.get("evaluation_points")) or Decimal(0))
    )


def settings_problems(settings: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    base = _dec(settings.get("base_score")) or Decimal(0)
    evaluation = _dec(settings.get("evaluation_points")) or Decimal(0)
    caps = _caps(settings)
    caps_sum = sum(caps.values(), Decimal(0))
    best = max_score(settings)
    intended = FULL_SCORE - base - evaluation
    if caps_sum != intended:
        found.append(
            Problem(
                "dimension_caps_sum",
                "warning",
                f"The dimension caps sum to {_txt(caps_sum)}; with base score {_txt(base)} and "
                f"evaluation {_txt(evaluation)} they would sum to {_txt(intended)} for a full "
                f"score of 100 (now {_txt(best)}).",
                field="dimension_caps",
                params={
                    "sum": _txt(caps_sum),
                    "intended": _txt(intended),
                    "base": _txt(base),
                    "evaluation": _txt(evaluation),
                    "max": _txt(best),
                },
            )
        )
    values = [_dec(settings.get(t)) or Decimal(0) for t in THRESHOLDS]
    excellent, qualified, basically = values
    if not excellent > qualified > basically:
        found.append(
            Problem(
                "thresholds_out_of_order",
                "error",
                "Thresholds must fall strictly: excellent > qualified > basically qualified "
                f"(now {_txt(excellent)}, {_txt(qualified)}, {_txt(basically)}).",
                field="threshold_qualified",
                params={
                    "excellent": _txt(excellent),
                    "qualified": _txt(qualified),
                    "basically": _txt(basically),
                },
            )
        )
    for name, value in zip(THRESHOLDS, values, strict=True):
        if value > best:
            found.append(
                Problem(
                    "threshold_unreachable",
                    "error",
                    f"{name} ({_txt(value)}) is above the best possible score ({_txt(best)}).",
                    field=name,
                    params={"threshold": _txt(value), "max": _txt(best)},
                )
            )
    if base >= excellent:
        found.append(
            Problem(
                "base_reaches_excellent",
                "error",
                f"The base score ({_txt(base)}) alone reaches the excellent threshold.",
                field="base_score",
                params={"base": _txt(base), "threshold": _txt(excellent)},
            )
        )
    elif base >= qualified:
        found.append(
            Problem(
                "base_reaches_qualified",
                "warning",
                f"The base score ({_txt(base)}) alone reaches the qualified threshold.",
                field="base_score",
                params={"base": _txt(base), "threshold": _txt(qualified)},
            )
        )
    quota = str(settings.get("excellent_quota") or "0")
    try:
        zero_quota = Fraction(quota.strip()) == 0
    except (ValueError, ZeroDivisionError):
        zero_quota = False
    if zero_quota:
        found.append(
            Problem(
                "excellent_quota_zero",
                "warning",
                "With an excellent quota of 0 nobody can be graded excellent.",
                field="excellent_quota",
            )
        )
    return found


def dimension_problems(
    caps: Mapping[str, Decimal], items: Sequence[Mapping[str, Any]]
) -> list[Problem]:
    """Caps that earn nothing or cannot be reached with the items there are."""
    found: list[Problem] = []
    bonus: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for item in items:
        if item.get("kind") == "bonus":
            bonus[str(item.get("dimension"))].append(item)
    for dimension in BONUS_DIMENSIONS:
        cap = caps.get(dimension, Decimal(0))
        mine = bonus.get(dimension, [])
        where = f"dimension_caps.{dimension}"
        if cap == 0 and mine:
            found.append(
                Problem(
                    "dimension_cap_zero",
                    "warning",
                    f"The {dimension} cap is 0: its {len(mine)} items earn nothing.",
                    field=where,
                    params={"dimension": dimension, "items": str(len(mine))},
                )
            )
        elif cap > 0 and not mine:
            found.append(
                Problem(
                    "dimension_without_items",
                    "warning",
                    f"The {dimension} cap is {_txt(cap)} but the dimension has no items.",
                    field=where,
                    params={"dimension": dimension, "cap": _txt(cap)},
                )
            )
        elif cap > 0:
            reach = _reachable(mine)
            if reach is not None and reach < cap:
                found.append(
                    Problem(
                        "dimension_cap_unreachable",
                        "warning",
                        f"The {dimension} items can earn at most {_txt(reach)} a year, "
                        f"below the cap of {_txt(cap)}.",
                        field=where,
                        params={"dimension": dimension, "reach": _txt(reach), "cap": _txt(cap)},
                    )
                )
    return found


def _reachable(items: Sequence[Mapping[str, Any]]) -> Decimal | None:
    """Most a year the items can earn together; None when one of them has no cap at all."""
    total = Decimal(0)
    for item in items:
        per_year, per_month = _dec(item.get("max_per_year")), _dec(item.get("max_per_month"))
        if per_year is not None:
            total += per_year
        elif per_month is not None:
            total += per_month * MONTHS_IN_YEAR
        else:
            return None
    return total


def duplicate_problems(items: Sequence[Mapping[str, Any]]) -> list[Problem]:
    found: list[Problem] = []
    codes = Counter(item.get("code") for item in items)
    titles = Counter((item.get("dimension"), item.get("title")) for item in items)
    for item in items:
        ref: dict[str, Any] = {"item_id": item.get("id"), "item_code": item.get("code")}
        if codes[item.get("code")] > 1:
            found.append(
                Problem(
                    "item_code_duplicate",
                    "error",
                    f"The code {item.get('code')} is used by more than one item.",
                    field="code",
                    **ref,
                )
            )
        if titles[(item.get("dimension"), item.get("title"))] > 1:
            found.append(
                Problem(
                    "item_title_duplicate",
                    "warning",
                    f"Another item of this dimension has the same title: {item.get('title')}.",
                    field="title",
                    **ref,
                )
            )
    return found


def validate(
    settings: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    *,
    published_id: int | None = None,
    year: int | None = None,
) -> list[Problem]:
    """Every problem of a version: its settings, its dimensions, then its items in order.
    published_id: another version already published for the same organisation and year."""
    found: list[Problem] = []
    if published_id is not None:
        found.append(
            Problem(
                "standard_already_published",
                "error",
                f"Version {published_id} is already published for {year}.",
                params={"version": str(published_id), "year": str(year)},
            )
        )
    if not items:
        found.append(Problem("standard_empty", "error", "A standard needs at least one item."))
    found += settings_problems(settings)
    caps = _caps(settings)
    found += dimension_problems(caps, items)
    found += duplicate_problems(items)
    for item in items:
        found += item_problems(item, caps)
    return found


def errors_of(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# -- the differences between two versions ----------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    code: str
    title: str
    item_id: int | None
    changes: list[FieldChange]


@dataclass(frozen=True)
class Diff:
    settings: list[FieldChange]
    added: list[Mapping[str, Any]]
    removed: list[Mapping[str, Any]]
    changed: list[ItemChange]
    unchanged: int


def plain(value: Any) -> Any:
    """A value as it compares and prints: numbers as plain decimal strings, categories sorted."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal | float):
        return _txt(Decimal(str(value)))
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value)
    return str(value)


def _settings_view(settings: Mapping[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name in DIFF_SETTINGS:
        if name == "dimension_caps":
            caps = settings.get(name) or {}
            for dimension in BONUS_DIMENSIONS:
                view[f"dimension_caps.{dimension}"] = plain(_dec(caps.get(dimension)))
        else:
            view[name] = plain(settings.get(name))
    return view


def diff(
    before_settings: Mapping[str, Any],
    before_items: Sequence[Mapping[str, Any]],
    after_settings: Mapping[str, Any],
    after_items: Sequence[Mapping[str, Any]],
) -> Diff:
    """What changes from `before` (the version in force) to `after` (the draft)."""
    old, new = _settings_view(before_settings), _settings_view(after_settings)
    settings = [FieldChange(k, old[k], new[k]) for k in new if old[k] != new[k]]
    old_items = {str(i.get("code")): i for i in before_items}
    new_codes = {str(i.get("code")) for i in after_items}
    added, changed, unchanged = [], [], 0
    for item in after_items:
        code = str(item.get("code"))
        previous = old_items.get(code)
        if previous is None:
            added.append(item)
            continue
        changes = [
            FieldChange(f, plain(previous.get(f)), plain(item.get(f)))
            for f in DIFF_ITEM_FIELDS
            if plain(previous.get(f)) != plain(item.get(f))
        ]
        if changes:
            changed.append(ItemChange(code, str(item.get("title")), item.get("id"), changes))
        else:
            unchanged += 1
    removed = [i for i in before_items if str(i.get("code")) not in new_codes]
    return Diff(settings, added, removed, changed, unchanged)
