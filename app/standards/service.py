"""Standard versions: the shipped default, drafts, item edits, publishing, the one in force."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app import audit, clock
from app.access import Action, Principal
from app.errors import AppError, Conflict, Forbidden, NotFound, RuleViolation
from app.models import Organisation, StandardItem, StandardVersion
from app.orgs import service as orgs
from app.standards import cache as standards_cache
from app.standards import repository, rules
from app.standards.schemas import validate_item

DEFAULT_FILE = Path(__file__).with_name("default_standard.json")
SETTING_FIELDS = (
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
ITEM_FIELDS = (
    "code",
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
    "position",
)
NULLABLE_ITEM_FIELDS = {"max_per_month", "max_per_year", "categories", "grade_ceiling"}


@cache
def default_standard() -> dict[str, Any]:
    """The shipped default standard (50 items), as settings plus a list of items."""
    raw = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    thresholds = raw["thresholds"]
    return {
        "name": raw["name"],
        "base_score": Decimal(str(raw["base_score"])),
        "dimension_caps": {k: float(v) for k, v in raw["dimension_caps"].items()},
        "evaluation_points": Decimal(str(raw["evaluation_points"])),
        "threshold_excellent": Decimal(str(thresholds["excellent"])),
        "threshold_qualified": Decimal(str(thresholds["qualified"])),
        "threshold_basically_qualified": Decimal(str(thresholds["basically_qualified"])),
        "excellent_quota": raw["excellent_quota"],
        "deadline_day": raw["deadline_day"],
        "timezone": raw["timezone"],
        "min_ratings": raw["min_ratings"],
        "items": [
            {
                **item,
                "position": i,
                "points": Decimal(str(item["points"])),
                "max_per_month": _dec(item.get("max_per_month")),
                "max_per_year": _dec(item.get("max_per_year")),
            }
            for i, item in enumerate(raw["items"])
        ],
    }


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _caps_json(caps: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in caps.items()}


async def get(session: AsyncSession, standard_id: int) -> StandardVersion:
    standard = await session.get(StandardVersion, standard_id)
    if standard is None:
        raise NotFound(f"Standard {standard_id} does not exist.", code="standard_not_found")
    return standard


async def items_of(session: AsyncSession, standard_id: int) -> list[StandardItem]:
    rows = await session.execute(
        select(StandardItem)
        .where(col(StandardItem.standard_id) == standard_id)
        .order_by(col(StandardItem.position), col(StandardItem.code))
    )
    return list(rows.scalars())


async def items_of_published(
    session: AsyncSession, standard: StandardVersion
) -> list[StandardItem]:
    """items_of() a version in force, cached per process once published (immutable then);
    the copies are not attached to the session."""
    cached = standards_cache.get_items_of(standard.id or 0)
    if cached is not None:
        return cached
    items = await items_of(session, standard.id or 0)
    standards_cache.put_items_of(standard, items)
    return items


def can_read(principal: Principal, org_path: str) -> bool:
    """Readable inside the caller's subtree, and from any organisation above where they stand."""
    if principal.can(Action.standard_read, org_path):
        return True
    if principal.service_account is not None and "standards:read" not in principal.scopes:
        return False
    return any(p.startswith(org_path) for p in principal.related_paths())


async def require_read(
    session: AsyncSession, principal: Principal, standard: StandardVersion
) -> None:
    org = await orgs.get(session, standard.organisation_id)
    if not can_read(principal, org.path):
        raise Forbidden("You may not read this standard.")


async def require_manage(
    session: AsyncSession, principal: Principal, standard: StandardVersion
) -> None:
    org = await orgs.get(session, standard.organisation_id)
    principal.require(Action.standard_manage, org.path)


def _require_draft(standard: StandardVersion) -> None:
    if standard.status != "draft":
        raise Conflict(
            "A published standard is read-only; copy it into a new draft instead.",
            code="standard_published",
        )


