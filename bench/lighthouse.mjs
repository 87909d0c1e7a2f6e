// Lighthouse (mobile settings) on the member home page, the public rating page and the annual grading's screens
// (the member's live score, a secretary's run, the org admin's runs), median of N runs, with Debian's Chromium;
// also the gzipped size of the initial JS and CSS. Writes docs/PERFORMANCE.md (LIGHTHOUSE_DOC names another file).
//
//   E2E_BASE_URL=http://127.0.0.1:8790 node bench/lighthouse.mjs [runs]
//
// scripts/bench-web.sh starts a server with demo data and runs this (`make bench-web`).
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const frontend = resolve(root, 'frontend')
// lighthouse and chrome-launcher are frontend dev dependencies.
const require = createRequire(resolve(frontend, 'package.json'))
const lighthouse = (await import(pathToFileURL(require.resolve('lighthouse')).href)).default
const chromeLauncher = await import(pathToFileURL(require.resolve('chrome-launcher')).href)

const base = (process.env.E2E_BASE_URL || '').replace(/\/+$/, '')
if (!base) throw new Error('E2E_BASE_URL must point at a running server with demo data')
const runs = Number(process.argv[2] || process.env.LIGHTHOUSE_RUNS || 5)
const PASSWORD = 'vanguard-demo'
const TARGETS = { performance: 90, accessibility: 95, 'best-practices': 95 }
const INITIAL_LIMIT_KB = 150

/** Signs a demo user in; the response carries the access token and sets the refresh cookie. */
async function signIn(username) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  })
  if (!response.ok) throw new Error(`sign-in of ${username} failed: ${response.status}`)
  return response
}

/** The API's Authorization header for a demo user. */
async function bearer(username) {
  const { access_token: token } = await (await signIn(username)).json()
  return { Authorization: `Bearer ${token}` }
}

/** A fresh refresh-token cookie for each run: refresh tokens rotate on every use. */
async function refreshCookie(username) {
  const response = await signIn(username)
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('vp_refresh'))
    ?? response.headers.getSetCookie()[0]
  return cookie.split(';')[0]
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median scores and metrics of `runs` Lighthouse runs on one page. */
async function measure(url, headersFor) {
  const results = []
  let failed = 0
  while (results.length < runs) {
    const chrome = await chromeLauncher.launch({
      chromePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      chromeFlags: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    try {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: Object.keys(TARGETS),
        extraHeaders: await headersFor(),
      })
      const lhr = result.lhr
      if (process.env.LIGHTHOUSE_REPORT) writeFileSync(process.env.LIGHTHOUSE_REPORT, result.report)
      if (lhr.runtimeError || lhr.categories.performance?.score == null) {
        // The page did not load in this run (it scores 0 and has no metrics): run it again.
        if (++failed > runs) throw new Error(`${url}: ${lhr.runtimeError?.message ?? 'no score'}`)
        console.log(`${url}: a run failed (${lhr.runtimeError?.code ?? 'no score'}), again`)
        continue
      }
      const scores = Object.fromEntries(
        Object.keys(TARGETS).map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]),
      )
      const metrics = {
        fcp: lhr.audits['first-contentful-paint']?.numericValue ?? NaN,
        lcp: lhr.audits['largest-contentful-paint']?.numericValue ?? NaN,
        tbt: lhr.audits['total-blocking-time']?.numericValue ?? NaN,
        cls: lhr.audits['cumulative-layout-shift']?.numericValue ?? NaN,
      }
      const failing = Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
        .map((a) => a.id)
      results.push({ scores, metrics, failing, finalUrl: lhr.finalDisplayedUrl })
      console.log(`${url} run ${results.length}/${runs}:`, JSON.stringify(scores), `LCP ${Math.round(metrics.lcp)} ms`)
    } finally {
      await chrome.kill()
    }
  }
  const summary = Object.fromEntries(
    Object.keys(TARGETS).map((c) => [c, median(results.map((r) => r.scores[c]))]),
  )
  const metric = (k) => median(results.map((r) => r.metrics[k]))
  return {
    summary,
    metric,
    results,
    failing: [...new Set(results.flatMap((r) => r.failing))],
  }
}

/** An evaluation code of the demo's open round, for the public rating page: the secretary
 * issues one (a PDF, the only place a code exists) and its QR code is decoded. */
async function demoCode() {
  const auth = await bearer('secretary1')
  const me = await (await fetch(`${base}/api/v1/me`, { headers: auth })).json()
  const rounds = await (
    await fetch(`${base}/api/v1/branches/${me.member.branch_id}/evaluation-rounds`, { headers: auth })
  ).json()
  const open = rounds.items.find((r) => r.phase === 'open')
  if (!open) throw new Error('the demo has no open evaluation round')
  const pdf = await fetch(`${base}/api/v1/evaluation-rounds/${open.id}/codes`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ count: 1 }),
  })
  if (pdf.status !== 201) throw new Error(`issuing a code failed: ${pdf.status}`)
  const file = resolve(tmpdir(), `vp-lighthouse-codes-${process.pid}.pdf`)
  writeFileSync(file, Buffer.from(await pdf.arrayBuffer()))
  const urls = execFileSync(
    process.env.UV || 'uv',
    ['run', '--frozen', 'python', resolve(root, 'bench/qr_urls.py'), file],
    { encoding: 'utf8', cwd: root },
  )
  return urls.trim().split('\n')[0].replace(/^.*\/e\//, '')
}

/** The demo's grading run in its public notice (the second branch's, by its secretary): the results, the
 * grade set lower with its reason, the open objection. */
