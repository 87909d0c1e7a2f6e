// What the evaluation (群众评议) browser tests share: the current quarter, day arithmetic, the
// branch's open round for this quarter (opened here when the demo has none) and a code sheet
// issued through the API and read back with a real QR decoder.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TODAY, YEAR, api, baseUrl, ok } from './helpers.mjs'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** This quarter (1–4) in the standard's timezone. */
export const QUARTER = Math.floor((Number(TODAY.slice(5, 7)) - 1) / 3) + 1

/** TODAY plus n days, YYYY-MM-DD. */
export function plusDays(n) {
  const [y, m, d] = TODAY.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

/** The last day of the current quarter (YYYY-MM-DD). */
export function quarterEnd() {
  return new Date(Date.UTC(YEAR, QUARTER * 3, 0)).toISOString().slice(0, 10)
}

/**
 * The branch's round for this quarter, taking ballots today; `token` (a secretary of the
 * branch) opens one from today to the quarter's end when the demo has none.
 */
export async function openRoundOf(token, branchId) {
  const find = async () =>
    ok(await api(`/branches/${branchId}/evaluation-rounds?page_size=50`, { token }), 'rounds').items.find(
      (r) => r.year === YEAR && r.quarter === QUARTER,
    )
  let round = await find()
  if (!round) {
    const created = await api(`/branches/${branchId}/evaluation-rounds`, {
      method: 'POST',
      token,
      json: { year: YEAR, quarter: QUARTER, opens_on: TODAY, closes_on: quarterEnd() },
    })
    assert.ok(
      created.status === 201 || created.body?.code === 'round_exists',
      `open round: ${created.status} ${JSON.stringify(created.body)}`,
    )
    round = await find()
  }
  assert.ok(round, 'the branch has a round this quarter')
  assert.equal(round.phase, 'open', `the round of ${YEAR} Q${QUARTER} takes ballots today`)
  return round
}

// Every page of the sheet rendered like a cheap scan and read by zxing-cpp, as tests/evaluation
// does; prints the decoded texts as JSON.
const DECODE = `
import json, sys
import pypdfium2 as pdfium
import zxingcpp
found = []
for page in pdfium.PdfDocument(sys.argv[1]):
    image = page.render(scale=150 / 72, grayscale=True).to_pil()
    found += [barcode.text for barcode in zxingcpp.read_barcodes(image)]
print(json.dumps(found))
`

/** Issue codes: the PDF sheet, decoded back to the URLs its QR codes carry. */
export async function issueCodes(token, roundId, count) {
  const response = await fetch(`${baseUrl()}/api/v1/evaluation-rounds/${roundId}/codes`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ count }),
  })
  assert.equal(response.status, 201, `issue codes: ${response.status} ${await response.clone().text()}`)
  assert.match(response.headers.get('Content-Type') ?? '', /application\/pdf/)
  const dir = await mkdtemp(join(tmpdir(), 'vp-codes-'))
  try {
    const file = join(dir, 'sheet.pdf')
    await writeFile(file, Buffer.from(await response.arrayBuffer()))
    const out = execFileSync(process.env.UV || 'uv', ['run', '--frozen', 'python', '-c', DECODE, file], {
      cwd: REPO,
      encoding: 'utf8',
    })
    return JSON.parse(out.trim().split('\n').pop())
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
