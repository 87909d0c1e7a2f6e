"""The demo data ends at the moment it is loaded: nothing dated later than now, and every
claim's and month's history in causal order, whatever the time of day or of the month."""

from collections import defaultdict
from datetime import datetime, time

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from app import periods
from app.demo.loader import load_demo
from app.models import AuditEvent, BranchEntry, BranchMonth, Claim, LedgerEntry, StandardVersion
from app.models.base import UTCDateTime
from tests.helpers import SHANGHAI, set_now, shanghai

# Timestamps that lie ahead by design (a session's expiry, a lockout's end).
FUTURE_BY_DESIGN = {"expires_at", "locked_until"}

MOMENTS = [
    # Just after midnight Beijing time on the first of a month (still the day before in UTC):
    # the new month has no activity yet, the last one awaits its deadline.
    "2026-12-01 00:05:00",
    # The morning after October's deadline, before the secretary's usual time to close it.
    "2026-11-06 09:30:00",
    # Late in a month: a full queue, this evening's meeting just recorded.
    "2026-11-28 23:30:00",
    # The first minutes of a year.
    "2027-01-01 00:10:00",
]


def _day_start(day):  # the start of a day in Beijing time
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


async def _load(session: AsyncSession, monkeypatch: pytest.MonkeyPatch, moment: str):
    now = shanghai(moment)
    set_now(monkeypatch, now)
    made = await load_demo(session)
    await session.commit()
    return now, made


@pytest.mark.parametrize("moment", MOMENTS)
async def test_no_demo_timestamp_is_later_than_the_moment_of_loading(session, monkeypatch, moment):
    now, made = await _load(session, monkeypatch, moment)
    assert made["claims"] > 0 or moment.startswith("2027-01-01")
    checked = 0
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, UTCDateTime) or column.name in FUTURE_BY_DESIGN:
                continue
            latest = await session.scalar(sa.select(sa.func.max(column)))
            assert latest is None or latest <= now, f"{table.name}.{column.name}: {latest}"
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("moment", MOMENTS)
async def test_demo_histories_run_in_causal_order(session, monkeypatch, moment):
    now, made = await _load(session, monkeypatch, moment)
    standard = (await session.execute(select(StandardVersion))).scalar_one()
    assert standard.published_at is not None
    events: dict[tuple[str, int], list[AuditEvent]] = defaultdict(list)
    for e in (await session.execute(select(AuditEvent).order_by(col(AuditEvent.id)))).scalars():
        events[(e.entity_type, e.entity_id)].append(e)
    ledger = {
        row.claim_id: row
        for row in (await session.execute(select(LedgerEntry))).scalars()
        if row.claim_id is not None
    }
    decided_in: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    pending_in: dict[tuple[int, str], int] = defaultdict(int)
    claims = list((await session.execute(select(Claim))).scalars())
    assert len(claims) == made["claims"]
    for claim in claims:
        assert claim.id is not None
        trail = events[("claim", claim.id)]
        at = [e.created_at for e in trail]
        assert at == sorted(at), f"claim {claim.id}: events out of order"
        # Each event starts where the previous one ended; the last one is the claim's state.
        assert trail[0].action == "create" and trail[0].from_state is None
        assert [e.from_state for e in trail[1:]] == [e.to_state for e in trail[:-1]]
        assert trail[-1].to_state == claim.status
        assert standard.published_at <= claim.created_at == at[0]
        assert claim.created_at >= _day_start(claim.occurred_on), "claimed before it happened"
        assert claim.updated_at == at[-1] <= now
        if claim.status != "draft":
            assert claim.submitted_at == at[1]
        if claim.status in ("approved", "rejected", "returned"):
            assert claim.submitted_at is not None and claim.decided_at is not None
            assert claim.submitted_at < claim.decided_at == at[-1] <= now
            decided_in[(claim.branch_id, claim.period)].append(claim.decided_at)
        else:
            assert claim.decided_at is None
        if claim.status == "submitted":
            pending_in[(claim.branch_id, claim.period)] += 1
        if claim.decision_seen_at is not None:
            assert claim.decided_at is not None
            assert claim.decided_at < claim.decision_seen_at <= now
        if claim.status == "approved":
            # The points enter the ledger when the claim is approved, not when it was made.
            assert ledger[claim.id].created_at == claim.decided_at
        else:
            assert claim.id not in ledger
    for entry in (await session.execute(select(BranchEntry))).scalars():
        assert entry.id is not None
        assert _day_start(entry.occurred_on) <= entry.created_at <= now
        assert [e.created_at for e in events[("branch_entry", entry.id)]] == [entry.created_at]
    closed = 0
    for month in (await session.execute(select(BranchMonth))).scalars():
        assert month.id is not None
        deadline = periods.deadline(month.period, deadline_day=5, timezone="Asia/Shanghai")
        key = (month.branch_id, month.period)
        if month.status == "locked":
            closed += 1
            assert month.closed_at is not None
            # Closed after the submission window ended and after its last decision.
            assert deadline < month.closed_at <= now
            assert all(d < month.closed_at for d in decided_in[key])
            assert pending_in[key] == 0, "a closed month with claims awaiting a decision"
            close = events[("branch_month", month.id)]
            assert [(e.action, e.created_at) for e in close] == [("close", month.closed_at)]
        else:
            assert month.closed_at is None
            assert now <= deadline, "a month past its deadline left open"
    assert closed == made["closed_months"]


async def test_late_in_a_month_the_demo_still_shows_every_screen(session, monkeypatch):
    """Ending at now takes nothing away from the demo: closed months, a queue, a returned
    claim and a draft."""
    _now, made = await _load(session, monkeypatch, "2026-11-28 23:30:00")
    assert made["closed_months"] == 3 * 10  # January to October, three branches
    statuses = defaultdict(int)
    for claim in (await session.execute(select(Claim))).scalars():
        statuses[(claim.period == "2026-11", claim.status)] += 1
    assert statuses[(True, "submitted")] >= 10
    assert statuses[(True, "returned")] >= 1
    assert statuses[(True, "draft")] >= 1
    assert statuses[(True, "approved")] >= 1
    assert statuses[(False, "approved")] > 100


async def test_the_demo_has_a_grading_in_self_assessment_and_one_in_its_notice(
    session, monkeypatch
):
    from app.models import GradingObjection, GradingResult, GradingRun

    await _load(session, monkeypatch, "2026-12-06 10:00:00")
    runs = list(await session.scalars(select(GradingRun).order_by(col(GradingRun.id))))
    assert [r.status for r in runs] == ["self_assessment", "publicity"]
    notice = runs[1]
    assert notice.publicity_ends_on is not None
    assert notice.publicity_ends_on < periods.local_today(
        shanghai("2026-12-06 10:00:00"), "Asia/Shanghai"
    )
    objections = list(await session.scalars(select(GradingObjection)))
    assert len(objections) == 1 and objections[0].answer is None
    lowered = list(
        await session.scalars(
            select(GradingResult).where(
                col(GradingResult.run_id) == notice.id,
                col(GradingResult.final_grade) == "basically_qualified",
            )
        )
    )
    assert len(lowered) == 1 and lowered[0].final_reason
