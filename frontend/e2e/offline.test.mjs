// Offline: member1 opens the app without a network (the service worker's app shell, the last
// data from IndexedDB), declares points with a photo while offline, sees the claim waiting, and
// it is sent exactly once when the network returns; a connection that drops half-way through a
// send still makes exactly one claim.
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
    await page.getByLabel('发生日期').fill(TODAY)
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
    await page.goto('/login')
    await page.getByLabel('用户名').fill('member1')
    await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.getByRole('heading', { name: `你好，${profile.member.name}` }).waitFor()
    // The service worker has the app shell once it controls the page.
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)

    // Online first: my claims, and the new-claim form (it loads the standard's items).
    const nav = page.getByRole('navigation', { name: '主导航' })
    await nav.getByRole('link', { name: '申报' }).click()
    await page.locator(`[data-test="claim-${knownClaim.id}"]`).waitFor()
    await page.locator('[data-test="claims-new"]').click()
    await page.locator('[data-test="item-trigger"]').waitFor()
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
