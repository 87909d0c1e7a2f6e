"""How long the printable sheet of a batch of evaluation codes takes to make.

    uv run python -m bench.code_sheet [--count 1000] [--runs 3] [--out sheet.pdf]

Draws fresh codes, times `code_sheet` (QR codes as vector rectangles, reportlab's built-in CJK
font) in-process a few times, and prints the seconds of each run, the pages and the size of
the PDF. The target for 1,000 codes is under 10 s on the 2-core bench machine. Speed is
measured here, never asserted in the tests.
"""

import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.evaluation.codes import new_code
from app.evaluation.sheet import PER_PAGE, code_sheet
from bench.report import replace_section

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
START = "<!-- bench:code_sheet:start -->"
END = "<!-- bench:code_sheet:end -->"
TARGET_S = 10.0

cli = typer.Typer(add_completion=False, help=__doc__)
console = Console()


@cli.command()
def main(
    count: Annotated[int, typer.Option(help="Codes on the sheet")] = 1000,
    runs: Annotated[int, typer.Option(help="Times to make the sheet")] = 3,
    base_url: Annotated[str, typer.Option(help="Address the QR codes open")] = (
        "https://points.example.cn"
    ),
    out: Annotated[Path | None, typer.Option(help="Write the last sheet here")] = None,
) -> None:
    codes = [new_code() for _ in range(count)]
    seconds: list[float] = []
    pdf = b""
    for _ in range(runs):
        started = time.perf_counter()
        pdf = code_sheet(
            codes,
            branch_name="东湖村第一党支部",
            round_label="2026年第4季度群众评议",
            base_url=base_url,
        )
        seconds.append(time.perf_counter() - started)
    pages = max(1, -(-count // PER_PAGE))
    console.print(
        f"code sheet: {count} codes, {pages} pages, {len(pdf) / 1024:.0f} KiB; "
        f"seconds per sheet: {', '.join(f'{s:.2f}' for s in seconds)} "
        f"(median {statistics.median(seconds):.2f}, target < 10)"
    )
    if out is not None:
        out.write_bytes(pdf)
        console.print(f"written to {out}")
    median = statistics.median(seconds)
    verdict = "met" if median < TARGET_S else "NOT met"
    replace_section(
        DOC,
        START,
        END,
        "\n".join(
            [
                START,
                "## Evaluation codes: the printable sheet (`python -m bench.code_sheet`)",
                "",
                f"Last run {date.today().isoformat()} on {os.cpu_count()} cores "
                f"({platform.machine()}), in-process.",
                "",
                "| figure | value | target | |",
                "|---|---|---|---|",
                f"| sheet of {count} codes ({pages} A4 pages, {len(pdf) / 1024:.0f} KiB), "
                f"median of {runs} | {median:.2f} s | < {TARGET_S:.0f} s | {verdict} |",
                "",
                "Runs: " + ", ".join(f"{s:.2f} s" for s in seconds) + ". Most of the time is "
                "the qrcode package choosing the best of its eight mask patterns per code.",
                END,
            ]
        ),
    )


if __name__ == "__main__":
    cli()
