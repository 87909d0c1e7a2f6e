"""The month's ranking as an XLSX sheet for the branch's notice board (亮分公示)."""

from datetime import datetime
from io import BytesIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import Principal
from app.cells import neutralise
from app.models import Organisation
from app.months import service as months
from app.months.locks import find_month
from app.months.schemas import Ranking

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ("名次", "姓名", "加分", "扣分", "当月得分")
_LOCAL = ZoneInfo("Asia/Shanghai")


async def ranking_xlsx(
    session: AsyncSession, principal: Principal, branch: Organisation, period: str
) -> Response:
    """The month's ranking (as GET .../ranking answers it, same refusals) as an attachment."""
    ranking = await months.ranking(
        session=session, principal=principal, branch=branch, period=period
    )
    assert branch.id is not None
    month = await find_month(session, branch_id=branch.id, period=period)
    closed_at = month.closed_at if month is not None and month.status == "locked" else None
    return xlsx_response(
        ranking_workbook(branch, ranking, closed_at),
        ascii_name=f"ranking-{branch.id}-{period}.xlsx",
        name=f"{branch.name}-{period}-亮分.xlsx",
    )


def ranking_workbook(branch: Organisation, ranking: Ranking, closed_at: datetime | None) -> bytes:
    """One sheet: the title (branch, month), when the month was closed, then a row a member."""
    year, number = ranking.period.split("-")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = ranking.period
    sheet.append([neutralise(f"{branch.name} {year}年{int(number)}月 党员积分亮分公示")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    closed = (
        f"审核锁定：{closed_at.astimezone(_LOCAL):%Y-%m-%d %H:%M}"
        if closed_at
        else "本月尚未审核锁定，积分可能变动"
    )
    sheet.append([closed])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in ranking.rows:
        sheet.append(
            [
                row.rank,
                neutralise(row.member.name),
                float(row.bonus),
                float(row.deduction),
                float(row.net),
            ]
        )
    for r in range(4, sheet.max_row + 1):
        for c in (3, 4, 5):
            sheet.cell(row=r, column=c).number_format = "0.0"
    for column, width in zip("ABCDE", (8, 16, 10, 10, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A4"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, *, ascii_name: str, name: str) -> Response:
    """An attachment with an ASCII filename and its UTF-8 spelling (RFC 6266)."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        content=content,
        media_type=XLSX,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
