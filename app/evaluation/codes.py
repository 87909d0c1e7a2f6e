"""Single-use evaluation codes for the masses (扫码评议).

A code is 16 symbols of Crockford's base32 (80 bits from `secrets`), grouped by four for an old
person typing it from paper: `K7QF-3M9T-XW2H-8CJD`. Only its keyed hash is ever stored.
"""

import logging
import re
import secrets
import unicodedata

from app.security import keyed_digest

# Crockford's base32: digits and letters without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOLS = 16
GROUP = 4
BITS = SYMBOLS * 5

# What people type for the letters left out: O for zero, I and L for one.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212]+")
_VALID = frozenset(ALPHABET)
_HASH_CONTEXT = b"evaluation-code:"
_LONGEST_INPUT = 64


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def new_code() -> str:
    """A fresh code, e.g. `K7QF-3M9T-XW2H-8CJD`."""
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS)))


def normalise(text: str) -> str | None:
    """The canonical code for what a person typed or the URL carried, or None when it cannot be
    a code: case, spaces and dashes do not matter, full-width characters from a Chinese input
    method count as their plain forms, O reads as 0 and I or L as 1."""
    if len(text) > _LONGEST_INPUT:  # not worth reading, whatever it is
        return None
    plain = unicodedata.normalize("NFKC", text)
    symbols = _SEPARATORS.sub("", plain).upper().translate(_CONFUSABLES)
    if len(symbols) != SYMBOLS or not _VALID.issuperset(symbols):
        return None
    return _grouped(symbols)


def code_hash(code: str) -> str:
    """What is stored for a code: HMAC-SHA256 of the canonical code keyed with the app's secret
    key, in hex. Any spelling `normalise` accepts hashes alike; anything else is a ValueError."""
    canonical = normalise(code)
    if canonical is None:
        raise ValueError("not an evaluation code")
    return keyed_digest(_HASH_CONTEXT, canonical).hex()


def rating_url(base_url: str, code: str) -> str:
    """The public rating page of a code: `{base}/e/{code}`."""
    return f"{base_url.rstrip('/')}/e/{code}"


_IN_PATH = re.compile(r"(/e/)[^?\s\"]+")


class RedactCodes(logging.Filter):
    """Keeps evaluation codes out of the access log: the public page's path carries one, and a
    logged code could be used by whoever reads the log, or date the ballot it carried."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _IN_PATH.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


REDACT_CODES = RedactCodes()


def keep_codes_out_of_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if REDACT_CODES not in access.filters:
        access.addFilter(REDACT_CODES)
