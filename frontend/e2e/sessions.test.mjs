// Sessions: several tabs opened at once stay signed in (they share one refresh through a Web Lock,
// and the server answers a concurrent use of the just-rotated cookie with the same successor);
// an expired sign-in with claims waiting on the phone is reported as such, not as a network
// failure, and the claims go out once after signing in again.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  DEMO_PASSWORD,
  launch,
  PERIOD,
  phoneContext,
  RUN,
  signIn,
  tenths,
  YEAR,
} from './helpers.mjs'

const TABS = 3
const ROUNDS = 6

/** Where a freshly opened tab ends up: the protected page, or the sign-in page. */
async function settle(page) {
  await page.waitForFunction(
    () => location.pathname === '/login' || document.querySelector('[data-test="claims-new"]') !== null,
    undefined,
    { timeout: 30_000 },
  )
  return new URL(page.url()).pathname
}

/** The sign-in is alive on the server: the refresh cookie rotates and its access token works. */
async function familyAlive(page) {
  return page.evaluate(async () => {
    const refreshed = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin' })
    if (refreshed.status !== 200) return refreshed.status
    const { access_token: token } = await refreshed.json()
    const me = await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })
    return me.status
  })
}

/** Open the tabs at the same moment, on a page that needs the sign-in; where each one ended up. */
async function openTabsAtOnce(context) {
  const tabs = await Promise.all(Array.from({ length: TABS }, () => context.newPage()))
  await Promise.all(tabs.map((tab) => tab.goto('/claims')))
  const landed = await Promise.all(tabs.map(settle))
  return { tabs, landed }
}

async function tabsStaySignedIn(context) {
  const home = await context.newPage()
  await signIn(home, 'member2')
  for (let round = 1; round <= ROUNDS; round++) {
    const { tabs, landed } = await openTabsAtOnce(context)
    assert.deepEqual(landed, Array(TABS).fill('/claims'), `round ${round}: every tab stays signed in`)
    assert.equal(await familyAlive(tabs[0]), 200, `round ${round}: the sign-in is alive on the server`)
    // The tab opened before them is still signed in, too.
    await home.goto('/claims')
    assert.equal(await settle(home), '/claims', `round ${round}: the first tab stays signed in`)
    await Promise.all(tabs.map((tab) => tab.close()))
  }
}

/** Items the member may still claim this month (self-declared bonus items with room). */
function claimableItems(items, claims) {
  const counted = claims.filter((c) => ['submitted', 'approved'].includes(c.status))
  const used = (item, period) =>
    counted
      .filter((c) => c.item.id === item.id && (!period || c.period === period))
      .reduce((sum, c) => sum + tenths(c.claimed_points), 0)
  return items.filter(
    (item) =>
      item.source === 'self' &&
      item.kind === 'bonus' &&
      (item.max_per_month === null || used(item, PERIOD) + tenths(item.points) <= tenths(item.max_per_month)) &&
      (item.max_per_year === null || used(item) + tenths(item.points) <= tenths(item.max_per_year)),
  )
}

/** A photo as a phone takes it, drawn by the browser. */
function drawPhoto(page) {
  return page.evaluate(() => {
    const canvas = document.createElement('canvas')
    canvas.width = 800
    canvas.height = 600
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#2f6f4f'
    ctx.fillRect(0, 0, 800, 600)
    ctx.fillStyle = '#fff'
    ctx.font = '64px sans-serif'
    ctx.fillText('现场照片', 120, 320)
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1]
  })
}

