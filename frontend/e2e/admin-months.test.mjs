// 各支部月度锁定, on a small phone and a desktop: the org admin sees which branches closed which
// months, opens a closed month of a branch, records an adjustment with a reason and reopens the
// month with a reason. Each viewport works in a branch of this run's own (a closed month, one
// member), so the demo branches' months stay as other tests expect them.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  baseUrl,
  launch,
  ok,
  PERIOD,
  phoneContext,
  RUN,
  runBranch,
  screenshot,
  signIn,
  SMALL_PHONE,
} from './helpers.mjs'

/** The month before this one: closed (early, with a reason, if its deadline is still ahead). */
const [y, m] = PERIOD.split('-').map(Number)
const MONTH = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
const YEAR = Number(MONTH.slice(0, 4))
const MONTH_LABEL = `${YEAR}年${Number(MONTH.slice(5))}月`
const DEMO_BRANCHES = ['青山社区党支部', '街道机关党支部', '青山商圈联合党支部']

describe('an org admin oversees the branches’ months', () => {
  let browser
  let token
  let demoBranches

  /** A branch of this run with one member and last month closed. */
  async function closedBranch(name, memberName) {
    const branch = await runBranch(token, name)
    const member = ok(
      await api('/members', {
        method: 'POST',
        token,
        json: {
          name: memberName,
          phone: `137${String(Date.now()).slice(-8)}`,
          branch_id: branch.id,
          category: 'institution',
          joined_on: '2015-07-01',
        },
      }),
      'member',
    )
    ok(
      await api(`/branches/${branch.id}/months/${MONTH}/close`, {
        method: 'POST',
        token,
        json: { reason: '组织部集中锁定（测试）' },
      }),
      'close',
    )
    return { branch, member }
  }

  before(async () => {
    token = (await apiLogin('admin')).access_token
    const orgs = ok(await api('/organisations?kind=branch', { token }), 'branches').items
    demoBranches = orgs.filter((o) => DEMO_BRANCHES.includes(o.name))
    assert.equal(demoBranches.length, DEMO_BRANCHES.length)
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  /** Adjust the member's points in the open sheet, then reopen the month; checked through the API. */
  async function adjustAndReopen(page, { branch, member }, label) {
    const sheet = page.locator('[data-test="month-sheet"]')
    await sheet.locator('[data-test="month-sheet-status"]').getByText('已锁定').waitFor()

    // The adjustment: refused without a reason, then recorded and shown.
    const form = sheet.locator('[data-test="adjust-form"]')
    await form.getByLabel('党员', { exact: true }).fill(member.name.slice(0, 2))
    await form.locator(`[data-member="${member.id}"]`).click()
    await form.locator('[data-test="adjust-member-chosen"]').getByText(member.name).waitFor()
    const items = form.locator('[data-test="adjust-item"] option:not([disabled])')
    await items.first().waitFor({ state: 'attached' })
    const itemValue = await items.first().getAttribute('value')
    await form.getByLabel('积分项目').selectOption(itemValue)
    await form.getByLabel('调整分值').fill('-1.5')
    await form.getByRole('button', { name: '确认调整' }).click()
    await form.getByText('请填写调整原因').waitFor()
    await form.getByLabel('调整原因').fill(`核实后扣减（${RUN}）`)
    await form.getByRole('button', { name: '确认调整' }).click()
    const confirm = page.getByRole('dialog').filter({ hasText: '确认调整积分' })
    await confirm.getByText(`为 ${member.name} 调整 -1.5 分`, { exact: false }).waitFor()
    await confirm.getByRole('button', { name: '确认调整' }).click()
    await form.locator('[data-test="adjust-result"]').getByText(`已记录：${member.name} -1.5 分`).waitFor()
    await page.waitForTimeout(400) // the confirmation's fade-out
    await screenshot(page, `admin-months-${label}-adjusted.png`)
    const entries = ok(await api(`/branches/${branch.id}/entries?month=${MONTH}`, { token }), 'entries')
    assert.equal(entries.total, 1)
    assert.equal(entries.items[0].kind, 'adjustment')
    assert.equal(entries.items[0].points_each, '-1.5')
    assert.equal(entries.items[0].reason, `核实后扣减（${RUN}）`)

    // Reopening: the reason is asked for, then the month is open again.
    await sheet.getByRole('button', { name: '重新开放本月' }).click()
    const dialog = page.getByRole('dialog', { name: `重新开放 ${MONTH_LABEL}` })
    await dialog.getByRole('button', { name: '确认重新开放' }).click()
    await dialog.getByText('请填写原因').waitFor()
    await dialog.getByLabel('开放原因').fill(`补录漏记的党课学习（${RUN}）`)
    await screenshot(page, `admin-months-${label}-reopen.png`)
    await dialog.getByRole('button', { name: '确认重新开放' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await sheet.locator('[data-test="month-sheet-status"]').getByText('申报中').waitFor()
    await sheet.locator('[data-test="month-sheet-reopened"]').getByText(`补录漏记的党课学习（${RUN}）`).waitFor()
    const month = ok(await api(`/branches/${branch.id}/months/${MONTH}`, { token }), 'month')
    assert.equal(month.status, 'open')
    assert.equal(month.reopen_reason, `补录漏记的党课学习（${RUN}）`)
  }

  test('on a small phone: one month’s branches, the not-closed filter, adjust and reopen', async () => {
    const mine = await closedBranch(`月度锁定测试手机支部${RUN}`, `测试党员甲${RUN.slice(-3)}`)
    const page = await (await phoneContext(browser, { viewport: SMALL_PHONE })).newPage()
    await signIn(page, 'admin')
    await page.goto(`/admin/months?year=${YEAR}&month=${MONTH}`)
    const list = page.locator('[data-test="months-list"]')
    await list.waitFor()
    await page.locator('[data-test="months-summary"]').getByText(`${MONTH_LABEL}：已锁定`).waitFor()
    for (const b of demoBranches) await list.getByText(b.name, { exact: true }).waitFor()
    const row = list.locator(`[data-test="row-${mine.branch.id}"]`)
    assert.equal(await row.getAttribute('data-state'), 'locked')
    await screenshot(page, 'admin-months-phone.png')
    await assertFitsSmallPhone(page, 'months list')
    await assertAccessible(page, 'months list')

    // 只看未锁定: the run's branch, closed, leaves the list.
    await page.getByLabel('只看未锁定').click()
    await page.waitForURL((url) => url.searchParams.get('open') === '1')
    await row.waitFor({ state: 'detached' })
    await page.getByLabel('只看未锁定').click()
    await row.waitFor()

    await row.click()
    await page.locator('[data-test="month-sheet"]').getByText(`月度锁定测试手机支部${RUN} · ${MONTH_LABEL}`).waitFor()
    await assertFitsSmallPhone(page, 'month sheet')
    await assertAccessible(page, 'month sheet')
    await adjustAndReopen(page, mine, 'phone')
    await page.locator('[data-test="month-sheet"] [data-test="month-sheet-close"]').click()
    await row.and(page.locator('[data-state="due"], [data-state="open"]')).waitFor()
  })

  test('on a desktop: the branches × months grid, a demo branch’s closed month, adjust and reopen', async () => {
    const mine = await closedBranch(`月度锁定测试桌面支部${RUN}`, `测试党员乙${RUN.slice(-3)}`)
    const context = await browser.newContext({
      baseURL: baseUrl(),
      viewport: { width: 1280, height: 800 },
      locale: 'zh-CN',
      serviceWorkers: 'block',
    })
    const page = await context.newPage()
    await signIn(page, 'admin')
    await page.goto(`/admin/months?year=${YEAR}`)
    const grid = page.locator('[data-test="months-grid"]')
    await grid.waitFor()
    assert.equal(await grid.locator('tbody tr').count(), await page.locator('tbody tr').count())
    const overview = ok(await api(`/organisations/${demoBranches[0].parent_id}/months?year=${YEAR}`, { token }), 'overview')
    assert.ok(overview.total >= demoBranches.length + 1)
    // Every row's cells say what the API says, in tree order.
    const rows = await grid.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.branch)))
    assert.deepEqual(rows, overview.items.map((b) => b.id))
    const closedDemo = overview.items.find((b) => demoBranches.some((d) => d.id === b.id) && b.months.some((x) => x.state === 'locked'))
    assert.ok(closedDemo, 'a demo branch with a closed month')
    const closedMonth = closedDemo.months.find((x) => x.state === 'locked')
    const cell = grid.locator(`[data-test="cell-${closedDemo.id}-${closedMonth.period}"]`)
    assert.equal(await cell.getAttribute('data-state'), 'locked')
    await screenshot(page, 'admin-months-desktop.png')
    await assertAccessible(page, 'months grid')

    // A demo branch's closed month: who closed it, and the way to its month page.
    await cell.click()
    const sheet = page.locator('[data-test="month-sheet"]')
    await sheet.locator('[data-test="month-sheet-status"]').getByText('已锁定').waitFor()
    await sheet.getByText(`${closedMonth.closed_by.name} 于`).waitFor()
    await sheet.locator('[data-test="adjust-form"] [data-member]').first().waitFor()
    await page.waitForTimeout(400) // the sheet's slide-in
    await screenshot(page, 'admin-months-desktop-sheet.png')
    await sheet.locator('[data-test="month-sheet-close"]').click()
    await sheet.waitFor({ state: 'hidden' })

    // The run's branch: adjust, reopen, then its month page.
    await grid.locator(`[data-test="cell-${mine.branch.id}-${MONTH}"]`).click()
    await adjustAndReopen(page, mine, 'desktop')
    await sheet.getByRole('button', { name: '打开支部月度页面' }).click()
    await page.waitForURL((url) => url.pathname === '/branch' && url.searchParams.get('month') === MONTH)
    await context.close()
  })
})
