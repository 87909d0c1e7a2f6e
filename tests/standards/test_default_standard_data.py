"""Data checks for the shipped default standard and the demo data set (no app imports)."""

import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STANDARD_PATH = ROOT / "app" / "standards" / "default_standard.json"
DEMO_PATH = ROOT / "app" / "demo" / "demo.json"

DIMENSIONS = {"political": "P", "discipline": "D", "morality": "M", "contribution": "C"}
CATEGORIES = {"rural_community", "institution", "new_org", "mobile"}
CEILINGS = {"qualified", "basically_qualified", "unqualified"}
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"^[PDMCX](0[1-9]|10)$")


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def standard() -> dict:
    return _load(STANDARD_PATH)


@pytest.fixture(scope="module")
def items(standard: dict) -> list[dict]:
    return standard["items"]


@pytest.fixture(scope="module")
def demo() -> dict:
    return _load(DEMO_PATH)


def _one_decimal(value: float) -> bool:
    return Decimal(str(value)).as_tuple().exponent >= -1


# --- standard ---------------------------------------------------------------------------------


def test_settings(standard: dict) -> None:
    assert standard["base_score"] == 60
    assert standard["evaluation_points"] == 10
    assert set(standard["dimension_caps"]) == set(DIMENSIONS)
    assert sum(standard["dimension_caps"].values()) == 30
    assert standard["thresholds"] == {"excellent": 90, "qualified": 75, "basically_qualified": 60}
    assert standard["excellent_quota"] == "1/3"
    assert 1 <= standard["deadline_day"] <= 28
    assert standard["timezone"] == "Asia/Shanghai"
    assert standard["min_ratings"] >= 1
    assert CJK.search(standard["name"])


def test_fifty_items(items: list[dict]) -> None:
    assert len(items) == 50


def test_bonus_items_ten_per_dimension(items: list[dict]) -> None:
    bonus = [i for i in items if i["kind"] == "bonus"]
    assert len(bonus) == 40
    per_dim = Counter(i["dimension"] for i in bonus)
    assert per_dim == dict.fromkeys(DIMENSIONS, 10)
    for item in bonus:
        prefix = DIMENSIONS[item["dimension"]]
        assert item["code"].startswith(prefix), item["code"]
        assert item["grade_ceiling"] is None, item["code"]


def test_ten_deductions(items: list[dict]) -> None:
    deductions = [i for i in items if i["kind"] == "deduction"]
    assert len(deductions) == 10
    for item in deductions:
        assert item["dimension"] == "deduction", item["code"]
        assert item["code"].startswith("X"), item["code"]
        assert item["source"] == "branch", item["code"]
        assert 1 <= item["points"] <= 10, item["code"]
    assert [i for i in items if i["dimension"] == "deduction"] == deductions


def test_codes_unique_and_well_formed(items: list[dict]) -> None:
    codes = [i["code"] for i in items]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert CODE.match(code), code
    expected = {f"{p}{n:02d}" for p in "PDMCX" for n in range(1, 11)}
    assert set(codes) == expected


def test_points_positive_with_one_decimal(items: list[dict]) -> None:
    for item in items:
        points = item["points"]
        assert isinstance(points, int | float) and not isinstance(points, bool), item["code"]
        assert points > 0, item["code"]
        assert _one_decimal(points), item["code"]


def test_caps_consistent(items: list[dict]) -> None:
    for item in items:
        per_month, per_year = item["max_per_month"], item["max_per_year"]
        for cap in (per_month, per_year):
            if cap is not None:
                assert cap >= item["points"], item["code"]
                assert _one_decimal(cap), item["code"]
        if per_month is not None and per_year is not None:
            assert per_month <= per_year, item["code"]


def test_field_values(items: list[dict]) -> None:
    for item in items:
        assert item["source"] in {"self", "branch"}, item["code"]
        assert isinstance(item["requires_evidence"], bool), item["code"]
        cats = item["categories"]
        assert cats is None or (cats and set(cats) <= CATEGORIES), item["code"]
        assert item["grade_ceiling"] is None or item["grade_ceiling"] in CEILINGS, item["code"]
        count = item["ceiling_trigger_count"]
        assert isinstance(count, int) and count >= 1, item["code"]
        assert len(item["title"]) <= 30, item["code"]
        assert CJK.search(item["description"]), item["code"]


def test_at_least_four_deductions_with_ceiling(items: list[dict]) -> None:
    with_ceiling = [i for i in items if i["kind"] == "deduction" and i["grade_ceiling"]]
    assert len(with_ceiling) >= 4


def test_titles_are_chinese(items: list[dict]) -> None:
    for item in items:
        assert CJK.search(item["title"]), item["code"]


def test_both_sources_and_category_items_present(items: list[dict]) -> None:
    bonus = [i for i in items if i["kind"] == "bonus"]
    assert {i["source"] for i in bonus} == {"self", "branch"}
    restricted = {c for i in bonus if i["categories"] for c in i["categories"]}
    assert restricted == CATEGORIES


# --- demo data --------------------------------------------------------------------------------


def _members(demo: dict) -> list[dict]:
    return [m for b in demo["branches"] for m in b["members"]]


def test_demo_shape(demo: dict) -> None:
    assert demo["password"]
    assert demo["committee"]["kind"] == "committee"
    assert CJK.search(demo["committee"]["name"])
    assert demo["admin"]["username"] == "admin"
    assert len(demo["branches"]) == 3
    members = _members(demo)
    assert 27 <= len(members) <= 33
    for branch in demo["branches"]:
        assert CJK.search(branch["name"])
        assert 8 <= len(branch["members"]) <= 12


def test_demo_members_fields(demo: dict) -> None:
    members = _members(demo)
    phones = [m["phone"] for m in members]
    assert len(set(phones)) == len(phones)
    for member in members:
        assert re.fullmatch(r"1[358]\d{9}", member["phone"]), member["phone"]
        assert CJK.search(member["name"])
        assert member["gender"] in {"male", "female"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", member["joined_on"])
        assert isinstance(member["is_probationary"], bool)
    assert 2 <= sum(m["is_probationary"] for m in members) <= 3


def test_demo_usernames_and_roles(demo: dict) -> None:
    usernames = [m["username"] for m in _members(demo) if m["username"]]
    expected = {f"{u}{n}" for u in ("secretary", "reviewer", "member") for n in (1, 2, 3)}
    assert sorted(usernames) == sorted(expected)
    for n, branch in enumerate(demo["branches"], start=1):
        by_user = {m["username"]: m for m in branch["members"] if m["username"]}
        assert set(by_user) == {f"secretary{n}", f"reviewer{n}", f"member{n}"}
        assert by_user[f"secretary{n}"]["roles"] == ["secretary"]
        assert by_user[f"reviewer{n}"]["roles"] == ["reviewer"]
        assert by_user[f"member{n}"]["roles"] == []
        for member in branch["members"]:
            if member["username"] is None:
                assert member["roles"] == []


def test_demo_categories(demo: dict) -> None:
    counts = Counter(m["category"] for m in _members(demo))
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 4
