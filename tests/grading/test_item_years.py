"""repository.item_years (the monthly cap in SQL, for whole branches at once) against the plain
caps.item_sums over the same ledger rows, on random ledgers with several rows an item a month,
reversals and adjustments."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.grading import repository
from app.models import LedgerEntry, StandardItem
from app.scoring.caps import ItemRule, item_sums
from tests.factories import World
from tests.grading.support import add_members_to
from tests.helpers import item_ids


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_item_years_agree_with_the_plain_monthly_cap(
    session: AsyncSession, world: World, seed: int
) -> None:
    rng = random.Random(seed)
    members = await add_members_to(session, world, 6)
    ids = await item_ids(session, world.standard_id)
    codes = rng.sample(sorted(ids), 12)
    rows: list[tuple[int, str, int, Decimal, str]] = []
    for member in members:
        for _ in range(60):
            code = rng.choice(codes)
            points = Decimal(rng.choice(["0.1", "0.5", "1", "2", "3", "-1", "-0.5"]))
            source = rng.choice(["claim", "entry", "entry", "adjustment"])
            rows.append((member.id, code, rng.randint(1, 12), points, source))  # type: ignore[arg-type]
    for member_id, code, month, points, source in rows:
        session.add(
            LedgerEntry(
                member_id=member_id,
                branch_id=world.branch_a.id,  # type: ignore[arg-type]
                year=2026,
                period=f"2026-{month:02d}",
                standard_id=world.standard_id,
                item_id=ids[code],
                points=points,
                source=source,
            )
        )
    await session.commit()

    items = {}
    for code in codes:
        item = await session.get(StandardItem, ids[code])
        assert item is not None
        items[item.id] = item
    got = await repository.item_years(session, branch_ids=[world.branch_a.id], year=2026)  # type: ignore[list-item]
    await session.commit()

    months: dict[tuple[int, str], dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    unadjusted: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for member_id, code, month, points, source in rows:
        months[(member_id, code)][month] += points
        if source != "adjustment":
            unadjusted[(member_id, code)] += points
    assert len(got) == len(months)
    for y in got:
        item = items[y.item_id]
        rule = ItemRule(item.code, item.dimension, item.kind, item.max_per_month, item.max_per_year)
        plain = item_sums(rule, months[(y.member_id, item.code)])
        if item.kind == "bonus":
            assert (y.raw, y.after_month) == (plain.raw, plain.after_month), item.code
        else:
            assert y.net == plain.raw, item.code
        assert y.unadjusted == unadjusted[(y.member_id, item.code)]
