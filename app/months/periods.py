"""Months as periods ("YYYY-MM") and the submission window, in the standard's timezone."""

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.errors import AppError

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_PERIOD = re.compile(PERIOD_PATTERN)


class InvalidPeriod(AppError):
    status = 422
    code = "invalid_period"
    title = "Invalid month"


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_period(period: str) -> tuple[int, int]:
    if not _PERIOD.match(period) or not 2000 <= int(period[:4]) <= 2100:
        raise InvalidPeriod("A month is written YYYY-MM, e.g. 2026-11.")
    return int(period[:4]), int(period[5:])


def first_day(period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, 1)


def next_period(period: str) -> str:
    year, month = parse_period(period)
    return f"{year + (month == 12):04d}-{month % 12 + 1:02d}"


@lru_cache(maxsize=4096)
def deadline(period: str, *, deadline_day: int, timezone: str) -> datetime:
    """The last instant a member may submit claims for period: the end of deadline_day of
    the following month, in the standard's timezone (clamped to that month's last day).

    Remembered: it is asked on every claim, and the answer never changes."""
    nxt = first_day(next_period(period))
    after = first_day(next_period(period_of(nxt)))
    last_day = (after - timedelta(days=1)).day
    day = nxt.replace(day=min(max(deadline_day, 1), last_day))
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    return end - timedelta(microseconds=1)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def current_period(now: datetime, timezone: str) -> str:
    return period_of(local_today(now, timezone))
