"""The printable A4 sheet of a batch of evaluation codes: eight cards a page, each with the QR
code of the code's rating page, the code in large type, the branch, the round and one line of
instructions. The CJK text uses reportlab's built-in CID font, so no font file is needed."""

import io
from collections.abc import Iterable

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from app.evaluation.codes import rating_url

CJK_FONT = "STSong-Light"
CODE_FONT = "Courier-Bold"
URL_FONT = "Helvetica"
INSTRUCTIONS = "用手机扫码，为本支部党员逐一评价；每码只能用一次。"
COLUMNS = 2
ROWS = 4
PER_PAGE = COLUMNS * ROWS

_MARGIN = 10 * mm
_PAD = 4 * mm
_QR_SIZE = 47 * mm  # with the quiet zone: 1.27 mm a module at QR version 3, 1.15 mm at 4
_NO_LINE_START = frozenset("，。；：！？、）》」』,.;:!?)")
_QUIET = 4  # modules of white around the symbol, as the standard asks


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`, broken between any two characters (CJK); closing
    punctuation hangs at the end of a line rather than starting the next one."""
    lines: list[str] = []
    line = ""
    for char in text:
        too_wide = pdfmetrics.stringWidth(line + char, font, size) > width
        if line and too_wide and char not in _NO_LINE_START:
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines


def _qr_matrix(data: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


def _draw_qr(canvas: Canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """The symbol as filled rectangles, one per horizontal run of dark modules, in a square of
    `size` whose lower-left corner is (x, y); the quiet zone is inside the square. Drawn in
    module units, so the PDF carries short integers."""
    count = len(matrix)
    module = size / (count + 2 * _QUIET)
    canvas.saveState()
    canvas.translate(x + _QUIET * module, y + _QUIET * module)
    canvas.scale(module, module)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        bottom = count - 1 - r
        c = 0
        while c < count:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < count and row[c]:
                c += 1
            path.rect(start, bottom, c - start, 1)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _draw_card(
    canvas: Canvas,
    x: float,
    y: float,
    width: float,
    height: float,
    *,
    code: str,
    url: str,
    branch_name: str,
    round_label: str,
) -> None:
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.5)
    canvas.setStrokeGray(0.6)
    canvas.rect(x, y, width, height, stroke=1, fill=0)
    canvas.setDash()

    # The square holds the quiet zone, so it can sit close to the card's edge.
    qr_x = x + 1 * mm
    qr_y = y + height - 1 * mm - _QR_SIZE
    _draw_qr(canvas, _qr_matrix(url), qr_x, qr_y, _QR_SIZE)

    # Beside the QR code: the branch, the round and the instructions.
    # A heading shrinks a little to stay on one line before it wraps.
    text_x = qr_x + _QR_SIZE + 1 * mm
    text_width = x + width - _PAD * 3 / 4 - text_x
    cursor = y + height - _PAD - 12
    # At most so many lines each, so an overlong name cannot run into the code below.
    for text, largest, smallest, gap, most in (
        (branch_name, 13.0, 10.0, 4, 3),
        (round_label, 11.0, 9.0, 8, 2),
        (INSTRUCTIONS, 10.0, 10.0, 0, 3),
    ):
        size = largest
        while size > smallest and pdfmetrics.stringWidth(text, CJK_FONT, size) > text_width:
            size -= 0.5
        lines = _wrap(text, CJK_FONT, size, text_width)
        if len(lines) > most:
            lines = [*lines[: most - 1], lines[most - 1][:-1] + "…"]
        for line in lines:
            canvas.setFont(CJK_FONT, size)
            canvas.drawString(text_x, cursor, line)
            cursor -= size * 1.35
        cursor -= gap

    # Below: the code in large type for typing, and the address it opens.
    code_size = 22.0
    while code_size > 12 and pdfmetrics.stringWidth(code, CODE_FONT, code_size) > width - 2 * _PAD:
        code_size -= 1
    canvas.setFont(CODE_FONT, code_size)
    canvas.drawCentredString(x + width / 2, qr_y - code_size - 2, code)
    url_size = 7.0
    while url_size > 5 and pdfmetrics.stringWidth(url, URL_FONT, url_size) > width - 2 * _PAD:
        url_size -= 0.5
    canvas.setFont(URL_FONT, url_size)
    canvas.drawCentredString(x + width / 2, y + _PAD / 2 + 1, url)


def code_sheet(codes: Iterable[str], *, branch_name: str, round_label: str, base_url: str) -> bytes:
    """An A4 PDF with a card for each code, eight a page (2 × 4), to print and cut."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"{branch_name} {round_label}")
    page_width, page_height = A4
    card_width = (page_width - 2 * _MARGIN) / COLUMNS
    card_height = (page_height - 2 * _MARGIN) / ROWS
    for placed, code in enumerate(codes):
        if placed and placed % PER_PAGE == 0:
            canvas.showPage()
        row, column = divmod(placed % PER_PAGE, COLUMNS)
        _draw_card(
            canvas,
            _MARGIN + column * card_width,
            page_height - _MARGIN - (row + 1) * card_height,
            card_width,
            card_height,
            code=code,
            url=rating_url(base_url, code),
            branch_name=branch_name,
            round_label=round_label,
        )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