describe('sessions', () => {
  let browser

  before(async () => {
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  test('three tabs opened at once, six times over, all stay signed in', async () => {
    const context = await phoneContext(browser)
    try {
      await tabsStaySignedIn(context)
    } finally {
      await context.close()
    }
  })

  test('without the Web Locks API the tabs still stay signed in (the server’s grace)', async () => {
    const context = await phoneContext(browser)
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true })
    })
    try {
      await tabsStaySignedIn(context)
    } finally {
      await context.close()
    }
  })

  describe('an expired sign-in with claims waiting', () => {
    let token
    let profile
    let items

    before(async () => {
      token = (await apiLogin('member3')).access_token
      profile = (await api('/me', { token })).body
      const { member } = profile
      const standard = await api(`/standards/in-force?organisation_id=${member.branch_id}&year=${YEAR}`, { token })
      assert.equal(standard.status, 200, JSON.stringify(standard.body))
      const mine = await api(`/claims?member=${member.id}&page_size=200`, { token })
      items = claimableItems(
        standard.body.items.filter((i) => !i.categories || i.categories.includes(member.category)),
        mine.body.items.filter((c) => c.period.startsWith(String(YEAR))),
      )
      assert.ok(items.length >= 2, 'two items member3 can still claim this month')
    })

    async function claimsWith(description) {
      // A sign-out ends every access token of the account: read with a fresh one.
      const fresh = (await apiLogin('member3')).access_token
      const mine = await api(`/claims?member=${profile.member.id}&page_size=200&order=newest`, { token: fresh })
      assert.equal(mine.status, 200, JSON.stringify(mine.body))
      return mine.body.items.filter((c) => c.description === description)
    }

    /** Fill in the new-claim form (the date is today by default) with one photo. */
    async function compose(page, item, description) {
      await page.goto('/claims/new')
      await page.locator('[data-test="item-trigger"]').click()
      const picker = page.locator('[data-test="item-picker"]')
      await picker.locator(`[data-code="${item.code}"]`).first().click()
      await picker.waitFor({ state: 'hidden' })
      await page.getByLabel('情况说明').fill(description)
      const jpeg = await drawPhoto(page)
      await page
        .locator('[data-test="evidence-gallery"] input[type=file]')
        .setInputFiles({ name: '现场照片.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpeg, 'base64') })
      await page.getByRole('list', { name: '待上传的佐证材料' }).getByRole('img').waitFor()
    }

    /** Sign in again on the sign-in page; the claim then goes out, exactly once. */
    async function signInAgainAndSee(page, description) {
      await page.getByLabel('用户名').fill('member3')
      await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD)
      await page.getByRole('button', { name: '登录' }).click()
      await page.waitForURL((url) => url.pathname !== '/login')
      await page.waitForFunction(() => !document.querySelector('[data-test="outbox-banner"]'), undefined, {
        timeout: 45_000,
      })
      let sent = []
      for (let i = 0; i < 30 && sent.length === 0; i++) {
        sent = await claimsWith(description)
        if (!sent.length) await page.waitForTimeout(500)
      }
      assert.equal(sent.length, 1, 'exactly one claim was created')
      assert.equal(sent[0].status, 'submitted')
      assert.equal(sent[0].evidence_count, 1)
    }

    test('sent while the sign-in had ended: says so, not "no network", and sends it after sign-in', async () => {
      const context = await phoneContext(browser)
      const page = await context.newPage()
      try {
        await signIn(page, 'member3')
        const description = `登录过期后申报：参加社区义务劳动（${RUN}）`
        await compose(page, items[0], description)
        // The sign-in ends elsewhere (e.g. signed out on another device) while the form is open.
        assert.equal(
          await page.evaluate(() => fetch('/api/v1/auth/logout', { method: 'POST' }).then((r) => r.status)),
          204,
        )
        await page.locator('[data-test="claim-submit"]').click()
        await page.waitForURL((url) => url.pathname === '/login')
        const toast = page.locator('.van-toast')
        await toast.getByText('登录已过期，申报已存在手机上，重新登录后自动发送').waitFor()
        assert.doesNotMatch(await page.locator('body').innerText(), /网络不通/)
        await page
          .locator('[data-test="login-expired"]')
          .getByText('登录已过期，请重新登录。手机上有 1 条申报待发送，登录后自动发送')
          .waitFor()
        assert.deepEqual(await claimsWith(description), [], 'nothing was created yet')
        await signInAgainAndSee(page, description)
        await page.locator('[data-test="login-expired"]').waitFor({ state: 'detached' })
      } finally {
        await context.close()
      }
    })

    test('composed offline, the sign-in ends meanwhile: back online, the sign-in page says it expired', async () => {
      const context = await phoneContext(browser)
      const page = await context.newPage()
      try {
        await signIn(page, 'member3')
        await page.goto('/claims')
        await page.locator('[data-test="claims-new"]').waitFor()
        const description = `离线后登录过期：走访慰问困难群众（${RUN}）`
        await compose(page, items[1], description)
        await context.setOffline(true)
        await page.locator('[data-test="claim-submit"]').click()
        await page.waitForURL((url) => url.pathname === '/claims')
        await page.locator('[data-test="outbox-banner"]').waitFor()
        // Offline it is the network that is missing, and the toast said so; it goes.
        await page.locator('.van-toast').waitFor({ state: 'hidden' })

        // The sign-in ends while the phone is offline (here: its refresh cookie is revoked).
        const cookie = (await context.cookies()).find((c) => c.name === 'vp_refresh')
        assert.ok(cookie, 'the refresh cookie')
        const out = await fetch(`${new URL(page.url()).origin}/api/v1/auth/logout`, {
          method: 'POST',
          headers: { Cookie: `vp_refresh=${cookie.value}` },
        })
        assert.equal(out.status, 204)

        await context.setOffline(false)
        await page.waitForURL((url) => url.pathname === '/login', { timeout: 45_000 })
        await page
          .locator('[data-test="login-expired"]')
          .getByText('登录已过期，请重新登录。手机上有 1 条申报待发送，登录后自动发送')
          .waitFor()
        assert.doesNotMatch(await page.locator('body').innerText(), /网络不通/)
        assert.deepEqual(await claimsWith(description), [], 'nothing was created yet')
        await signInAgainAndSee(page, description)
      } finally {
        await context.close()
      }
    })
  })
})
