"""The printed sheet of codes: an A4 PDF whose every QR code decodes, with a real decoder, to
the code's rating page, and whose text carries the code, the branch, the round and the
instructions in Chinese."""

import pypdfium2 as pdfium
import pytest
import zxingcpp

from app.evaluation.codes import new_code, normalise, rating_url
from app.evaluation.sheet import INSTRUCTIONS, PER_PAGE, code_sheet

BASE = "https://points.example.cn"
BRANCH = "东湖村第一党支部"
ROUND = "2026年第4季度群众评议"


def _sheet(codes: list[str], base_url: str = BASE) -> pdfium.PdfDocument:
    pdf = code_sheet(codes, branch_name=BRANCH, round_label=ROUND, base_url=base_url)
    assert pdf.startswith(b"%PDF-")
    return pdfium.PdfDocument(pdf)


def _decoded(document: pdfium.PdfDocument) -> list[list[str]]:
    """The QR codes a decoder reads on each page, rendered at 150 dpi like a cheap scan."""
    pages = []
    for page in document:
        image = page.render(scale=150 / 72, grayscale=True).to_pil()
        found = zxingcpp.read_barcodes(image)
        assert all(barcode.format == zxingcpp.BarcodeFormat.QRCode for barcode in found)
        pages.append([barcode.text for barcode in found])
    return pages


def _text(page: pdfium.PdfPage) -> str:
    return page.get_textpage().get_text_range()


@pytest.fixture(scope="module")
def codes() -> list[str]:
    return [new_code() for _ in range(10)]


@pytest.fixture(scope="module")
def document(codes) -> pdfium.PdfDocument:
    return _sheet(codes)


def test_the_sheet_is_a4_with_eight_cards_a_page(document):
    assert PER_PAGE == 8
    assert len(document) == 2
    for page in document:
        width, height = page.get_size()
        assert round(width) == 595 and round(height) == 842


def test_every_qr_code_decodes_to_its_rating_page(codes, document):
    pages = _decoded(document)
    assert [len(found) for found in pages] == [8, 2]
    decoded = [url for found in pages for url in found]
    assert len(decoded) == len(set(decoded))
    assert set(decoded) == {rating_url(BASE, code) for code in codes}
    for url in decoded:
        # The page's address is the code, as the rating page reads it.
        assert normalise(url.rsplit("/e/", 1)[1]) == url.rsplit("/e/", 1)[1]


def test_each_code_is_printed_for_typing_on_its_page(codes, document):
    for index, code in enumerate(codes):
        assert code in _text(document[index // PER_PAGE])
    assert codes[-1] not in _text(document[0])


def test_the_branch_round_and_instructions_are_printed_in_chinese(document):
    for page_index, page in enumerate(document):
        # Long lines wrap: compare without line breaks.
        flat = "".join(_text(page).split())
        cards = 8 if page_index == 0 else 2
        assert flat.count(BRANCH) == cards
        assert flat.count(ROUND) == cards
        assert flat.count(INSTRUCTIONS) == cards
        assert "每码只能用一次" in flat


def test_a_longer_address_and_a_full_page_still_decode():
    codes = [new_code() for _ in range(PER_PAGE)]
    base = "https://dangjian.dongcheng-district.example.gov.cn/vanguard-points/"
    document = _sheet(codes, base_url=base)
    assert len(document) == 1
    (decoded,) = _decoded(document)
    assert set(decoded) == {rating_url(base, code) for code in codes}
    assert all(url.startswith(base + "e/") for url in decoded)


def test_no_codes_make_one_blank_page():
    document = _sheet([])
    assert len(document) == 1
    assert _decoded(document) == [[]]


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (8, 1), (9, 2), (16, 2), (17, 3)])
def test_pages_hold_eight_codes_each(count, pages):
    assert len(_sheet([new_code() for _ in range(count)])) == pages


def test_unusual_names_are_printed_without_breaking_the_sheet():
    code = new_code()
    branch = "中共东城区某某街道第三社区居民委员会第一党支部 & <机关> “联合”党支部"
    pdf = code_sheet([code], branch_name=branch, round_label="(2026) Q4", base_url=BASE)
    document = pdfium.PdfDocument(pdf)
    flat = "".join(_text(document[0]).split())
    assert "".join(branch.split()) in flat
    assert code in flat
    assert _decoded(document) == [[rating_url(BASE, code)]]


def test_an_overlong_branch_name_is_cut_and_every_code_still_decodes():
    codes = [new_code() for _ in range(2)]
    branch = "第一党支部" * 30
    pdf = code_sheet(codes, branch_name=branch, round_label=ROUND, base_url=BASE)
    document = pdfium.PdfDocument(pdf)
    text = _text(document[0])
    assert "…" in text
    assert all(code in text for code in codes)
    assert set(_decoded(document)[0]) == {rating_url(BASE, code) for code in codes}
