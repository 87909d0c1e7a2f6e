// Phone conventions of the apps members know (学习强国, 灯塔-党建在线), at 390×844 and 360×640:
// every tap target at least 44×44 px; the tab bar on the tab pages only (sub-pages and forms have
// the screen and a back arrow); Vant's date picker instead of the browser's date input; the
// item picker's search for a meeting saying the branch records it; the search box's clear button
// in the theme; a one-time hint to add the app to the home screen. Only reads: nothing is saved.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  launch,
  PERIOD,
  PHONE,
  phoneContext,
  signIn,
  SMALL_PHONE,
  TODAY,
} from './helpers.mjs'

const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36'
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

/** Every visible control smaller than 44×44 CSS px, described so a failure reads as a list. */
function smallTargets(page) {
  return page.evaluate(() => {
    const controls =
      'button, a[href], summary, [role=button], [role=tab], [role=link], [role=checkbox], [role=radio], [role=switch]'
    const offenders = []
    for (const el of document.querySelectorAll(controls)) {
      if (el.closest('.visually-hidden, .skip-link, [aria-hidden="true"], [inert]')) continue
      const style = getComputedStyle(el)
      if (style.display === 'none' || style.visibility === 'hidden') continue
      const rect = el.getBoundingClientRect()
      if (rect.width === 0 || rect.height === 0) continue
      // Half a pixel of rounding (44 × a fractional zoom) is not a smaller target.
      if (rect.width < 43.5 || rect.height < 43.5) {
        const name = (el.getAttribute('aria-label') || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 20)
        const classes = [...el.classList].filter((c) => !c.startsWith('van-button--')).join('.')
        offenders.push(`${el.tagName.toLowerCase()}${classes ? `.${classes}` : ''} “${name}” ${Math.round(rect.width)}×${Math.round(rect.height)}`)
      }
    }
    return offenders
  })
}

/** No control under 44×44 px, on the phone and on a small phone. */
async function assertTapTargets(page, label) {
  const before = page.viewportSize()
  for (const size of [PHONE, SMALL_PHONE]) {
    await page.setViewportSize(size)
    await page.waitForTimeout(100)
    assert.deepEqual(await smallTargets(page), [], `${label} at ${size.width}×${size.height}: controls under 44×44 px`)
  }
  if (before) await page.setViewportSize(before)
}

const tabbar = (page) => page.getByRole('navigation', { name: '主导航' })

