"""Evidence uploads through the API: type by content, limits, storage and serving."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app import db
from app.claims import files
from app.config import settings
from app.models import ClaimEvidence
from tests.evidence.test_files import _pdf, _pdf_with, _png_declaring
from tests.factories import login
from tests.helpers import item_ids, jpeg_bytes, new_claim, set_now, shanghai


@pytest.fixture(autouse=True)
def _november(monkeypatch: pytest.MonkeyPatch) -> None:
    set_now(monkeypatch, shanghai("2026-11-20 10:00:00"))


async def _draft(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], photo=False)
    return member, claim


def _upload(name: str, data: bytes, content_type: str = "image/jpeg") -> dict:
    return {"file": (name, data, content_type)}


async def test_php_renamed_jpg_is_refused(client, world, session):
    member, claim = await _draft(client, world, session)
    response = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("photo.jpg", b"<?php system($_GET['c']); ?>"),
        headers=member,
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"


async def test_image_bomb_is_refused(client, world, session):
    member, claim = await _draft(client, world, session)
    response = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("bomb.png", _png_declaring(60000, 60000), "image/png"),
        headers=member,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "image_too_large"


async def test_file_over_5_mb_is_refused(client, world, session):
    member, claim = await _draft(client, world, session)
    big = jpeg_bytes() + b"\0" * (5 * 1024 * 1024)
    response = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence", files=_upload("big.jpg", big), headers=member
    )
    assert response.status_code == 413


async def test_at_most_three_files_and_the_same_file_is_kept_once(client, world, session):
    member, claim = await _draft(client, world, session)
    url = f"/api/v1/claims/{claim['id']}/evidence"
    first = await client.post(url, files=_upload("a.jpg", jpeg_bytes((1, 2, 3))), headers=member)
    assert first.status_code == 201
    again = await client.post(url, files=_upload("a.jpg", jpeg_bytes((1, 2, 3))), headers=member)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    pdf = await client.post(
        url, files=_upload("证明.pdf", _pdf(), "application/pdf"), headers=member
    )
    assert pdf.status_code == 201
    assert pdf.json()["content_type"] == "application/pdf"
    third = await client.post(url, files=_upload("c.jpg", jpeg_bytes((9, 9, 9))), headers=member)
    assert third.status_code == 201
    fourth = await client.post(url, files=_upload("d.jpg", jpeg_bytes((7, 7, 7))), headers=member)
    assert fourth.status_code == 409
    assert fourth.json()["code"] == "evidence_limit"


async def test_evidence_is_served_with_disposition_and_nosniff(client, world, session):
    member, claim = await _draft(client, world, session)
    uploaded = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("../../etc/志愿服务.jpg", jpeg_bytes()),
        headers=member,
    )
    evidence = uploaded.json()
    assert evidence["name"] == "志愿服务.jpg"
    response = await client.get(evidence["url"], headers=member)
    assert response.status_code == 200
    assert response.content == jpeg_bytes()
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    download = await client.get(evidence["url"] + "?download=true", headers=member)
    assert download.headers["content-disposition"].startswith("attachment;")
    stored = list((settings.data_dir / "files" / "evidence").rglob("*.jpg"))
    assert stored and all("志愿服务" not in p.name and ".." not in str(p) for p in stored)


async def test_reviewer_of_the_branch_sees_the_evidence(client, world, session):
    member, claim = await _draft(client, world, session)
    uploaded = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("a.jpg", jpeg_bytes()),
        headers=member,
    )
    reviewer = await login(client, "reviewer_a")
    response = await client.get(uploaded.json()["url"], headers=reviewer)
    assert response.status_code == 200


async def test_evidence_of_a_submitted_claim_cannot_change(client, world, session):
    items = await item_ids(session, world.standard_id)
    member = await login(client, "member_a")
    claim = await new_claim(client, member, items["C01"], submit=True)
    detail = (await client.get(f"/api/v1/claims/{claim['id']}", headers=member)).json()
    removed = await client.delete(detail["evidence"][0]["url"], headers=member)
    assert removed.status_code == 409
    added = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("b.jpg", jpeg_bytes((5, 5, 5))),
        headers=member,
    )
    assert added.status_code == 409


async def test_removing_evidence_from_a_draft(client, world, session):
    member, claim = await _draft(client, world, session)
    uploaded = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("a.jpg", jpeg_bytes()),
        headers=member,
    )
    removed = await client.delete(uploaded.json()["url"], headers=member)
    assert removed.status_code == 204
    assert (await client.get(uploaded.json()["url"], headers=member)).status_code == 404
    detail = await client.get(f"/api/v1/claims/{claim['id']}", headers=member)
    assert detail.json()["evidence"] == []


def _stored() -> set[Path]:
    return set((settings.data_dir / "files" / "evidence").rglob("*.*"))


async def _rows(claim_id: int) -> int:
    async with db.SessionFactory() as s:
        n = await s.scalar(select(func.count()).where(col(ClaimEvidence.claim_id) == claim_id))
    return n or 0


async def test_16_bit_png_over_the_decode_budget_is_refused(client, world, session):
    member, claim = await _draft(client, world, session)
    response = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("big.png", _png_declaring(6320, 6320, 16, 6), "image/png"),
        headers=member,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "image_too_large"


async def test_pdf_with_javascript_is_refused(client, world, session):
    member, claim = await _draft(client, world, session)
    response = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("a.pdf", _pdf_with(b"/OpenAction << /S /JavaScript /JS (x) >>")),
        headers=member,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "pdf_active_content"
    assert await _rows(claim["id"]) == 0


async def test_pdf_is_always_served_as_an_attachment_with_nosniff(client, world, session):
    member, claim = await _draft(client, world, session)
    uploaded = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("证明.pdf", _pdf(), "application/pdf"),
        headers=member,
    )
    response = await client.get(uploaded.json()["url"], headers=member)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_upload_rolled_back_after_the_file_was_written_leaves_no_file(
    client, world, session, monkeypatch
):
    member, claim = await _draft(client, world, session)
    before = _stored()
    attach = files.attach

    async def attach_then_fail(**kwargs):
        await attach(**kwargs)
        raise RuntimeError("the request fails after the file was stored")

    monkeypatch.setattr(files, "attach", attach_then_fail)
    with pytest.raises(RuntimeError):
        await client.post(
            f"/api/v1/claims/{claim['id']}/evidence",
            files=_upload("a.jpg", jpeg_bytes()),
            headers=member,
        )
    await files.settled()
    assert await _rows(claim["id"]) == 0
    assert _stored() == before


async def test_removed_evidence_file_goes_only_when_the_removal_commits(
    client, world, session, monkeypatch
):
    member, claim = await _draft(client, world, session)
    before = _stored()
    uploaded = await client.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        files=_upload("a.jpg", jpeg_bytes()),
        headers=member,
    )
    (path,) = _stored() - before
    remove = files.remove

    async def remove_then_fail(**kwargs):
        await remove(**kwargs)
        raise RuntimeError("the request fails after the removal")

    monkeypatch.setattr(files, "remove", remove_then_fail)
    with pytest.raises(RuntimeError):
        await client.delete(uploaded.json()["url"], headers=member)
    await files.settled()
    assert path.exists() and await _rows(claim["id"]) == 1
    monkeypatch.setattr(files, "remove", remove)
    assert (await client.delete(uploaded.json()["url"], headers=member)).status_code == 204
    await files.settled()
    assert not path.exists() and await _rows(claim["id"]) == 0
