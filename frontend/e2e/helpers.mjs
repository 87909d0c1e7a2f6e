// Shared set-up for the browser tests: Chromium via playwright-core, phone contexts, API calls.
import assert from 'node:assert/strict'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const DEMO_PASSWORD = 'vanguard-demo'
export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots')
export const PHONE = { width: 390, height: 844 }
export const SMALL_PHONE = { width: 360, height: 640 }

/** Today and this month in Beijing time, as the server counts them. */
export const TODAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
export const PERIOD = TODAY.slice(0, 7)
export const YEAR = Number(TODAY.slice(0, 4))
/** Tells this run's records apart from earlier runs' on the same demo data. */
export const RUN = Date.now().toString(36)
/** Points as whole tenths, so decimal strings compare exactly. */
export const tenths = (value) => Math.round(Number(value ?? 0) * 10)

/** The server under test; the Makefile starts the backend with demo data and sets it. */
export function baseUrl() {
  const url = process.env.E2E_BASE_URL
  assert.ok(url, 'E2E_BASE_URL must point at a running backend with demo data (e.g. http://127.0.0.1:8766)')
  return url.replace(/\/+$/, '')
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

/** A phone-sized context; service workers are off unless a test is about them. */
export function phoneContext(browser, options = {}) {
  return browser.newContext({
    baseURL: baseUrl(),
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    locale: 'zh-CN',
    serviceWorkers: 'block',
    ...options,
  })
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: resolve(SCREENSHOTS, name) })
}

/** Call the API directly (not through the browser). */
export async function api(path, { method = 'GET', token, json } = {}) {
  const headers = { Accept: 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const text = await response.text()
  let body = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = text
  }
  return { status: response.status, body, headers: response.headers }
}

/** Sign in on the sign-in page and wait to be let in (to the home page, or where it leads). */
export async function signIn(page, username, password = DEMO_PASSWORD) {
  await page.goto('/login')
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码', { exact: true }).fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((url) => url.pathname !== '/login')
}

/** Act for the given branch, with the switcher shown to those who act for several. */
export async function useBranch(page, name) {
  const picker = page.getByLabel('支部', { exact: true })
  await picker.waitFor()
  await picker.selectOption({ label: name })
}

/** The body of a successful API answer; any other answer fails the test, saying what was asked. */
export function ok(response, what) {
  assert.ok(response.status < 300, `${what}: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body
}

/** A branch of this run's own under the demo's committee, so tests that change state share nothing. */
export async function runBranch(adminToken, name) {
  const orgs = ok(await api('/organisations', { token: adminToken }), 'organisations').items
  const committee = orgs.find((o) => o.kind === 'committee')
  return ok(
    await api('/organisations', {
      method: 'POST',
      token: adminToken,
      json: { name, kind: 'branch', parent_id: committee.id },
    }),
    'branch',
  )
}

export async function apiLogin(username, password = DEMO_PASSWORD) {
  const { status, body } = await api('/auth/login', { method: 'POST', json: { username, password } })
  assert.equal(status, 200, `API sign-in of ${username} failed: ${JSON.stringify(body)}`)
  return body
}

/**
 * At 360×640 nothing may stick out sideways: the page must not scroll horizontally and no
 * visible element may end beyond the right edge.
 */
export async function assertFitsSmallPhone(page, label) {
  const before = page.viewportSize()
  await page.setViewportSize(SMALL_PHONE)
  await page.waitForTimeout(150)
  const report = await page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const offenders = []
    for (const el of document.body.querySelectorAll('*')) {
      const style = getComputedStyle(el)
      if (style.display === 'none' || style.visibility === 'hidden') continue
      if (el.closest('.visually-hidden, .skip-link')) continue
      const rect = el.getBoundingClientRect()
      if (rect.width === 0 || rect.height === 0) continue
      if (rect.right > width + 1 || rect.left < -1) {
        offenders.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} [${Math.round(rect.left)}, ${Math.round(rect.right)}]`)
      }
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 10) }
  })
  assert.ok(
    report.scrollWidth <= report.width,
    `${label}: page scrolls sideways at 360px (scrollWidth ${report.scrollWidth} > ${report.width})`,
  )
  assert.deepEqual(report.offenders, [], `${label}: elements overflow at 360px`)
  if (before) await page.setViewportSize(before)
}


const AXE = fileURLToPath(import.meta.resolve('axe-core/axe.min.js'))
let axeSource

/** WCAG 2.1 A/AA checks by axe-core: labels, contrast, names, landmarks. */
export async function assertAccessible(page, label) {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') stays in force.
  axeSource ??= await readFile(AXE, 'utf8')
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
  assert.deepEqual(violations, [], `${label}: accessibility violations`)
}
