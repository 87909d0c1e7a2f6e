"""The current time, in one place so tests can move it (deadlines are to the second)."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
