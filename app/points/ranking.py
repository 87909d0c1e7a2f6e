"""The branch's year-to-date ranking (年度亮分): the closed months of the year only."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import periods, scoring
from app.models import BranchMonth, LedgerEntry, Member, Organisation, StandardItem
from app.points.schemas import YearRanking, YearRankingRow
from app.schemas import PersonRef
from app.standards import service as standards


async def closed_periods(session: AsyncSession, branch_id: int, year: int) -> list[str]:
    """The branch's months of `year` that are closed (locked) now, oldest first."""
    return list(
        (
            await session.execute(
                select(col(BranchMonth.period))
                .where(
                    col(BranchMonth.branch_id) == branch_id,
                    col(BranchMonth.status) == "locked",
                    col(BranchMonth.period).startswith(f"{year:04d}-"),
                )
                .order_by(col(BranchMonth.period))
            )
        ).scalars()
    )


async def year_ranking(session: AsyncSession, branch: Organisation, year: int) -> YearRanking:
    """Members by the bonus (item, month, year and dimension caps of DESIGN.md §6) less the
    deductions of the closed months; ties share a rank. An open month counts nothing here,
    so what members see never changes until the secretary closes the next month."""
    assert branch.id is not None
    closed = await closed_periods(session, branch.id, year)
    found = (
        (
            await session.execute(
                select(LedgerEntry, StandardItem)
                .join(StandardItem, col(StandardItem.id) == col(LedgerEntry.item_id))
                .where(
                    col(LedgerEntry.branch_id) == branch.id,
                    col(LedgerEntry.period).in_(closed),
                )
            )
        ).all()
        if closed
        else []
    )
    standard = await standards.in_force(session, organisation_id=branch.id, year=year)
    rules: dict[str, scoring.ItemRule] = {}
    by_member: dict[int, list[scoring.LedgerPoint]] = {}
    for entry, item in found:
        rules.setdefault(
            item.code,
            scoring.ItemRule(
                item.code, item.dimension, item.kind, item.max_per_month, item.max_per_year
            ),
        )
        by_member.setdefault(entry.member_id, []).append(
            scoring.LedgerPoint(
                item_code=item.code,
                month=periods.Period.parse(entry.period).month,
                points=entry.points,
            )
        )
    people = (
        await session.execute(
            select(
                col(Member.id), col(Member.name), col(Member.joined_on), col(Member.arrived_on)
            ).where(
                (col(Member.branch_id) == branch.id) & (col(Member.status) == "active")
                | col(Member.id).in_(list(by_member))
            )
        )
    ).all()
    caps = standard.dimension_caps if standard else {}
    tallies = []
    for member_id, name, joined_on, arrived_on in people:
        assert member_id is not None
        tally = scoring.year_points(
            rules=rules.values(),
            rows=by_member.get(member_id, []),
            base_score=Decimal(0),
            dimension_caps=caps,
            # Scaled to the months here (DESIGN.md §6), as on the member's own summary.
            membership_months=max(scoring.months_here(joined_on, arrived_on, year), 1),
        )
        net = scoring.quantize(tally.bonus_total - tally.deduction_total)
        tallies.append((net, member_id, name, tally))
    rows = [
        YearRankingRow(
            rank=rank,
            member=PersonRef(id=member_id, name=name),
            bonus=tally.bonus_total,
            deduction=tally.deduction_total,
            net=net,
        )
        for rank, (net, member_id, name, tally) in scoring.ranked(
            tallies, net=lambda t: t[0], tiebreak=lambda t: t[1]
        )
    ]
    return YearRanking(branch_id=branch.id, year=year, periods=closed, rows=rows)
