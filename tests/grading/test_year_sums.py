"""The year's sums the database computes for the grading (repository.year_sums and
item_years: the items' caps in SQL) against the plain caps.year_points over
the same ledger rows, on random ledgers with several rows an item a month, reversals and
adjustments, and a member of another branch who must not be counted."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.grading import compute, repository
from app.models import LedgerEntry, StandardItem
from app.scoring.caps import ItemRule, LedgerPoint, item_sums, year_points
from tests.factories import World
from tests.grading.support import add_members_to
from tests.helpers import item_ids

Row = tuple[int, str, int, Decimal, str]


async def _random_ledger(
    session: AsyncSession, world: World, rng: random.Random
) -> tuple[list[int], list[Row], dict[str, StandardItem]]:
    members = await add_members_to(session, world, 6)
    ids = await item_ids(session, world.standard_id)
    codes = rng.sample(sorted(ids), 16)
    rows: list[Row] = []
    for member in members:
        for _ in range(90):
            code = rng.choice(codes)
            points = Decimal(rng.choice(["0.1", "0.5", "1", "2", "3", "-1", "-0.5"]))
            source = rng.choice(["claim", "entry", "entry", "adjustment"])
            rows.append((member.id, code, rng.randint(1, 12), points, source))  # type: ignore[arg-type]
    other = world.members["member_b"].id  # another branch's member: never in branch a's sums
    rows.append((other, codes[0], 3, Decimal(5), "entry"))  # type: ignore[arg-type]
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
        items[code] = item
    return [m.id for m in members], rows, items  # type: ignore[misc]


def _rule(item: StandardItem) -> ItemRule:
    return ItemRule(item.code, item.dimension, item.kind, item.max_per_month, item.max_per_year)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_databases_sums_agree_with_the_plain_caps(
    session: AsyncSession, world: World, seed: int
) -> None:
    members, rows, items = await _random_ledger(session, world, random.Random(seed))
    branch_a = await repository.members_of(session, [world.branch_a.id])  # type: ignore[list-item]
    sums = await repository.year_sums(session, member_ids=[m.id for m in branch_a], year=2026)
    deductions = sums.deductions
    await session.commit()

    rules = [_rule(i) for i in items.values()]
    code_of = {i.id: code for code, i in items.items()}
    unadjusted: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for member_id, code, _, points, source in rows:
        if source != "adjustment":
            unadjusted[(member_id, code)] += points
    earned = {(m, d): points for m, mine in sums.earned.items() for d, points in mine.items()}
    net = {(d.member_id, code_of[d.item_id]): d for d in deductions}
    assert set(sums.earned) | {d.member_id for d in deductions} <= set(members)
    for member_id in members:
        plain = year_points(
            rules=rules,
            rows=[LedgerPoint(c, m, p) for who, c, m, p, _ in rows if who == member_id],
            base_score=Decimal(0),
            dimension_caps={},
        )
        for d in plain.dimensions:
            assert earned.get((member_id, d.dimension), Decimal(0)) == d.raw, d.dimension
        for code, item in items.items():
            if item.kind != "deduction":
                continue
            mine = [p for who, c, _, p, _ in rows if who == member_id and c == code]
            if not mine:
                assert (member_id, code) not in net
                continue
            assert net[(member_id, code)].net == sum(mine), code
            assert net[(member_id, code)].unadjusted == unadjusted[(member_id, code)], code

        found = await repository.item_years(session, member_id=member_id, year=2026)
        months: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for who, code, month, points, _ in rows:
            if who == member_id:
                months[code][month] += points
        assert len(found) == len(months)
        for y in found:
            code = code_of[y.item_id]
            sums = item_sums(_rule(items[code]), months[code])
            if items[code].kind == "bonus":
                assert (y.raw, y.after_month) == (sums.raw, sums.after_month), code
            else:
                assert y.net == sums.raw, code
            assert y.unadjusted == unadjusted[(member_id, code)]


@pytest.mark.parametrize("seed", [4, 5])
async def test_a_drafts_scores_equal_each_members_item_by_item_breakdown(
    session: AsyncSession, world: World, seed: int
) -> None:
    members, _, _ = await _random_ledger(session, world, random.Random(seed))
    draft = (await compute.compute(session, branch_ids=[world.branch_a.id], year=2026))[  # type: ignore[list-item]
        world.branch_a.id  # type: ignore[index]
    ]
    mine = [m for m in draft.members if m.member.id in members]
    assert len(mine) == len(members)
    for m in mine:
        full = await compute.breakdown(session, draft, m)
        assert full.total == m.result.score.total
        assert full.deduction_total == m.result.score.deduction_total
        assert [(d.dimension, d.earned, d.counted) for d in full.dimensions] == [
            (d.dimension, d.earned, d.counted) for d in m.result.score.dimensions
        ]
