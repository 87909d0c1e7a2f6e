"""Months as periods ("YYYY-MM", as stored) and the submission window in the standard's zone."""

import re
from dataclasses import dataclass
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


@dataclass(frozen=True, order=True)
class Period:
    """A month of a year; str() gives the stored form "YYYY-MM"."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        if not _PERIOD.match(text) or not 2000 <= int(text[:4]) <= 2100:
            raise InvalidPeriod("A month is written YYYY-MM, e.g. 2026-11.")
        return cls(int(text[:4]), int(text[5:]))

    @classmethod
    def of(cls, day: date) -> "Period":
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> "Period":
        return Period(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> "Period":
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)


def period_of(day: date) -> str:
    return str(Period.of(day))


def parse_period(period: str) -> tuple[int, int]:
    parsed = Period.parse(period)
    return parsed.year, parsed.month


def year_of(period: str) -> int:
    return Period.parse(period).year


def first_day(period: str) -> date:
    return Period.parse(period).first_day


def next_period(period: str) -> str:
    return str(Period.parse(period).next())


def previous_period(period: str) -> str:
    return str(Period.parse(period).previous())


@lru_cache(maxsize=4096)
def deadline(period: str, *, deadline_day: int, timezone: str) -> datetime:
    """The last instant a member may submit claims for period: the end of deadline_day of
    the following month, in the standard's timezone (clamped to that month's last day)."""
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
