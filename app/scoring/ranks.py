"""Ranking order for 亮分: highest net first; equal nets share a rank and the next rank skips
(1, 2, 2, 4). Pure."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")


def ranked(
    entries: Iterable[T], *, net: Callable[[T], Decimal], tiebreak: Callable[[T], int]
) -> list[tuple[int, T]]:
    """The entries by net, highest first (ties in tiebreak order), each with its rank."""
    ordered = sorted(entries, key=lambda e: (-net(e), tiebreak(e)))
    out: list[tuple[int, T]] = []
    for position, entry in enumerate(ordered, start=1):
        same = out and net(out[-1][1]) == net(entry)
        out.append((out[-1][0] if same else position, entry))
    return out
