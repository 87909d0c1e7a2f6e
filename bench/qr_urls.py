"""Print the URL of each QR code in a PDF of evaluation codes, a line each (lighthouse.mjs)."""

import sys

import pypdfium2
import zxingcpp

for page in pypdfium2.PdfDocument(sys.argv[1]):
    for result in zxingcpp.read_barcodes(page.render(scale=3).to_pil()):
        print(result.text)