async function demoRun() {
  const auth = await bearer('secretary2')
  const me = await (await fetch(`${base}/api/v1/me`, { headers: auth })).json()
  const runs = await (
    await fetch(`${base}/api/v1/branches/${me.member.branch_id}/gradings`, { headers: auth })
  ).json()
  const run = runs.items.find((r) => r.status === 'publicity')
  if (!run) throw new Error('the demo has no grading run in its public notice')
  return run.id
}

const signedIn = (username) => async () => ({ Cookie: await refreshCookie(username) })
const home = await measure(`${base}/`, signedIn('member1'))
const ballot = await measure(`${base}/e/${await demoCode()}`, async () => ({}))
const score = await measure(`${base}/score`, signedIn('member1'))
const run = await measure(`${base}/branch/gradings/${await demoRun()}`, signedIn('secretary2'))
const gradings = await measure(`${base}/admin/gradings`, signedIn('admin'))
const pages = [home, ballot, score, run, gradings]

const sizeOutput = execFileSync('node', [resolve(frontend, 'scripts/initial-size.mjs')], {
  encoding: 'utf8',
  env: { ...process.env, INITIAL_LIMIT_KB: '100000' },
})
const initialKb = Number(/([\d.]+) KB\s+initial/.exec(sizeOutput)?.[1] ?? NaN)
const chromiumVersion = (() => {
  try {
    return execFileSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return 'Chromium'
  }
})()
const lighthouseVersion = JSON.parse(readFileSync(require.resolve('lighthouse/package.json'), 'utf8')).version
const pass = (ok) => (ok ? 'met' : '**missed**')
const today = new Date().toISOString().slice(0, 10)

function table(page) {
  const { summary, metric, results, failing } = page
  return [
    '| figure | median | target | |',
    '|---|---|---|---|',
    `| performance | ${summary.performance} | ≥ ${TARGETS.performance} | ${pass(summary.performance >= TARGETS.performance)} |`,
    `| accessibility | ${summary.accessibility} | ≥ ${TARGETS.accessibility} | ${pass(summary.accessibility >= TARGETS.accessibility)} |`,
    `| best practices | ${summary['best-practices']} | ≥ ${TARGETS['best-practices']} | ${pass(summary['best-practices'] >= TARGETS['best-practices'])} |`,
    `| first contentful paint | ${(metric('fcp') / 1000).toFixed(2)} s | | |`,
    `| largest contentful paint | ${(metric('lcp') / 1000).toFixed(2)} s | | |`,
    `| total blocking time | ${Math.round(metric('tbt'))} ms | | |`,
    `| cumulative layout shift | ${metric('cls').toFixed(3)} | | |`,
    '',
    `Runs: ${results.map((r) => `${r.scores.performance}/${r.scores.accessibility}/${r.scores['best-practices']}`).join(', ')} (performance/accessibility/best practices).`,
    failing.length ? `Binary audits failing in some run: ${failing.map((f) => `\`${f}\``).join(', ')}.` : 'No binary audit failed.',
    '',
  ]
}

/** A page's part of the section: its heading, what is measured, its table. */
const part = (heading, about, page) => [`### ${heading}`, '', about, '', ...table(page)]

const section = [
  '## Phone app: Lighthouse on the member home, the public rating page and the annual grading',
  '',
  `Measured ${today} by \`make bench-web\` (\`bench/lighthouse.mjs\`): Lighthouse ${lighthouseVersion}, default mobile settings (emulated mid-range phone, simulated slow 4G, 4× CPU slowdown), ${chromiumVersion}, ${cpus().length} cores, served by the app itself with demo data. Median of ${runs} runs per page. Initial JS + CSS, gzipped: ${initialKb.toFixed(1)} KB (target ≤ ${INITIAL_LIMIT_KB} KB, ${pass(initialKb <= INITIAL_LIMIT_KB)}).`,
  '',
  ...part('The member home', 'The page `/` signed in as the demo member `member1` (a fresh refresh cookie each run).', home),
  ...part('The public rating page (扫码评议)', "The page a printed QR code opens, `/e/<code>`, with no sign-in: a code of the demo's open round (issued as a PDF and decoded by `bench/qr_urls.py`), the branch's ten members to rate.", ballot),
  ...part('The live annual score (我的年度得分)', 'The page `/score` signed in as `member1`: the live score of the year in parts, with the evaluation, the deductions and the projected grade.', score),
  ...part("A branch's grading run (年度定级)", "The page `/branch/gradings/<id>` signed in as the demo secretary `secretary2`: the second branch's run in its public notice, with its results, one grade set lower than computed (with the reason) and an open objection.", run),
  ...part("The organisation's runs (年度定级审批)", "The page `/admin/gradings` signed in as the demo admin `admin`: the committee's branches for the year, each one's step, members per grade and share excellent.", gradings),
].join('\n')

const doc = resolve(root, process.env.LIGHTHOUSE_DOC || 'docs/PERFORMANCE.md')
const START = '<!-- bench:lighthouse:start -->'
const END = '<!-- bench:lighthouse:end -->'
let text = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Performance\n\n'
const block = `${START}\n${section}${END}`
if (text.includes(START) && text.includes(END)) {
  text = text.slice(0, text.indexOf(START)) + block + text.slice(text.indexOf(END) + END.length)
} else {
  text = `${text.trimEnd()}\n\n${block}\n`
}
writeFileSync(doc, text)
console.log(section)
const ok =
  pages.every((page) => Object.entries(TARGETS).every(([c, t]) => page.summary[c] >= t)) &&
  initialKb <= INITIAL_LIMIT_KB
process.exitCode = ok ? 0 : 1
