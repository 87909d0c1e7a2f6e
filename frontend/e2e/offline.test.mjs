// Offline: member1 opens the app without a network (the service worker's app shell, the last
// data from IndexedDB), declares points with a photo while offline, sees the claim waiting, and
// it is sent exactly once when the network returns; a connection that drops half-way through a
// send still makes exactly one claim. On a new phone that goes offline right after signing in,
// the claim form, its items, other screens and "my claims" (any state, recent months) still work.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  DEMO_PASSWORD,
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  phoneContext,
  screenshot,
  PERIOD,
  RUN,
  TODAY,
  YEAR,
  tenths,
} from './helpers.mjs'
import { pickDate } from './date-picker.mjs'


/**
 * Items member1 may still claim, with a photo: self-declared bonus items for their category with
 * room under both caps. Items the member test prefers come last, so that the two files, which
 * may run at the same time, do not compete for the same monthly caps.
 */
function claimableItems(items, claims) {
  const counted = claims.filter((c) => ['submitted', 'approved'].includes(c.status))
  const used = (item, period) =>
    counted
      .filter((c) => c.item.id === item.id && (!period || c.period === period))
      .reduce((sum, c) => sum + tenths(c.claimed_points), 0)
  const fits = (item) =>
    item.source === 'self' &&
    item.kind === 'bonus' &&
    (item.max_per_month === null || used(item, PERIOD) + tenths(item.points) <= tenths(item.max_per_month)) &&
    (item.max_per_year === null || used(item) + tenths(item.points) <= tenths(item.max_per_year))
  const theirs = ['C01', 'M10', 'C06', 'C02', 'M07', 'M09', 'D05']
  const rank = (item) => (theirs.includes(item.code) ? 1 : 0) + (item.max_per_month === null ? 0 : 0.5)
  return items.filter(fits).sort((a, b) => rank(a) - rank(b))
}

/** A photo as a phone takes it, drawn by the browser. */
function drawPhoto(page, label) {
  return page.evaluate((text) => {
    const canvas = document.createElement('canvas')
    canvas.width = 1600
    canvas.height = 1200
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#2f6f4f'
    ctx.fillRect(0, 0, 1600, 1200)
    for (let i = 0; i < 200; i++) {
      ctx.fillStyle = `hsl(${(i * 47) % 360} 60% 55%)`
      ctx.fillRect((i * 131) % 1600, (i * 71) % 1200, 36, 36)
    }
    ctx.fillStyle = '#fff'
    ctx.font = '96px sans-serif'
    ctx.fillText(text, 120, 620)
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1]
  }, label)
}

/** Sign member1 in on the page and wait until the service worker (the app shell) controls it. */
async function signInWithServiceWorker(page, profile) {
  await page.goto('/login')
  await page.getByLabel('用户名').fill('member1')
  await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((url) => url.pathname === '/')
  await page.getByRole('heading', { name: `你好，${profile.member.name}` }).waitFor()
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
}

