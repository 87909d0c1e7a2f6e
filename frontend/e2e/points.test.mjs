// 积分明细 and 亮分公示 on a phone: member1 opens the points detail from home and finds the months
// and a running total that ends at the year's score on home, and switches the ranking to the
// year so far; reviewer1 downloads the month's ranking as XLSX and opens the print view.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  phoneContext,
  screenshot,
  signIn,
  YEAR,
} from './helpers.mjs'

/** The element of a data-test name (this app's test hook), within a page or a locator. */
const tid = (scope, name) => scope.locator(`[data-test="${name}"]`)

describe('积分明细 and the ranking for the notice board', () => {
  let browser
  let member
  let ledger

  before(async () => {
    browser = await launch()
    const token = (await apiLogin('member1')).access_token
    member = (await api('/me', { token })).body.member
    ledger = (await api(`/members/${member.id}/ledger?year=${YEAR}&order=desc&page_size=200`, { token })).body
    assert.ok(ledger.total > 0, 'member1 has points this year in the demo data')
  })

  after(async () => {
    await browser?.close()
  })

  test('member1 opens 积分明细 from home: months, and the running total ends at the year on home', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    try {
      await signIn(page, 'member1')
      const score = (await tid(page, 'home-score').textContent()).trim()
      const link = tid(page, 'home-points-detail')
      const box = await link.boundingBox()
      assert.ok(box.height >= 44, `the link is a tap target of 44 px (${box.height})`)
      await tid(page, 'home-points-detail').click()
      await page.waitForURL((url) => url.pathname === '/points')
      await page.getByRole('heading', { level: 1, name: '积分明细' }).waitFor()

      const total = tid(page, 'points-year-total')
      await total.waitFor()
      assert.equal((await total.textContent()).trim(), score, 'the year total is the score shown on home')
      // Newest first: the first row's running total is the year's score.
      const firstRunning = tid(page, 'points-row-running').first()
      assert.equal((await firstRunning.textContent()).trim(), `累计 ${score}`)

      const months = page.locator('.month-group')
      const periods = await months.evaluateAll((els) => els.map((el) => el.dataset.period))
      const expected = [...new Set(ledger.items.map((r) => r.period))].slice(0, periods.length)
      assert.ok(periods.length >= 2, `several months are shown (${periods.join(', ')})`)
      assert.deepEqual(periods, expected, 'months newest first')
      const head = tid(months.first(), 'points-month-sum')
      assert.match(await head.textContent(), /本月 [+−]?[\d.]+/)
      assert.match(await head.textContent(), /月末累计 [\d.]+/)
      // Each row: a date, the item, a source tag, signed points.
      const row = months.first().locator('.ledger__row').first()
      assert.match(await row.locator('.ledger__date').textContent(), /\d{4}年\d{1,2}月\d{1,2}日/)
      assert.ok((await row.locator('.source-tag').textContent()).trim().length > 0)
      assert.match((await tid(row, 'points-row-points').textContent()).trim(), /^([+−][\d.]+|0)$/)
      await screenshot(page, 'points-detail.png')

      await tid(page, 'points-tab-attendance').click()
      const attendance = tid(page, 'points-attendance')
      await attendance.getByText(/支部记录的组织生活共 \d+ 次/).waitFor()
      await assertFitsSmallPhone(page, '积分明细')
      await assertAccessible(page, '积分明细')
    } finally {
      await context.close()
    }
  })

  test('member1 switches the ranking to the year so far', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    try {
      await signIn(page, 'member1')
      await page.goto('/ranking')
      await page.locator('[data-test="ranking-table"][data-mode="month"]').waitFor()
      const yearly = page.waitForResponse((r) => r.url().includes(`/ranking?year=${YEAR}`))
      await tid(page, 'ranking-mode-year').click()
      assert.equal((await yearly).status(), 200)
      await page.locator('[data-test="ranking-table"][data-mode="year"]').waitFor()
      assert.match(await tid(page, 'ranking-year-scope').textContent(), new RegExp(`${YEAR}年已审核锁定的`))
      assert.equal(await tid(page, 'ranking-print').count(), 0, 'members have no print button')
      assert.match(await tid(page, 'ranking-mine').textContent(), /我的名次：第 \d+ 名/)
      await assertFitsSmallPhone(page, '年度亮分')
      await assertAccessible(page, '年度亮分')
    } finally {
      await context.close()
    }
  })

  test('reviewer1 downloads the month as XLSX and opens the print view', async () => {
    const context = await phoneContext(browser, { acceptDownloads: true })
    const page = await context.newPage()
    try {
      await signIn(page, 'reviewer1')
      await page.goto('/ranking')
      await page.locator('[data-test="ranking-table"][data-mode="month"]').waitFor()
      const month = new URL(page.url()).searchParams.get('month')
      assert.match(month, /^\d{4}-\d{2}$/)

      const answer = page.waitForResponse((r) => r.url().includes(`/months/${month}/ranking.xlsx`))
      const download = page.waitForEvent('download')
      await tid(page, 'ranking-xlsx').click()
      const response = await answer
      assert.equal(response.status(), 200)
      const headers = response.headers()
      assert.equal(headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      assert.match(headers['content-disposition'], new RegExp(`^attachment; filename="ranking-\\d+-${month}\\.xlsx"`))
      const saved = await download
      assert.match(saved.suggestedFilename(), new RegExp(`-${month}-亮分\\.xlsx$`))
      const bytes = await readFile(await saved.path())
      assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX file is a zip archive')
      assert.ok(bytes.length > 2000)

      await page.evaluate(() => {
        window.__printed = 0
        window.print = () => {
          window.__printed += 1
        }
      })
      await tid(page, 'ranking-print').click()
      assert.equal(await page.evaluate(() => window.__printed), 1)
      await page.emulateMedia({ media: 'print' })
      const head = tid(page, 'ranking-print-head')
      await head.waitFor({ state: 'visible' })
      assert.match(await head.textContent(), /青山社区党支部\d{4}年\d{1,2}月党员积分亮分公示/)
      assert.match(await head.textContent(), /审核锁定：/)
      assert.equal(await page.locator('.page-header').isVisible(), false, 'no app bar on paper')
      assert.equal(await tid(page, 'ranking-xlsx').isVisible(), false, 'no buttons on paper')
      assert.ok((await page.locator('[data-test="ranking-table"] tbody tr').count()) >= 2)
      await screenshot(page, 'ranking-print.png')
      await page.emulateMedia({ media: 'screen' })
      assert.equal(await head.isVisible(), false, 'the notice heading is for paper only')
    } finally {
      await context.close()
    }
  })
})
