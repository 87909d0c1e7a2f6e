"""Member import from XLSX/CSV: dry run verdicts, apply (atomic, background), credentials."""

import asyncio
import io
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.access import CallerUser, Grant, Principal, Role
from app.imports import jobs, repository, service
from app.models import ActivationCode, AuditEvent, Member, RoleAssignment, User
from tests.factories import World, login

HEADERS = ["姓名", "手机号", "所在支部", "党员类别", "入党日期", "预备党员", "性别"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = "\r\n".join(",".join(r) for r in [HEADERS, *rows]) + "\r\n"
    return text.encode(encoding)


async def upload(
    client: httpx.AsyncClient, auth: dict[str, str], data: bytes, name: str = "m.xlsx"
) -> httpx.Response:
    return await client.post(
        "/api/v1/member-imports",
        files={"file": (name, data, "application/octet-stream")},
        headers=auth,
    )


async def wait_done(client: httpx.AsyncClient, auth: dict[str, str], job_id: int) -> dict[str, Any]:
    for _ in range(200):
        body = (await client.get(f"/api/v1/member-imports/{job_id}", headers=auth)).json()
        if body["status"] in ("applied", "failed"):
            return body
        await asyncio.sleep(0.02)
    raise AssertionError("the apply did not finish")


async def count(model: Any) -> int:
    async with db.SessionFactory() as s:
        return (await s.scalar(select(func.count()).select_from(model))) or 0


GOOD = [
    ["李四", "13900000001", "第一党支部", "机关企事业单位党员", "2015-07-01", "否", "男"],
    ["王五", 13900000002, "城关街道党工委/第二党支部", "rural_community", "2018/3/5", "是", "女"],
    ["赵六", "13900000003", "第二党支部", "流动党员", "2001年7月1日", "", ""],
]


async def test_template_xlsx_and_csv(client: httpx.AsyncClient, world: World) -> None:
    auth = await login(client, "admin")
    r = await client.get("/api/v1/member-imports/template?format=xlsx", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert [c.value for c in next(wb.worksheets[0].iter_rows())] == HEADERS
    notes = " ".join(str(c) for row in wb["说明"].iter_rows(values_only=True) for c in row)
    assert "两新组织党员" in notes and "流动党员" in notes
    r = await client.get("/api/v1/member-imports/template?format=csv", headers=auth)
    assert r.content.startswith("\ufeff".encode()) and "姓名" in r.content.decode("utf-8-sig")


async def test_good_sheet_dry_run_then_apply(client: httpx.AsyncClient, world: World) -> None:
    auth = await login(client, "admin")
    rows = [
        *GOOD,
        ["（示例）张三", "13800000000", "第一党支部", "流动党员", "2015-07-01", "否", "男"],
    ]
    r = await upload(client, auth, xlsx(rows))
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "dry_run"
    assert job["counts"] == {"create": 3, "update": 0, "unchanged": 0, "refuse": 0}
    assert [row["row"] for row in job["rows"]] == [2, 3, 4]
    assert job["rows"][1]["branch_id"] == world.branch_b.id
    assert job["rows"][1]["is_probationary"] is True
    assert job["rows"][2]["joined_on"] == "2001-07-01"
    before = await count(Member)

    r = await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    assert r.status_code == 202
    done = await wait_done(client, auth, job["id"])
    assert done["status"] == "applied" and done["progress"] == {"done": 3, "total": 3}
    assert await count(Member) == before + 3
    async with db.SessionFactory() as s:
        user = (await s.execute(select(User).where(User.username == "13900000002"))).scalar_one()
        assert user.must_change_password and user.password_hash == service.NO_PASSWORD
        member = (await s.execute(select(Member).where(Member.user_id == user.id))).scalar_one()
        assert (member.branch_id, member.category, member.gender) == (
            world.branch_b.id,
            "rural_community",
            "female",
        )
        role = await s.scalar(select(RoleAssignment.role).where(RoleAssignment.user_id == user.id))
        assert role == "member"
        actions = set(
            (
                await s.execute(
                    select(AuditEvent.action).where(AuditEvent.entity_type == "member_import")
                )
            ).scalars()
        )
        assert {"dry_run", "applied"} <= actions
        created = await s.scalar(
            select(func.count()).where(
                AuditEvent.entity_type == "member", AuditEvent.action == "created"
            )
        )
        assert created == 3
    # A second apply is refused.
    r = await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    assert r.status_code == 409 and r.json()["code"] == "import_not_dry_run"


async def test_every_kind_of_bad_row(client: httpx.AsyncClient, world: World) -> None:
    auth = await login(client, "admin")
    rows = [
        ["", "13900000011", "第一党支部", "流动党员", "2015-07-01", "否", ""],  # missing_name
        ["甲", "12ab", "第一党支部", "流动党员", "2015-07-01", "否", ""],  # bad_phone
        ["乙", "13900000013", "不存在的支部", "流动党员", "2015-07-01", "否", ""],  # unknown
        ["丙", "13900000014", "另一党支部", "流动党员", "2015-07-01", "否", ""],  # outside subtree
        ["丁", "13900000015", "城关街道党工委", "流动党员", "2015-07-01", "否", ""],  # not a branch
        ["戊", "13900000016", "第一党支部", "普通党员", "2015-07-01", "否", ""],  # bad_category
        ["己", "13900000017", "第一党支部", "流动党员", "2015-13-45", "否", ""],  # bad_date
        ["庚", "13900000018", "第一党支部", "流动党员", "2999-01-01", "否", ""],  # future
        [
            "辛",
            "13900000019",
            "第一党支部",
            "流动党员",
            "2015-07-01",
            "也许",
            "?",
        ],  # yes/no, gender
        ["壬", "13900000020", "第一党支部", "流动党员", "2015-07-01", "否", ""],  # dup in sheet
        ["癸", "13900000020", "第二党支部", "流动党员", "2015-07-01", "否", ""],  # dup in sheet
        [
            "子",
            world.members["member_other"].phone,
            "第一党支部",
            "流动党员",
            "2015-07-01",
            "否",
            "",
        ],
        ["丑", world.members["member_b"].phone, "第一党支部", "流动党员", "2015-07-01", "否", ""],
        [
            "寅",
            world.members["secretary_a"].phone,
            "第一党支部",
            "流动党员",
            "2015-07-01",
            "否",
            "",
        ],
    ]
    r = await upload(client, auth, xlsx(rows))
    assert r.status_code == 201, r.text
    job = r.json()
    codes = [sorted(x["code"] for x in row["reasons"]) for row in job["rows"]]
    assert codes == [
        ["missing_name"],
        ["bad_phone"],
        ["unknown_branch"],
        ["unknown_branch"],
        ["unknown_branch"],
        ["bad_category"],
        ["bad_date"],
        ["bad_date"],
        ["bad_gender", "bad_probationary"],
        ["duplicate_phone"],
        ["duplicate_phone"],
        ["phone_taken"],
        ["transfer_required"],
        [],  # secretary_a's record, updated by the org admin who outranks them
    ]
    assert job["rows"][-1]["action"] == "update"
    assert job["counts"]["refuse"] == 13
    assert all(x["message"] and x["field"] for row in job["rows"] for x in row["reasons"])
    refused = (
        await client.get(
            f"/api/v1/member-imports/{job['id']}/rows?action=refuse&page_size=5", headers=auth
        )
    ).json()
    assert refused["total"] == 13 and len(refused["items"]) == 5
    report = await client.get(f"/api/v1/member-imports/{job['id']}/report.xlsx", headers=auth)
    assert report.status_code == 200
    sheet = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[1][1] == "拒绝" and "姓名" in sheet[1][2]


async def test_update_against_database_and_unchanged(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    auth = await login(client, "admin")
    phone = world.members["member_a"].phone
    rows = [
        ["王德福", phone, "第一党支部", "两新组织党员", "2010-01-02", "是", "男"],
        [
            "member_a2",
            world.members["member_a2"].phone,
            "第一党支部",
            "机关企事业单位党员",
            "2015-07-01",
            "否",
            "",
        ],
    ]
    job = (await upload(client, auth, xlsx(rows))).json()
    assert [row["action"] for row in job["rows"]] == ["update", "unchanged"]
    assert job["rows"][0]["member_id"] == world.members["member_a"].id
    await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    assert (await wait_done(client, auth, job["id"]))["status"] == "applied"
    async with db.SessionFactory() as s:
        m = await s.get(Member, world.members["member_a"].id)
        assert m is not None
        assert (m.name, m.category, str(m.joined_on), m.is_probationary, m.gender) == (
            "王德福",
            "new_org",
            "2010-01-02",
            True,
            "male",
        )
        user = await s.get(User, m.user_id)
        assert user is not None and user.display_name == "王德福"
        assert user.password_hash != service.NO_PASSWORD  # an update leaves the account alone


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
async def test_csv_encodings(client: httpx.AsyncClient, world: World, encoding: str) -> None:
    auth = await login(client, "admin")
    data = csv_bytes(
        [["李四", "13900000001", "第一党支部", "机关企事业单位党员", "2015-07-01", "否", "男"]],
        encoding,
    )
    r = await upload(client, auth, data, "m.csv")
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["file_format"] == "csv" and job["counts"]["create"] == 1
    assert job["rows"][0]["name"] == "李四" and job["rows"][0]["category"] == "institution"


async def test_files_checked_by_content(client: httpx.AsyncClient, world: World) -> None:
    auth = await login(client, "admin")
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("hello.txt", "hi")
    for data, code in [
        (zipped.getvalue(), "unsupported_file"),
        (b"\xd0\xcf\x11\xe0\x00\x00binary", "unsupported_file"),
        ("姓名,手机号\n张三,139\n".encode(), "missing_columns"),
        (b"\xff\xfe\xfa\xfb\x81", "bad_encoding"),
    ]:
        r = await upload(client, auth, data, "m.xlsx")
        assert r.status_code == 422, r.text
        assert r.json()["code"] == code


async def test_formula_cells_stored_as_text_and_neutralised(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = await login(client, "admin")
    rows = [
        [
            '=HYPERLINK("http://x","y")',
            "13900000031",
            "第一党支部",
            "流动党员",
            "2015-07-01",
            "否",
            "",
        ],
        ["@SUM(1)", "13900000032", "第一党支部", "流动党员", "2015-07-01", "否", ""],
    ]
    job = (await upload(client, auth, xlsx(rows))).json()
    assert job["counts"]["create"] == 2
    assert job["rows"][0]["name"] == '=HYPERLINK("http://x","y")'
    await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    await wait_done(client, auth, job["id"])
    async with db.SessionFactory() as s:
        names = set(
            (
                await s.execute(
                    select(Member.name).where(Member.phone.in_(["13900000031", "13900000032"]))
                )
            ).scalars()
        )  # type: ignore[attr-defined]
    assert names == {'=HYPERLINK("http://x","y")', "@SUM(1)"}
    sheet = await client.get(f"/api/v1/member-imports/{job['id']}/credentials.xlsx", headers=auth)
    wb = load_workbook(io.BytesIO(sheet.content))
    values = [row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)]  # type: ignore[union-attr]
    assert values == ['\'=HYPERLINK("http://x","y")', "'@SUM(1)"]
    assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)  # type: ignore[union-attr]


async def test_apply_is_atomic(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = await login(client, "admin")
    rows = [
        [f"人{i}", f"139000001{i:02d}", "第一党支部", "流动党员", "2015-07-01", "否", ""]
        for i in range(6)
    ]
    rows.append(
        [
            "王德福",
            world.members["member_a"].phone,
            "第一党支部",
            "两新组织党员",
            "2010-01-02",
            "是",
            "",
        ]
    )
    job = (await upload(client, auth, xlsx(rows))).json()
    members, users, events = await count(Member), await count(User), await count(AuditEvent)
    monkeypatch.setattr(jobs, "CHUNK", 3)
    real = repository.apply_chunk
    calls = 0

    async def failing(*args: Any, **kw: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")
        await real(*args, **kw)

    monkeypatch.setattr(repository, "apply_chunk", failing)
    await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    done = await wait_done(client, auth, job["id"])
    assert done["status"] == "failed" and "nothing was written" in done["error"]
    assert calls == 2
    assert (await count(Member), await count(User)) == (members, users)
    async with db.SessionFactory() as s:
        m = await s.get(Member, world.members["member_a"].id)
        assert m is not None and m.category == "institution"
        actions = list(
            (
                await s.execute(
                    select(AuditEvent.action).where(AuditEvent.id > 0).order_by(AuditEvent.id)
                )
            ).scalars()
        )
    assert actions[events:] == ["failed"]  # only the failure was recorded


async def test_duplicate_phone_taken_since_dry_run_fails_cleanly(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = await login(client, "admin")
    job = (await upload(client, auth, xlsx(GOOD))).json()
    r = await client.post(
        "/api/v1/members",
        headers=auth,
        json={
            "name": "抢先",
            "phone": "13900000003",
            "branch_id": world.branch_a.id,
            "category": "mobile",
            "joined_on": "2015-07-01",
        },
    )
    assert r.status_code == 201, r.text
    members = await count(Member)
    await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    done = await wait_done(client, auth, job["id"])
    assert done["status"] == "failed" and "phone" in done["error"]
    assert await count(Member) == members


async def test_access(client: httpx.AsyncClient, world: World) -> None:
    data = xlsx([["李四", "13900000001", "第一党支部", "流动党员", "2015-07-01", "否", ""]])
    # A plain member may not import.
    r = await upload(client, await login(client, "member_a"), data)
    assert r.status_code == 403
    # The secretary of another branch: that branch is unknown to them.
    job = (await upload(client, await login(client, "secretary_b"), data)).json()
    assert job["rows"][0]["reasons"][0]["code"] == "unknown_branch"
    # An org admin of another tree: same.
    other = await login(client, "other_admin")
    job2 = (await upload(client, other, data)).json()
    assert job2["rows"][0]["reasons"][0]["code"] == "unknown_branch"
    # The secretary of the branch imports; a secretary's record (their own) is beyond them.
    sec = await login(client, "secretary_a")
    rows = [
        ["李四", "13900000001", "第一党支部", "流动党员", "2015-07-01", "否", ""],
        [
            "审",
            world.members["secretary_a"].phone,
            "第一党支部",
            "流动党员",
            "2015-07-01",
            "否",
            "",
        ],
    ]
    job3 = (await upload(client, sec, xlsx(rows))).json()
    assert [r["action"] for r in job3["rows"]] == ["create", "refuse"]
    assert job3["rows"][1]["reasons"][0]["code"] == "target_outranks_you"
    # Someone else's import is not found, to read or apply.
    assert (
        await client.get(f"/api/v1/member-imports/{job3['id']}", headers=other)
    ).status_code == 404
    r = await client.post(f"/api/v1/member-imports/{job3['id']}/apply", headers=other)
    assert r.status_code == 404


async def test_credentials_once_and_codes_hashed(client: httpx.AsyncClient, world: World) -> None:
    auth = await login(client, "admin")
    job = (await upload(client, auth, xlsx(GOOD))).json()
    url = f"/api/v1/member-imports/{job['id']}/credentials.xlsx"
    r = await client.get(url, headers=auth)
    assert r.status_code == 409  # not applied yet
    await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    assert (await wait_done(client, auth, job["id"]))["credentials_available"] is True
    other = await login(client, "secretary_a")
    assert (await client.get(url, headers=other)).status_code == 404
    r = await client.get(url, headers=auth)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    sheet = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(min_row=2, values_only=True))  # type: ignore[union-attr]
    assert [row[1] for row in sheet] == ["13900000001", "13900000002", "13900000003"]
    codes = [row[3] for row in sheet]
    assert len(set(codes)) == 3
    async with db.SessionFactory() as s:
        digests = set((await s.execute(select(ActivationCode.code_digest))).scalars())
    assert digests == {service.code_digest(c) for c in codes}
    assert not any(c in d for c in codes for d in digests)
    r = await client.get(url, headers=auth)
    assert r.status_code == 410 and r.json()["code"] == "credentials_gone"
    # No password signs the imported account in.
    r = await client.post(
        "/api/v1/auth/login", json={"username": "13900000001", "password": codes[0]}
    )
    assert r.status_code == 401


async def test_activation_code_sets_the_first_password(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = await login(client, "admin")
    job = (await upload(client, auth, xlsx(GOOD))).json()
    await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    await wait_done(client, auth, job["id"])
    r = await client.get(f"/api/v1/member-imports/{job['id']}/credentials.xlsx", headers=auth)
    sheet = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(min_row=2, values_only=True))  # type: ignore[union-attr]
    username, code = sheet[0][1], sheet[0][3]
    url = "/api/v1/member-imports/activation"
    new = "river-lantern-42"
    for body in (
        {"username": username, "code": "AAAA-BBBB-CCCC", "new_password": new},
        {"username": "13999999999", "code": code, "new_password": new},
        {"username": sheet[1][1], "code": code, "new_password": new},  # someone else's code
    ):
        r = await client.post(url, json=body)
        assert r.status_code == 400 and r.json()["code"] == "activation_invalid", r.text
    r = await client.post(
        url, json={"username": username, "code": code, "new_password": "12345678"}
    )
    assert r.status_code == 400 and r.json()["code"] == "weak_password"
    # Lower case and without dashes is the same code.
    typed = str(code).replace("-", "").lower()
    r = await client.post(url, json={"username": username, "code": typed, "new_password": new})
    assert r.status_code == 204, r.text
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": new})
    assert r.status_code == 200 and r.json()["must_change_password"] is False
    r = await client.post(url, json={"username": username, "code": code, "new_password": new})
    assert r.status_code == 400  # used once


async def test_template_uploaded_as_is_imports_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = await login(client, "admin")
    for fmt in ("xlsx", "csv"):
        template = await client.get(f"/api/v1/member-imports/template?format={fmt}", headers=auth)
        r = await upload(client, auth, template.content, f"t.{fmt}")
        assert r.status_code == 422 and r.json()["code"] == "empty_file", r.text


async def test_activation_failures_lock_the_address_out(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import settings

    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    url = "/api/v1/member-imports/activation"
    body = {"username": "13999999999", "code": "AAAA-BBBB-CCCC", "new_password": "river-lantern-42"}
    for _ in range(3):
        assert (await client.post(url, json=body)).status_code == 400
    refused = await client.post(url, json=body)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


async def test_a_sheet_over_a_mebibyte_gets_past_the_body_limit(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = await login(client, "admin")
    big = ("姓名,手机号,所在支部,党员类别,入党日期,预备党员\n" + "x" * 100 + "\n") * 12_000
    assert len(big.encode()) > 1024 * 1024
    r = await upload(client, auth, big.encode(), "big.csv")
    assert r.status_code != 413, r.text


async def test_an_apply_cut_off_by_a_restart_is_failed_on_read(
    client: httpx.AsyncClient, world: World
) -> None:
    """`applying` with no task of this process running it (the process restarted midway; its
    one transaction never committed): reading the import marks it failed, nothing written."""
    auth = await login(client, "admin")
    job = (await upload(client, auth, xlsx(GOOD))).json()
    members = await count(Member)
    async with db.unit_of_work() as s:
        assert await repository.set_status(s, job["id"], expected="dry_run", status="applying")
    assert not jobs.is_running_here(job["id"])
    body = (await client.get(f"/api/v1/member-imports/{job['id']}", headers=auth)).json()
    assert body["status"] == "failed" and "interrupted" in body["error"]
    assert await count(Member) == members
    r = await client.post(f"/api/v1/member-imports/{job['id']}/apply", headers=auth)
    assert r.status_code == 409 and r.json()["code"] == "import_not_dry_run"
    async with db.SessionFactory() as s:
        actions = list(
            (
                await s.execute(
                    select(AuditEvent.action).where(
                        AuditEvent.entity_type == "member_import",
                        AuditEvent.entity_id == job["id"],
                    )
                )
            ).scalars()
        )
    assert actions == ["dry_run", "failed"]


async def test_a_poll_before_the_apply_task_starts_does_not_fail_it(
    client: httpx.AsyncClient, world: World
) -> None:
    """start_apply claims the import for this process before its request commits, so a poll
    landing before the background task starts does not take it for an orphan."""
    auth = await login(client, "admin")
    job = (await upload(client, auth, xlsx(GOOD))).json()
    admin = world.users["admin"]
    assert admin.id is not None and world.committee.id is not None
    principal = Principal(
        user=CallerUser(
            id=admin.id, is_active=True, is_superadmin=False, must_change_password=False
        ),
        grants=[Grant(Role.org_admin, world.committee.id, world.committee.path)],
    )
    try:
        async with db.unit_of_work() as s:
            found = await service.get(s, principal, job["id"])
            await service.start_apply(s, principal, found)
        body = (await client.get(f"/api/v1/member-imports/{job['id']}", headers=auth)).json()
        assert body["status"] == "applying"
        await service.run_apply(job["id"], principal)
        body = (await client.get(f"/api/v1/member-imports/{job['id']}", headers=auth)).json()
        assert body["status"] == "applied" and not jobs.is_running_here(job["id"])
    finally:
        jobs.release(job["id"])