describe('offline', () => {
  let browser
  let context
  let page
  let token
  let profile
  let items
  let knownClaim
  const requests = []

  /** member1's claims with this description, as the server has them. */
  async function claimsWith(description) {
    const mine = await api(`/claims?member=${profile.member.id}&page_size=200&order=newest`, { token })
    assert.equal(mine.status, 200, JSON.stringify(mine.body))
    return mine.body.items.filter((c) => c.description === description)
  }

  /** Fill in the new-claim form: item, today, description and one photo. */
  async function compose(item, description) {
    await page.locator('[data-test="claims-new"]').click()
    await page.waitForURL((url) => url.pathname === '/claims/new')
    await page.locator('[data-test="claim-form"]').waitFor()
    await page.locator('[data-test="item-trigger"]').click()
    const picker = page.locator('[data-test="item-picker"]')
    await picker.locator(`[data-code="${item.code}"]`).click()
    await picker.waitFor({ state: 'hidden' })
    await pickDate(page, '发生日期', TODAY)
    await page.getByLabel('情况说明').fill(description)
    const jpeg = await drawPhoto(page, `现场照片 ${RUN}`)
    await page
      .locator('[data-test="evidence-gallery"] input[type=file]')
      .setInputFiles({ name: '现场照片.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpeg, 'base64') })
    await page.getByRole('list', { name: '待上传的佐证材料' }).getByRole('img').waitFor()
  }

  async function openOutbox() {
    await page.locator('[data-test="outbox-banner"]').click()
    await page.locator('[data-test="outbox-sheet"]').waitFor()
    // Settled: the sheet has slid up.
    await page.waitForFunction(() => {
      const sheet = document.querySelector('[data-test="outbox-sheet"]')
      return sheet && sheet.getAnimations().length === 0 && sheet.getBoundingClientRect().bottom <= innerHeight + 1
    })
  }

  before(async () => {
    token = (await apiLogin('member1')).access_token
    profile = (await api('/me', { token })).body
    const { member } = profile
    const standard = await api(`/standards/in-force?organisation_id=${member.branch_id}&year=${YEAR}`, { token })
    assert.equal(standard.status, 200, JSON.stringify(standard.body))
    const mine = await api(`/claims?member=${member.id}&page_size=200`, { token })
    const claims = mine.body.items
    items = claimableItems(
      standard.body.items.filter((i) => !i.categories || i.categories.includes(member.category)),
      claims.filter((c) => c.period.startsWith(String(YEAR))),
    )
    assert.ok(items.length >= 2, 'two items member1 can still claim this month')
    knownClaim = claims.find((c) => c.period === PERIOD)
    assert.ok(knownClaim, 'member1 has a claim this month in the demo data')

    browser = await launch()
    context = await phoneContext(browser, { serviceWorkers: 'allow' })
    page = await context.newPage()
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.pathname.startsWith('/api/v1/claims') && request.method() === 'POST') {
        requests.push({ path: url.pathname, key: request.headers()['idempotency-key'] ?? null })
      }
    })
  })

  after(async () => {
    await context?.close()
    await browser?.close()
  })

  test('opens without a network and shows the last data, marked as such', async () => {
    await signInWithServiceWorker(page, profile)

    // Online first: my claims, and the new-claim form (it loads the standard's items).
    const nav = page.getByRole('navigation', { name: '主导航' })
    await nav.getByRole('link', { name: '申报' }).click()
    await page.locator(`[data-test="claim-${knownClaim.id}"]`).waitFor()
    await page.locator('[data-test="claims-new"]').click()
    await page.locator('[data-test="item-trigger"]').waitFor()
    // The form has a back arrow instead of the tab bar: back to my claims, then the 首页 tab.
    await page.getByRole('button', { name: '返回' }).click()
    await page.waitForURL((url) => url.pathname === '/claims')
    await nav.getByRole('link', { name: '首页' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    assert.equal(await page.locator('[data-test="offline-indicator"]').count(), 0)

    await context.setOffline(true)
    await page.reload()
    await page.getByRole('heading', { name: `你好，${profile.member.name}` }).waitFor()
    await page.locator('[data-test="offline-indicator"]').getByText('当前离线，显示的是上次的数据').waitFor()
    await nav.getByRole('link', { name: '申报' }).click()
    await page.locator(`[data-test="claim-${knownClaim.id}"]`).waitFor()
    await page.locator('[data-test="offline-indicator"]').waitFor()
  })

  test('a claim with a photo composed offline waits, then is sent exactly once when back online', async () => {
    const item = items[0]
    const description = `离线申报：帮助邻居修缮房屋（${RUN}）`
    await compose(item, description)
    await page.locator('[data-test="claim-submit"]').click()
    await page.waitForURL((url) => url.pathname === '/claims')

    const banner = page.locator('[data-test="outbox-banner"]')
    await banner.getByText('1 条申报待发送，联网后自动提交').waitFor()
    await page.locator('.van-toast').waitFor({ state: 'hidden' })
    await openOutbox()
    const waiting = page.locator('[data-test="outbox-item"]')
    assert.equal(await waiting.count(), 1)
    await waiting.getByText(item.title).waitFor()
    await waiting.locator('[data-test="outbox-item-state"]').getByText('等待网络').waitFor()
    await waiting.getByText('1 张照片').waitFor()
    await screenshot(page, 'offline-waiting.png')
    await assertFitsSmallPhone(page, 'waiting claims')
    await assertAccessible(page, 'waiting claims')
    await page.locator('[data-test="outbox-sheet"]').getByRole('button', { name: '关闭' }).click()
    await page.locator('[data-test="outbox-sheet"]').waitFor({ state: 'hidden' })

    // Nothing has reached the server, and the claim survives a reload (it is in IndexedDB).
    assert.deepEqual(await claimsWith(description), [])
    await page.reload()
    await banner.getByText('1 条申报待发送').waitFor()

    await context.setOffline(false)
    await banner.waitFor({ state: 'detached', timeout: 30_000 })
    const sent = await claimsWith(description)
    assert.equal(sent.length, 1, 'exactly one claim was created')
    assert.notEqual(sent[0].status, 'draft', 'and it was submitted')
    assert.equal(sent[0].evidence_count, 1, 'with its photo')
    assert.equal(sent[0].item.id, item.id)
    // Back online, the list loads afresh: the new claim is there and the indicator is gone.
    await page.locator(`[data-test="claim-${sent[0].id}"]`).waitFor()
    await page.locator('[data-test="offline-indicator"]').waitFor({ state: 'detached' })
  })

  test('a connection that drops half-way through a send still makes exactly one claim', async () => {
    const item = items[1]
    const description = `断网重试：走访慰问困难党员（${RUN}）`
    // The create reaches the server but its answer is lost; the first submit never gets there.
    let createLost = false
    await page.route('**/api/v1/claims', async (route) => {
      if (route.request().method() === 'POST' && !createLost) {
        createLost = true
        await route.fetch()
        await route.abort('connectionreset')
        return
      }
      await route.fallback()
    })
    let submitDropped = false
    await page.route('**/api/v1/claims/*/submit', async (route) => {
      if (!submitDropped) {
        submitDropped = true
        await route.abort('connectionreset')
        return
      }
      await route.fallback()
    })
    const before = requests.length
    // Whichever attempt gets there first (the button below, or the 30-second timer).
    const dropped = page.waitForEvent('requestfailed', { predicate: (r) => r.url().endsWith('/submit'), timeout: 60_000 })

    await compose(item, description)
    await page.locator('[data-test="claim-submit"]').click()
    await page.waitForURL((url) => url.pathname === '/claims')
    const banner = page.locator('[data-test="outbox-banner"]')
    await banner.getByText('1 条申报待发送').waitFor()
    // The server did create it, once, as a draft so far.
    const drafts = await claimsWith(description)
    assert.equal(drafts.length, 1)
    assert.equal(drafts[0].status, 'draft')

    // Try now: the create is replayed (same key), the photo goes up, the submit is dropped ...
    await openOutbox()
    await page.locator('[data-test="outbox-retry-all"]').click()
    await dropped
    await page.waitForFunction(
      () =>
        !document.querySelector('[data-test="outbox-banner"]') ||
        (document.querySelector('[data-test="outbox-item"]')?.getAttribute('data-status') === 'waiting' &&
          !document.querySelector('[data-test="outbox-retry-all"].van-button--loading')),
    )
    // ... and the next try submits it.
    if (await banner.count()) await page.locator('[data-test="outbox-retry-all"]').click()
    await banner.waitFor({ state: 'detached', timeout: 30_000 })

    const sent = await claimsWith(description)
    assert.equal(sent.length, 1, 'exactly one claim was created')
    assert.notEqual(sent[0].status, 'draft', 'and it was submitted')
    assert.equal(sent[0].evidence_count, 1, 'with its photo, once')
    const creates = requests.slice(before).filter((r) => r.path === '/api/v1/claims')
    assert.equal(creates.length, 2, 'the create was sent twice ...')
    assert.ok(creates[0].key, '... with an Idempotency-Key ...')
    assert.equal(creates[1].key, creates[0].key, '... the same one')
    const submits = requests.slice(before).filter((r) => r.path.endsWith('/submit'))
    assert.ok(submits.length >= 2)
    assert.ok(submits.every((r) => r.key === submits[0].key), 'every submit carried the same key')
    await page.unrouteAll({ behavior: 'ignoreErrors' })
  })
})

/** The paths whose answers the app keeps in IndexedDB, with when each was saved. */
function keptAnswers(page) {
  return page.evaluate(async () => {
    // Never create the database here: the app must be the one to create (and upgrade) it.
    const names = (await indexedDB.databases()).map((d) => d.name)
    if (!names.includes('vanguard-offline')) return {}
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('vanguard-offline')
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
    try {
      if (!db.objectStoreNames.contains('cache')) return {}
      const rows = await new Promise((resolve, reject) => {
        const all = db.transaction('cache').objectStore('cache').getAll()
        all.onsuccess = () => resolve(all.result)
        all.onerror = () => reject(all.error)
      })
      return Object.fromEntries(rows.map((r) => [r.path, r.savedAt]))
    } finally {
      db.close()
    }
  })
}

/**
 * Give the app time to keep what it fetches after a sign-in (`paths`, saved after `since`);
 * a timeout is not a failure here: the screens offline are what the tests judge.
 */
async function settleKept(page, paths, since = 0) {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const kept = await keptAnswers(page)
    if (paths.every((p) => kept[p] >= since)) return
    await page.waitForTimeout(250)
  }
}