def _readable_filter(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of can_read over Organisation: inside the caller's standard_read subtrees, or an
    organisation at or above one the caller is attached to."""
    inside = orgs.subtree_filter(principal.roots(Action.standard_read))
    if principal.service_account is not None and "standards:read" not in principal.scopes:
        return inside
    above = {int(x) for p in principal.related_paths() for x in p.strip("/").split("/") if x}
    return or_(inside, col(Organisation.id).in_(sorted(above))) if above else inside


async def list_versions(
    *,
    session: AsyncSession,
    principal: Principal,
    year: int | None,
    organisation_id: int | None,
    page: int,
    page_size: int,
) -> tuple[list[StandardVersion], int]:
    """Versions the caller may read, newest year first, then by id, one page at a time; for an
    organisation, its own and those it inherits. Also how many there are in all."""
    stmt = (
        select(StandardVersion)
        .join(Organisation, col(Organisation.id) == col(StandardVersion.organisation_id))
        .where(_readable_filter(principal))
    )
    if organisation_id is not None:
        org = await orgs.get(session, organisation_id)
        ancestors = [int(x) for x in org.path.strip("/").split("/")]
        stmt = stmt.where(col(StandardVersion.organisation_id).in_(ancestors))
    if year is not None:
        stmt = stmt.where(col(StandardVersion.year) == year)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(col(StandardVersion.year).desc(), col(StandardVersion.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(rows.scalars()), total


async def in_force(
    session: AsyncSession, *, organisation_id: int, year: int
) -> StandardVersion | None:
    """The published version that applies to an organisation: its own, or the nearest above.

    Cached per process for a short while (app/standards/cache.py); the copy is not attached
    to the session."""
    hit, cached = standards_cache.get_in_force(organisation_id, year)
    if hit:
        return cached
    target = aliased(Organisation)
    rows = await session.execute(
        select(StandardVersion, col(Organisation.path))
        .join(Organisation, col(Organisation.id) == col(StandardVersion.organisation_id))
        .join(target, col(target.id) == organisation_id)
        .where(
            col(target.path).startswith(col(Organisation.path)),
            col(StandardVersion.year) == year,
            col(StandardVersion.status) == "published",
        )
    )
    found = sorted(rows.all(), key=lambda r: len(r[1]), reverse=True)
    standard = found[0][0] if found else None
    standards_cache.put_in_force(organisation_id, year, standard)
    return standard


async def in_force_of_many(
    session: AsyncSession, *, organisation_ids: Sequence[int], year: int
) -> dict[int, StandardVersion | None]:
    """in_force() for many organisations, from the same cache, the others in two queries (a
    city's branches at once): the year's published versions are few, one per organisation
    that has its own."""
    found: dict[int, StandardVersion | None] = {}
    missing = []
    for org_id in organisation_ids:
        hit, cached = standards_cache.get_in_force(org_id, year)
        if hit:
            found[org_id] = cached
        else:
            missing.append(org_id)
    if not missing:
        return found
    paths = await session.execute(
        select(col(Organisation.id), col(Organisation.path)).where(
            col(Organisation.id).in_(missing)
        )
    )
    versions = sorted(
        (
            await session.execute(
                select(StandardVersion, col(Organisation.path))
                .join(Organisation, col(Organisation.id) == col(StandardVersion.organisation_id))
                .where(
                    col(StandardVersion.year) == year, col(StandardVersion.status) == "published"
                )
            )
        ).all(),
        key=lambda row: len(row[1]),
        reverse=True,
    )
    found.update(dict.fromkeys(missing))
    for org, path in paths.all():
        assert org is not None
        found[org] = next((v for v, above in versions if path.startswith(above)), None)
        standards_cache.put_in_force(org, year, found[org])
    return found


async def create_draft(
    *,
    session: AsyncSession,
    principal: Principal | None,
    organisation_id: int,
    year: int,
    based_on_id: int | None,
    settings: dict[str, Any],
) -> StandardVersion:
    """A new draft: a copy of another version, or of the shipped default."""
    org = await orgs.get(session, organisation_id)
    if principal is not None:
        principal.require(Action.standard_manage, org.path)
    if based_on_id is not None:
        source = await get(session, based_on_id)
        if principal is not None:
            await require_read(session, principal, source)
        base = {f: getattr(source, f) for f in SETTING_FIELDS}
        items = [
            {f: getattr(i, f) for f in ITEM_FIELDS} for i in await items_of(session, based_on_id)
        ]
    else:
        base = {k: v for k, v in default_standard().items() if k != "items"}
        items = default_standard()["items"]
    base.update({k: v for k, v in settings.items() if v is not None})
    base["dimension_caps"] = _caps_json(base["dimension_caps"])
    standard = StandardVersion(
        **base,
        organisation_id=organisation_id,
        year=year,
        status="draft",
        based_on_id=based_on_id,
        created_by_user_id=principal.user_id if principal else None,
    )
    session.add(standard)
    await session.flush()
    assert standard.id is not None
    item_rows: list[dict[str, Any]] = [{f: item.get(f) for f in ITEM_FIELDS} for item in items]
    session.add_all(StandardItem(**row, standard_id=standard.id) for row in item_rows)
    audit.record(
        session,
        actor=principal,
        entity_type="standard",
        entity_id=standard.id,
        action="created",
        to_state="draft",
        data={"year": year, "based_on_id": based_on_id},
    )
    await session.flush()
    return standard


async def update_settings(
    *,
    session: AsyncSession,
    principal: Principal,
    standard: StandardVersion,
    changes: dict[str, Any],
) -> StandardVersion:
    _require_draft(standard)
    changes = {k: v for k, v in changes.items() if v is not None}
    for key, value in changes.items():
        setattr(standard, key, _caps_json(value) if key == "dimension_caps" else value)
    assert standard.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="standard",
        entity_id=standard.id,
        action="settings_changed",
        data={k: str(v) for k, v in changes.items()},
    )
    await session.flush()
    return standard


async def add_item(
    *, session: AsyncSession, principal: Principal, standard: StandardVersion, data: dict[str, Any]
) -> StandardItem:
    _require_draft(standard)
    assert standard.id is not None
    if await session.scalar(
        select(col(StandardItem.id)).where(
            col(StandardItem.standard_id) == standard.id, col(StandardItem.code) == data["code"]
        )
    ):
        raise Conflict(f"Item code {data['code']} is already used.", code="item_code_taken")
    if data.get("position") is None:
        data["position"] = (
            await session.scalar(
                select(func.coalesce(func.max(col(StandardItem.position)), -1)).where(
                    col(StandardItem.standard_id) == standard.id
                )
            )
            or 0
        ) + 1
    item = StandardItem(**{k: v for k, v in data.items() if v is not None}, standard_id=standard.id)
    session.add(item)
    await session.flush()
    assert item.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="standard",
        entity_id=standard.id,
        action="item_added",
        data={"code": item.code},
    )
    await session.flush()
    return item


async def get_item(session: AsyncSession, standard: StandardVersion, item_id: int) -> StandardItem:
    item = await session.get(StandardItem, item_id)
    if item is None or item.standard_id != standard.id:
        raise NotFound("No such item in this standard.", code="item_not_found")
    return item


async def update_item(
    *,
    session: AsyncSession,
    principal: Principal,
    standard: StandardVersion,
    item: StandardItem,
    changes: dict[str, Any],
) -> StandardItem:
    _require_draft(standard)
    nulls = sorted(k for k, v in changes.items() if v is None and k not in NULLABLE_ITEM_FIELDS)
    if nulls:
        raise AppError(f"These fields cannot be empty: {', '.join(nulls)}.", code="field_required")
    merged = {f: getattr(item, f) for f in ITEM_FIELDS} | changes
    try:
        validate_item(merged)
    except ValueError as exc:
        raise Conflict(str(exc), code="item_invalid") from exc
    for key, value in changes.items():
        setattr(item, key, value)
    assert standard.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="standard",
        entity_id=standard.id,
        action="item_changed",
        data={"code": item.code, "changes": {k: str(v) for k, v in changes.items()}},
    )
    await session.flush()
    return item


async def delete_item(
    *, session: AsyncSession, principal: Principal, standard: StandardVersion, item: StandardItem
) -> None:
    _require_draft(standard)
    assert standard.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="standard",
        entity_id=standard.id,
        action="item_removed",
        data={"code": item.code},
    )
    await session.execute(delete(StandardItem).where(col(StandardItem.id) == item.id))
    await session.flush()


async def publish(
    *, session: AsyncSession, principal: Principal | None, standard: StandardVersion
) -> StandardVersion:
    """Publish a draft; from now on it is immutable.

    One published version per organisation and year.
    """
    _require_draft(standard)
    clash = await repository.published_clash(session, standard)
    if clash:
        raise Conflict(
            f"Version {clash} is already published for {standard.year}.",
            code="standard_already_published",
        )
    problems = await validation(session, standard)
    errors = rules.errors_of(problems)
    if errors:
        raise RuleViolation(
            f"The standard has {len(errors)} error(s) to fix before it is published.",
            code="standard_invalid",
            problems=[asdict(p) for p in errors],
        )
    standard.status = "published"
    standard.published_at = clock.now()
    assert standard.id is not None
    audit.record(
        session,
        actor=principal,
        entity_type="standard",
        entity_id=standard.id,
        action="published",
        from_state="draft",
        to_state="published",
    )
    await session.flush()
    standards_cache.clear()  # the version in force may have changed for this subtree
    return standard


async def install_default(
    session: AsyncSession, *, organisation_id: int, year: int
) -> StandardVersion:
    """Publish the shipped default standard for an organisation and year (seed, demo)."""
    standard = await create_draft(
        session=session,
        principal=None,
        organisation_id=organisation_id,
        year=year,
        based_on_id=None,
        settings={},
    )
    return await publish(session=session, principal=None, standard=standard)


def _settings_of(standard: StandardVersion) -> dict[str, Any]:
    return {f: getattr(standard, f) for f in SETTING_FIELDS}


def _items_as_dicts(items: list[StandardItem]) -> list[dict[str, Any]]:
    return [{"id": i.id, **{f: getattr(i, f) for f in ITEM_FIELDS}} for i in items]


async def validation(session: AsyncSession, standard: StandardVersion) -> list[rules.Problem]:
    """Every problem of a version (rules.validate), including another version already
    published for its organisation and year when it is a draft."""
    clash = None
    if standard.status == "draft":
        clash = await repository.published_clash(session, standard)
    items = await items_of(session, standard.id)  # type: ignore[arg-type]
    return rules.validate(
        _settings_of(standard), _items_as_dicts(items), published_id=clash, year=standard.year
    )


async def baseline(
    session: AsyncSession, standard: StandardVersion, against_id: int | None
) -> StandardVersion | None:
    """What a version is compared with: `against_id` when given, else the version in force
    for its organisation and year (when that is another one), else the one in force in the
    latest earlier year."""
    if against_id is not None:
        return await get(session, against_id)
    current = await in_force(session, organisation_id=standard.organisation_id, year=standard.year)
    if current is not None and current.id != standard.id:
        return await get(session, current.id)  # type: ignore[arg-type]
    return await repository.latest_published_before(
        session, organisation_id=standard.organisation_id, year=standard.year
    )


async def diff(
    session: AsyncSession, principal: Principal, standard: StandardVersion, against_id: int | None
) -> tuple[StandardVersion | None, rules.Diff]:
    """The differences of a version from its baseline (everything added when there is none)."""
    against = await baseline(session, standard, against_id)
    if against is not None:
        await require_read(session, principal, against)
    items = _items_as_dicts(await items_of(session, standard.id))  # type: ignore[arg-type]
    if against is None:
        return None, rules.diff(_settings_of(standard), [], _settings_of(standard), items)
    before = _items_as_dicts(await items_of(session, against.id))  # type: ignore[arg-type]
    return against, rules.diff(_settings_of(against), before, _settings_of(standard), items)
