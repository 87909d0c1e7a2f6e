"""Pure scoring: the annual points rule with item, month and dimension caps (DESIGN.md §6).

No I/O and no database types: callers turn standard items and ledger rows into these values.
"""

from app.scoring.caps import (
    BONUS,
    DEDUCTION,
    DIMENSION_ORDER,
    DimensionTally,
    ItemRule,
    ItemSums,
    ItemTally,
    LedgerPoint,
    MonthTally,
    YearPoints,
    membership_months,
    month_points,
    months_here,
    quantize,
    score,
    year_points,
)
from app.scoring.ranks import ranked

__all__ = [
    "BONUS",
    "DEDUCTION",
    "DIMENSION_ORDER",
    "DimensionTally",
    "ItemRule",
    "ItemSums",
    "ItemTally",
    "LedgerPoint",
    "MonthTally",
    "YearPoints",
    "membership_months",
    "month_points",
    "months_here",
    "quantize",
    "ranked",
    "score",
    "year_points",
]
