"""The minimum strength of a password a person chooses: long enough, not a common password,
not their own name, login or phone number, not a run or a repetition of a few characters."""

import re
from collections.abc import Iterable
from functools import cache
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import settings
from app.errors import AppError
from app.models import Member, User

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# A user word shorter than this (e.g. a two-character given name) is too likely by chance.
_MIN_WORD = 3
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class WeakPassword(AppError):
    status = 400
    code = "weak_password"
    title = "Password too weak"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (one a line, # for comments)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _is_run(text: str) -> bool:
    """12345678, abcdefgh, 87654321: every step the same +1 or -1."""
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(steps) == 1 and steps <= {1, -1}


def _is_date(text: str) -> bool:
    """19861010, 2008-08-08: a birthday or another date, the commonest digits of all."""
    digits = text.replace("-", "").replace(".", "").replace("/", "")
    if len(digits) != 8 or not digits.isdigit():
        return False
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _is_repetition(text: str) -> bool:
    """aaaaaaaa, abababab, abcabcabc, 12121212: a short unit repeated, or two characters."""
    if len(set(text)) <= 2:
        return True
    return any(
        len(text) % n == 0 and text == text[:n] * (len(text) // n)
        for n in range(1, len(text) // 2 + 1)
    )


def check_password_strength(password: str, *, user_words: Iterable[str] = ()) -> None:
    """Raise WeakPassword (400 weak_password, with a reason) unless the password is strong
    enough for a person to choose; user_words are the person's own login, name and phone."""
    if len(password) < settings.password_min_length:
        raise WeakPassword(
            f"The password needs at least {settings.password_min_length} characters.",
            reason="too_short",
        )
    lowered = password.lower()
    core = _ENDS.sub("", lowered)  # password123! → password
    common = common_passwords()
    if lowered in common or core in common or _is_date(lowered):
        raise WeakPassword("This password is too common; choose another.", reason="common")
    if _is_repetition(lowered) or _is_run(lowered) or (len(core) >= 4 and _is_repetition(core)):
        raise WeakPassword("This password is too easy to guess.", reason="repetitive")
    for word in user_words:
        word = word.strip().lower()
        if len(word) >= _MIN_WORD and word in lowered:
            raise WeakPassword(
                "The password must not contain your name, login or phone number.",
                reason="personal",
            )


async def user_words(session: AsyncSession, user: User) -> list[str]:
    """The account's login and display name, and its member's name and phone number."""
    words = [user.username, user.display_name]
    row = (
        await session.execute(
            select(col(Member.name), col(Member.phone)).where(col(Member.user_id) == user.id)
        )
    ).first()
    if row is not None:
        words += [row[0], row[1]]
    return [w for w in words if w]