describe('phone conventions', () => {
  let browser

  before(async () => {
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  describe('member1', () => {
    let context
    let page

    before(async () => {
      context = await phoneContext(browser)
      page = await context.newPage()
      await signIn(page, 'member1')
    })

    after(async () => {
      await context?.close()
    })

    test('home: every tap target is 44×44 px or more, and the tab bar is there', async () => {
      await page.locator('[data-test="home-score"]').waitFor()
      await page.locator('[data-test="home-ranking"]').waitFor()
      await tabbar(page).waitFor()
      await assertTapTargets(page, 'member home')
    })

    test('my claims: the state chips are full tap targets', async () => {
      await tabbar(page).getByRole('link', { name: '申报' }).click()
      await page.waitForURL((url) => url.pathname === '/claims')
      await page.locator('.chip-group__chip').first().waitFor()
      await page.locator('[data-test^="claim-"]').first().waitFor()
      await tabbar(page).waitFor()
      await assertTapTargets(page, 'my claims')
    })

    test('a claim’s page has the screen to itself, with a back arrow instead of the tab bar', async () => {
      await page.locator('[data-test^="claim-"]').first().click()
      await page.waitForURL((url) => /^\/claims\/\d+$/.test(url.pathname))
      await page.getByRole('button', { name: '返回' }).waitFor()
      assert.equal(await tabbar(page).count(), 0, 'no tab bar on a claim’s page')
      await page.getByRole('button', { name: '返回' }).click()
      await page.waitForURL((url) => url.pathname === '/claims')
      await tabbar(page).waitFor()
    })

    test('the claim form: no tab bar, a back arrow, and 44 px targets (stepper included)', async () => {
      await page.goto('/claims/new')
      await page.locator('[data-test="claim-form"]').waitFor()
      await page.getByRole('button', { name: '返回' }).waitFor()
      assert.equal(await tabbar(page).count(), 0, 'no tab bar on the claim form')
      // An item, so the quantity stepper is on the form.
      await page.locator('[data-test="item-trigger"]').click()
      const picker = page.getByRole('dialog', { name: '选择积分项目' })
      await picker.locator('[data-code]').first().click()
      await picker.waitFor({ state: 'hidden' })
      await page.getByRole('button', { name: '增加次数' }).waitFor()
      await assertTapTargets(page, 'claim form')
    })

    test('the date is chosen with Vant’s date picker, not the browser’s date input', async () => {
      assert.equal(await page.locator('input[type="date"]').count(), 0, 'no native date input')
      const field = page.getByLabel('发生日期', { exact: true })
      assert.equal(await field.getAttribute('data-value'), TODAY)
      const [y, m, d] = TODAY.split('-').map(Number)
      assert.match(await field.textContent(), new RegExp(`${y}年${m}月${d}日`))

      await field.click()
      const dialog = page.getByRole('dialog', { name: '选择发生日期' })
      await dialog.waitFor()
      const columns = dialog.locator('.van-picker-column')
      assert.equal(await columns.count(), 3)
      // The day before today (or, on the 1st, the month before), a tap away from today.
      let expected
      if (d > 1) {
        await columns.nth(2).getByRole('button', { name: `${d - 1}日`, exact: true }).click()
        expected = `${PERIOD}-${String(d - 1).padStart(2, '0')}`
      } else {
        const previous = new Date(Date.UTC(y, m - 2, 1))
        await columns.nth(1).getByRole('button', { name: `${previous.getUTCMonth() + 1}月`, exact: true }).click()
        expected = previous.toISOString().slice(0, 10)
      }
      // Nothing after today is offered.
      assert.equal(await columns.nth(2).getByRole('button', { name: `${d + 1}日`, exact: true }).count(), 0)
      await page.waitForTimeout(400)
      await assertTapTargets(page, 'date picker')
      await dialog.getByRole('button', { name: '确认' }).click()
      await dialog.waitFor({ state: 'hidden' })
      assert.equal(await field.getAttribute('data-value'), expected)
      const [ey, em, ed] = expected.split('-').map(Number)
      assert.match(await field.textContent(), new RegExp(`${ey}年${em}月${ed}日`))
    })

    test('searching the item picker for “会议” says meetings are recorded by the branch', async () => {
      await page.locator('[data-test="item-trigger"]').click()
      const picker = page.getByRole('dialog', { name: '选择积分项目' })
      await picker.waitFor()
      const search = picker.getByLabel('搜索积分项目')
      await search.fill('会议')
      const notice = picker.locator('[data-test="picker-branch-recorded"]')
      await notice.waitFor()
      await notice.getByText('会议、党课等由支部统一记分').waitFor()
      await notice.getByText('不需要个人申报').waitFor()
      await notice.locator('[data-code="D01"]').getByText('由支部记分').waitFor()
      assert.equal(await picker.getByText('没有找到').count(), 0, 'not “nothing found”')

      // The search box's clear button: the theme's red, a full tap target, and it clears.
      const clear = picker.getByRole('button', { name: '清除搜索' })
      const look = await clear.evaluate((el) => {
        const rect = el.getBoundingClientRect()
        return { color: getComputedStyle(el).color, width: rect.width, height: rect.height }
      })
      assert.equal(look.color, 'rgb(200, 22, 29)', 'the clear button is in the theme’s red')
      assert.ok(Math.round(look.width) >= 44 && Math.round(look.height) >= 44, `clear button ${look.width}×${look.height}`)
      await clear.click()
      assert.equal(await search.inputValue(), '')
      await picker.getByRole('button', { name: '关闭' }).click()
      await picker.waitFor({ state: 'hidden' })
    })

    test('the language switch on the me page is a full tap target', async () => {
      await page.goto('/me')
      await page.getByRole('group', { name: '语言' }).waitFor()
      await tabbar(page).waitFor()
      await assertTapTargets(page, 'me')
    })
  })

  describe('reviewer1', () => {
    let context
    let page

    before(async () => {
      context = await phoneContext(browser)
      page = await context.newPage()
      await signIn(page, 'reviewer1')
    })

    after(async () => {
      await context?.close()
    })

    test('home and the review queue, rows and select mode included, have 44 px targets', async () => {
      await tabbar(page).waitFor()
      await assertTapTargets(page, 'reviewer home')
      await tabbar(page).getByRole('link', { name: '审核' }).click()
      await page.waitForURL((url) => url.pathname === '/review')
      await page.locator('[data-test^="approve-"]').first().waitFor()
      await assertTapTargets(page, 'review queue')
      await page.locator('[data-test="select-mode"]').click()
      await page.locator('[data-test="bulk-bar"]').waitFor()
      await assertTapTargets(page, 'review queue in select mode')
      await page.locator('[data-test="select-mode"]').click()
    })

    test('a claim under review has the screen to itself', async () => {
      await page.locator('.claim-row__link').first().click()
      await page.waitForURL((url) => /^\/review\/\d+$/.test(url.pathname))
      await page.getByRole('button', { name: '返回' }).waitFor()
      assert.equal(await tabbar(page).count(), 0, 'no tab bar on a claim under review')
    })
  })

  describe('secretary1', () => {
    let context
    let page

    before(async () => {
      context = await phoneContext(browser)
      page = await context.newPage()
      await signIn(page, 'secretary1')
    })

    after(async () => {
      await context?.close()
    })

    test('the branch month page has 44 px targets (去审核 and 支部记分 included)', async () => {
      await tabbar(page).getByRole('link', { name: '支部' }).click()
      await page.waitForURL((url) => url.pathname === '/branch')
      await page.locator('[data-test="month-close"]').waitFor()
      await page.getByRole('link', { name: '支部记分' }).waitFor()
      // The demo month has claims waiting in 青山, so the month cannot be closed yet.
      await page.locator('[data-test="go-review"]').waitFor()
      await assertTapTargets(page, 'branch month')
    })

    test('the entry form: no tab bar, its action bar at the bottom, the date from the picker', async () => {
      await page.getByRole('link', { name: '支部记分' }).click()
      await page.waitForURL((url) => url.pathname === '/branch/entries/new')
      await page.getByRole('button', { name: '返回' }).waitFor()
      assert.equal(await tabbar(page).count(), 0, 'no tab bar on the entry form')
      const bar = page.locator('.vp-action-bar')
      await bar.waitFor()
      const gap = await bar.evaluate((el) => window.innerHeight - el.getBoundingClientRect().bottom)
      assert.ok(gap < 1, `the action bar sits at the bottom (${gap}px above it)`)
      const field = page.getByLabel('日期', { exact: true })
      await field.click()
      const dialog = page.getByRole('dialog', { name: '选择日期' })
      await dialog.waitFor()
      await dialog.getByRole('button', { name: '取消' }).click()
      await dialog.waitFor({ state: 'hidden' })
      assert.equal(await field.getAttribute('data-value'), TODAY)
    })
  })

  // The hint is per device (browser context), not per user.
  describe('the hint to add the app to the home screen', () => {
    test('Android: shown on home once, dismissed for good', async () => {
      const context = await phoneContext(browser, { userAgent: ANDROID_UA })
      const page = await context.newPage()
      try {
        await signIn(page, 'member3')
        const hint = page.locator('[data-test="install-hint"]')
        await hint.waitFor()
        await hint.getByText('添加到主屏幕').waitFor()
        await assertTapTargets(page, 'home with the install hint')
        // Not on other pages.
        await tabbar(page).getByRole('link', { name: '我的' }).click()
        await page.waitForURL((url) => url.pathname === '/me')
        assert.equal(await hint.count(), 0)
        await tabbar(page).getByRole('link', { name: '首页' }).click()
        await hint.waitFor()
        await hint.getByRole('button', { name: '不再提示' }).click()
        await hint.waitFor({ state: 'detached' })
        assert.equal(await page.evaluate(() => localStorage.getItem('vanguard.installHint')), 'dismissed')
        await page.reload()
        await page.locator('[data-test="home-score"]').waitFor()
        await tabbar(page).waitFor()
        await page.waitForTimeout(500)
        assert.equal(await hint.count(), 0, 'the hint stays dismissed after reloading')
      } finally {
        await context.close()
      }
    })

    test('iPhone Safari: the steps are 分享 → 添加到主屏幕', async () => {
      const context = await phoneContext(browser, { userAgent: IPHONE_UA })
      const page = await context.newPage()
      try {
        await signIn(page, 'member3')
        const steps = page.locator('[data-test="install-steps"]')
        await steps.waitFor()
        assert.match(await steps.textContent(), /分享.*添加到主屏幕/)
      } finally {
        await context.close()
      }
    })

    test('a computer’s browser without an install prompt gets no hint', async () => {
      const context = await phoneContext(browser)
      const page = await context.newPage()
      try {
        await signIn(page, 'member3')
        await page.locator('[data-test="home-score"]').waitFor()
        await tabbar(page).waitFor()
        await page.waitForTimeout(500)
        assert.equal(await page.locator('[data-test="install-hint"]').count(), 0)
      } finally {
        await context.close()
      }
    })
  })
})
