"""The grading's results as a sheet: one run, or every branch's latest run of a subtree's year.
XLSX (Chinese headers, built in openpyxl's write-only mode) or CSV (streamed, UTF-8 with BOM so
Excel reads it); text that would run as a formula is neutralised (app/cells.py)."""

import codecs
from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any, Literal

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.cells import csv_line, neutralise
from app.grading import repository
from app.models import GradingResult, GradingRun
from app.scoring.caps import DIMENSION_ORDER, DIMENSION_ZH
from app.scoring.grade import GRADE_ZH

Format = Literal["xlsx", "csv"]
CATEGORY_ZH = {
    "rural_community": "农村和社区党员",
    "institution": "机关企事业单位党员",
    "new_org": "两新组织党员",
    "mobile": "流动党员",
}
HEADERS = [
    "支部",
    "姓名",
    "党员类别",
    *(DIMENSION_ZH[d] for d in DIMENSION_ORDER),
    "基础分",
    "群众评议",
    "扣分",
    "总分",
    "计算等次",
    "最终等次",
    "理由",
]
STEP_ZH = {
    "draft": "草稿",
    "self_assessment": "自评和民主测评",
    "review": "支部评议",
    "publicity": "公示",
    "finalized": "已定稿",
    "approved": "已审批",
}


def _number(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def row(branch: str, name: str, category: str, result: GradingResult) -> list[Any]:
    """One member's line: their score by dimension, evaluation, deductions, total, grades and
    the reasons in words."""
    score = result.detail.get("score", {})
    dims = {d["dimension"]: d["counted"] for d in score.get("dimensions", [])}
    projection = result.detail.get("projection", {})
    reason = projection.get("sentence", "")
    if result.final_reason:
        reason = f"{reason} 支部评议：{result.final_reason}"
    return [
        branch,
        name,
        CATEGORY_ZH.get(category, category),
        *(_number(dims.get(d, 0)) for d in DIMENSION_ORDER),
        _number(score.get("base_score")),
        _number(score.get("evaluation_points")),
        _number(score.get("deduction_total")),
        _number(result.total),
        GRADE_ZH.get(result.computed_grade or "", "不参加定级"),
        GRADE_ZH.get(result.final_grade or "", ""),
        reason,
    ]


async def rows_of_runs(
    session: AsyncSession, runs: Sequence[tuple[GradingRun, str]]
) -> list[list[Any]]:
    """Every member's line of the runs, by branch in the order given, then by name."""
    branch_names = {run.id: name for run, name in runs}
    results = await repository.results_of_runs(session, [r.id for r, _ in runs if r.id])
    categories = await repository.categories(session, [r.member_id for r, _ in results])
    order = {run.id: n for n, (run, _) in enumerate(runs)}
    results.sort(key=lambda pair: order[pair[0].run_id])
    return [
        row(branch_names[r.run_id], name, categories.get(r.member_id, ""), r) for r, name in results
    ]


def workbook(
    title: str, rows: Iterable[list[Any]], summary: list[list[Any]] | None = None
) -> bytes:
    """The sheet of results, and a summary sheet per branch when given."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("定级结果")
    sheet.append([neutralise(title)])
    sheet.append(HEADERS)
    for line in rows:
        sheet.append([neutralise(v) for v in line])
    if summary is not None:
        totals = book.create_sheet("各支部汇总")
        totals.append(SUMMARY_HEADERS)
        for line in summary:
            totals.append([neutralise(v) for v in line])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


async def csv_stream(rows: Iterable[list[Any]]) -> AsyncIterator[bytes]:
    """The CSV, a line at a time, with a BOM first so that Excel reads UTF-8."""
    yield codecs.BOM_UTF8
    yield csv_line(HEADERS).encode()
    for line in rows:
        yield csv_line(line).encode()


SUMMARY_HEADERS = [
    "支部",
    "定级进度",
    "党员数",
    "优秀",
    "合格",
    "基本合格",
    "不合格",
    "不参加定级",
    "优秀比例",
]