describe('offline right after the first sign-in', () => {
  let browser
  let context
  let page
  let token
  let profile
  let declarable

  /** member1's claims of one month, newest first, as the server has them now. */
  async function monthClaims(period) {
    const found = await api(`/claims?member=${profile.member.id}&month=${period}&order=newest&page_size=200`, { token })
    assert.equal(found.status, 200, JSON.stringify(found.body))
    return found.body.items
  }

  /** The claims the list shows (ids in order) and what its count says. */
  async function shownClaims() {
    const ids = await page
      .locator('[data-test="claims-list"] [data-test^="claim-"]')
      .evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-test').slice('claim-'.length))))
    const count = (await page.locator('[data-test="claims-count"]').textContent()).trim()
    return { ids, count }
  }

  async function listSettled() {
    await page.locator('[data-test="claims-count"][data-loading="false"]').waitFor({ state: 'attached' })
  }

  const paths = () => ({
    standard: `/standards/in-force?organisation_id=${profile.member.branch_id}&year=${YEAR}`,
    claims: `/claims?member=${profile.member.id}&order=newest&page_size=200`,
  })

  before(async () => {
    token = (await apiLogin('member1')).access_token
    profile = (await api('/me', { token })).body
    const standard = await api(`/standards/in-force?organisation_id=${profile.member.branch_id}&year=${YEAR}`, { token })
    assert.equal(standard.status, 200, JSON.stringify(standard.body))
    declarable = standard.body.items.filter(
      (i) =>
        i.source === 'self' &&
        i.kind === 'bonus' &&
        (!i.categories || !i.categories.length || i.categories.includes(profile.member.category)),
    )
    assert.ok(declarable.length > 0)
    browser = await launch()
    // A new phone: nothing cached, no service worker yet.
    context = await phoneContext(browser, { serviceWorkers: 'allow' })
    page = await context.newPage()
  })

  after(async () => {
    await context?.close()
    await browser?.close()
  })

  test('the claim form and its items work offline although the form was never opened online', async () => {
    await signInWithServiceWorker(page, profile)
    await settleKept(page, [paths().standard, paths().claims])

    // Straight from the home page to no network: the form's code and items must be on the phone.
    await context.setOffline(true)
    await page.goto('/claims/new')
    await page.locator('[data-test="claim-form"]').waitFor()
    await page.locator('[data-test="item-trigger"]').waitFor()
    assert.equal(await page.getByRole('alert').count(), 0, await page.locator('main').innerText())
    await page.locator('[data-test="item-trigger"]').click()
    const picker = page.locator('[data-test="item-picker"]')
    await picker.waitFor()
    for (const item of declarable.slice(0, 3)) await picker.locator(`[data-code="${item.code}"]`).first().waitFor()
    // One without a monthly cap, so that its room this month does not matter.
    const item = declarable.find((i) => i.max_per_month === null) ?? declarable[0]
    await picker.locator(`[data-code="${item.code}"]`).first().click()
    await picker.waitFor({ state: 'hidden' })
    await page.locator('[data-test="item-trigger"]').getByText(item.title).waitFor()
    // Other screens never opened online load too: every page's code is precached.
    for (const path of ['/ranking', '/me']) {
      await page.goto(path)
      await page.locator('h1').first().waitFor()
      assert.equal(new URL(page.url()).pathname, path)
    }

    // Back online, the app resumes its session (one refresh); let it finish before moving on.
    const resumed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh') && r.ok())
    await context.setOffline(false)
    await resumed
  })

  test('my claims offline show the last list and its count, for any state and recent month', async () => {
    // Online: a full load of my claims (the app keeps the member's claims again at start).
    await context.setOffline(false)
    const since = Date.now()
    await page.goto('/claims')
    await settleKept(page, [paths().claims], since)
    await page.locator('[data-test="claims-list"]').waitFor()
    await listSettled()
    const online = await shownClaims()
    const server = await monthClaims(PERIOD)
    assert.deepEqual(online.ids, server.map((c) => c.id))
    assert.equal(online.count, `共 ${server.length} 条申报`)

    await context.setOffline(true)
    await page.reload()
    await page.locator('[data-test="claims-list"]').waitFor()
    await listSettled()
    assert.deepEqual(await shownClaims(), online, 'the same claims and count as online')
    await page.locator('[data-test="offline-indicator"]').getByText('当前离线，显示的是上次的数据').waitFor()

    // A state never opened online: those claims of the month, counted as shown (some of the
    // month's claims if they differ in state, else a state none of them has).
    const states = ['draft', 'submitted', 'returned', 'approved', 'rejected', 'expired']
    const share = (st) => server.filter((c) => c.status === st).length
    const status = states.find((st) => share(st) > 0 && share(st) < server.length) ?? states.find((st) => share(st) === 0)
    await page.locator(`[data-test="claims-status"] [data-value="${status}"]`).click()
    await page.waitForURL((url) => url.searchParams.get('status') === status)
    await listSettled()
    const wanted = server.filter((c) => c.status === status).map((c) => c.id)
    assert.deepEqual(await shownClaims(), { ids: wanted, count: `共 ${wanted.length} 条申报` })
    assert.equal(await page.getByRole('alert').count(), 0)

    // Last month, never opened online either.
    await page.locator('[data-test="claims-status"] [data-value="all"]').click()
    const last = previousPeriodOf(PERIOD)
    await page.locator('[data-test="claims-month"] select').selectOption(last)
    await page.waitForURL((url) => url.searchParams.get('month') === last)
    await listSettled()
    const lastIds = (await monthClaims(last)).map((c) => c.id)
    const shown = await shownClaims()
    assert.deepEqual(shown, { ids: lastIds, count: `共 ${lastIds.length} 条申报` })
    assert.equal(await page.locator('[data-test="claims-not-saved"]').count(), 0)
    await context.setOffline(false)
  })
})

function previousPeriodOf(period) {
  const [y, m] = period.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}
