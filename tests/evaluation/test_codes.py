"""Evaluation codes for the masses: shape, entropy, forgiving input, stored hash."""

import logging
import math
import re

import pytest

from app.evaluation.codes import (
    ALPHABET,
    BITS,
    RedactCodes,
    code_hash,
    new_code,
    normalise,
    rating_url,
)

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def test_alphabet_is_crockford_base32():
    assert len(ALPHABET) == 32 == len(set(ALPHABET))
    assert not set("ILOU") & set(ALPHABET)
    assert set("0123456789") <= set(ALPHABET)


def test_new_codes_are_distinct_well_formed_and_carry_80_bits():
    codes = [new_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert SHAPE.match(code), code
        symbols = code.replace("-", "")
        assert set(symbols) <= set(ALPHABET)
        assert len(symbols) * math.log2(len(ALPHABET)) >= 80
    assert BITS >= 80
    # Every symbol of the alphabet turns up in every position: nothing is fixed.
    for position in range(16):
        assert {c.replace("-", "")[position] for c in codes} == set(ALPHABET)


def test_normalise_round_trips_canonical_codes():
    for _ in range(200):
        code = new_code()
        assert normalise(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "k7qf-3m9t-xw2h-8cjd",
        "K7QF3M9TXW2H8CJD",
        "k7qf 3m9t xw2h 8cjd",
        "  K7QF - 3M9T - XW2H - 8CJD \n",
        "K7Q F3M9-TXW2H8 CJD",
        "Ｋ７ＱＦ－３Ｍ９Ｔ－ＸＷ２Ｈ－８ＣＪＤ",  # full width, from a Chinese input method
        "K7QF—3M9T—XW2H—8CJD",  # em dashes
        "K7QF\u30003M9T\u3000XW2H\u30008CJD",  # ideographic spaces
    ],
)
def test_normalise_forgives_case_spaces_and_dashes(typed):
    assert normalise(typed) == "K7QF-3M9T-XW2H-8CJD"


def test_normalise_reads_o_as_zero_and_i_l_as_one():
    assert normalise("OO1O-ILil-0000-1111") == "0010-1111-0000-1111"
    assert normalise("o0oo-ABCD-EFGH-JKMN") == "0000-ABCD-EFGH-JKMN"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "K7QF-3M9T-XW2H-8CJ",  # 15 symbols
        "K7QF-3M9T-XW2H-8CJDX",  # 17 symbols
        "K7QF-3M9T-XW2H",
        "K7QF-3M9T-XW2H-8CJU",  # U is not in the alphabet
        "K7QF-3M9T-XW2H-8CJ*",
        "K7QF-3M9T-XW2H-8CJ/",
        "K7QF-3M9T-XW2H-8CJ٣",  # a digit, but not one of ours
        "K7QF-3M9T-XW2H-8CJé",
        "https://points.example.cn/e/K7QF-3M9T-XW2H-8CJD",
        "K7QF" + " " * 100 + "3M9TXW2H8CJD",  # too long to be worth reading
    ],
)
def test_normalise_refuses_what_cannot_be_a_code(typed):
    assert normalise(typed) is None


def test_code_hash_is_stable_distinct_and_hides_the_code():
    codes = [new_code() for _ in range(500)]
    hashes = [code_hash(code) for code in codes]
    assert hashes == [code_hash(code) for code in codes]
    assert len(set(hashes)) == len(codes)
    for code, digest in zip(codes, hashes, strict=True):
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert code not in digest.upper()
        assert code.replace("-", "") not in digest.upper()


def test_code_hash_is_the_same_for_every_spelling_of_a_code():
    assert code_hash("k7qf 3m9t xw2h 8cjd") == code_hash("K7QF-3M9T-XW2H-8CJD")
    assert code_hash("OIL0-0000-0000-0000") == code_hash("0110-0000-0000-0000")


def test_code_hash_depends_on_the_secret_key(monkeypatch):
    from app.config import settings

    code = new_code()
    before = code_hash(code)
    monkeypatch.setattr(settings, "secret_key", settings.secret_key + "-other")
    assert code_hash(code) != before


def test_code_hash_refuses_what_is_not_a_code():
    with pytest.raises(ValueError):
        code_hash("not-a-code")


def test_rating_url():
    code = "K7QF-3M9T-XW2H-8CJD"
    assert rating_url("https://points.example.cn", code) == (
        "https://points.example.cn/e/K7QF-3M9T-XW2H-8CJD"
    )
    assert rating_url("https://points.example.cn/", code) == (
        "https://points.example.cn/e/K7QF-3M9T-XW2H-8CJD"
    )
    assert rating_url("http://10.0.0.2:8000/vp", code) == "http://10.0.0.2:8000/vp/e/" + code


def test_the_access_log_never_holds_a_code():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:40000", "GET", "/e/K7QF-3M9T-XW2H-8CJD?from=qr", "1.1", 200),
        None,
    )
    assert RedactCodes().filter(record)
    message = record.getMessage()
    assert "K7QF" not in message
    assert '"GET /e/…?from=qr HTTP/1.1" 200' in message
