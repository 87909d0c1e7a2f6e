"""In-process cache of published standards, which never change once published.

Three maps, per worker process:

* which published version is in force for (organisation id, year): kept TTL seconds only,
  since a sub-organisation may publish its own version meanwhile (this process drops the
  entry at once when it publishes; other workers see it within TTL);
* items of published versions by id: kept for good, as a published version is immutable;
* the items of each published version, in order (the grading's rules): kept for good too.

Only detached copies are kept (never instances attached to a session), made once when put.
Every caller gets the same copy: they are read-only. Never change one or add it to a session;
a use case that changes a standard loads its own instance.
"""

import time

from app.models import StandardItem, StandardVersion

TTL = 60.0
MAX_ENTRIES = 10_000

_in_force: dict[tuple[int, int], tuple[float, StandardVersion | None]] = {}
_items: dict[int, StandardItem] = {}
_items_of: dict[int, list[StandardItem]] = {}


def _copy_version(standard: StandardVersion) -> StandardVersion:
    return StandardVersion.model_validate(standard.model_dump())


def _copy_item(item: StandardItem) -> StandardItem:
    return StandardItem.model_validate(item.model_dump())


def get_in_force(organisation_id: int, year: int) -> tuple[bool, StandardVersion | None]:
    """(hit, version): hit is False when nothing fresh is cached for the pair."""
    found = _in_force.get((organisation_id, year))
    if found is None or found[0] < time.monotonic():
        return False, None
    return True, found[1]


def put_in_force(organisation_id: int, year: int, standard: StandardVersion | None) -> None:
    if len(_in_force) >= MAX_ENTRIES:
        _in_force.clear()
    _in_force[(organisation_id, year)] = (
        time.monotonic() + TTL,
        _copy_version(standard) if standard is not None else None,
    )


def get_item(item_id: int) -> StandardItem | None:
    return _items.get(item_id)


def put_item(item: StandardItem, standard: StandardVersion) -> None:
    """Keep an item of a published version (items of drafts change and are never kept)."""
    if standard.status != "published" or item.standard_id != standard.id or item.id is None:
        return
    if len(_items) >= MAX_ENTRIES:
        _items.clear()
    _items[item.id] = _copy_item(item)


def get_items_of(standard_id: int) -> list[StandardItem] | None:
    return _items_of.get(standard_id)


def put_items_of(standard: StandardVersion, items: list[StandardItem]) -> None:
    """Keep a published version's items (a draft's change and are never kept)."""
    if standard.status != "published" or standard.id is None:
        return
    if len(_items_of) >= MAX_ENTRIES:
        _items_of.clear()
    _items_of[standard.id] = [_copy_item(i) for i in items]


def clear() -> None:
    _in_force.clear()
    _items.clear()
    _items_of.clear()
