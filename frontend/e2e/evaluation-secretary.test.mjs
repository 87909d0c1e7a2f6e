// The quarterly evaluation (群众评议) as a branch secretary runs it on a phone: secretary2 goes
// from the branch page to 群众评议, opens a round for this quarter (街道机关党支部 has none in
// the demo), issues 3 codes and downloads the PDF sheet, sees the progress (codes issued, the
// fellow members' ballots after 刷新进度, who is still rated by too few), closes the round after
// confirming and reads the results. The org admin then reaches the branch's rounds too.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  ok,
  phoneContext,
  screenshot,
  signIn,
  TODAY,
  YEAR,
  useBranch,
} from './helpers.mjs'
import { QUARTER, plusDays } from './evaluation-helpers.mjs'

const BRANCH = '街道机关党支部'
const LABEL = `${YEAR}年第${QUARTER}季度`
const tid = (page, id) => page.locator(`[data-test="${id}"]`)
const nav = (page) => page.getByRole('navigation', { name: '主导航' })
/** Wait for the dialog's fade-in to end: axe reads colours half faded in as too pale. */
const settled = (page) =>
  page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
/** Wait for Vant's toasts (进度已刷新, 评议已结束) to go, so that screenshots show the page. */
const noToast = (page) =>
  page.waitForFunction(() =>
    [...document.querySelectorAll('.van-toast')].every((el) => getComputedStyle(el).display === 'none'),
  )

describe('the secretary runs a quarterly evaluation on a phone', () => {
  let browser
  let context
  let page
  let secretary
  let branchId
  let roundId

  before(async () => {
    const token = (await apiLogin('secretary2')).access_token
    const me = ok(await api('/me', { token }), 'me')
    secretary = { token, me }
    branchId = me.member.branch_id
    assert.equal(me.member.branch_name, BRANCH)
    const rounds = ok(await api(`/branches/${branchId}/evaluation-rounds`, { token }), 'rounds')
    assert.ok(
      !rounds.items.some((r) => r.year === YEAR && r.quarter === QUARTER),
      `${BRANCH} must start without a round for ${LABEL} (the demo gives it none)`,
    )
    browser = await launch()
    context = await phoneContext(browser, { acceptDownloads: true })
    page = await context.newPage()
  })

  after(async () => {
    await browser?.close()
  })

  test('secretary2 goes from the branch page to 群众评议', async () => {
    await signIn(page, 'secretary2')
    await nav(page).getByRole('link', { name: '支部' }).click()
    await page.waitForURL((url) => url.pathname === '/branch')
    const entry = tid(page, 'month-evaluation')
    await entry.waitFor()
    assert.match(await entry.textContent(), /群众评议/)
    await entry.click()
    await page.waitForURL((url) => url.pathname === '/evaluation/rounds')
    assert.equal(new URL(page.url()).searchParams.get('branch'), String(branchId))
    await page.getByRole('heading', { name: '群众评议', level: 1 }).waitFor()
    // Earlier rounds are listed (the demo's), or the empty state says what a round is.
    await page.locator('[data-test="round-list"], [data-test="rounds-empty"]').first().waitFor()
    await screenshot(page, 'evaluation-rounds.png')
    await assertFitsSmallPhone(page, 'rounds')
    await assertAccessible(page, 'rounds')
  })

  test('opens a round for the current quarter, today to two weeks on by default', async () => {
    await page.getByRole('link', { name: '开启评议' }).click()
    await page.waitForURL((url) => url.pathname === '/evaluation/rounds/new')
    await page.getByRole('heading', { name: '开启评议', level: 1 }).waitFor()
    const year = page.getByLabel('年度', { exact: true })
    const quarter = page.getByLabel('季度', { exact: true })
    assert.equal(await year.inputValue(), String(YEAR))
    assert.equal(await quarter.inputValue(), String(QUARTER))
    assert.equal(await page.getByLabel('开始日期', { exact: true }).getAttribute('data-value'), TODAY)
    assert.equal(await page.getByLabel('截止日期', { exact: true }).getAttribute('data-value'), plusDays(14))
    await screenshot(page, 'evaluation-round-new.png')
    await assertFitsSmallPhone(page, 'new round')
    await assertAccessible(page, 'new round')

    await page.getByRole('button', { name: '开启评议' }).click()
    await page.waitForURL((url) => /^\/evaluation\/rounds\/\d+$/.test(url.pathname))
    roundId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByRole('heading', { name: LABEL }).waitFor()
    assert.equal(await tid(page, 'round-phase').getAttribute('data-phase'), 'open')
    assert.equal((await tid(page, 'round-phase').textContent()).trim(), '进行中')
    assert.equal((await tid(page, 'codes-issued').locator('dd').textContent()).trim(), '0')

    const round = ok(await api(`/evaluation-rounds/${roundId}`, { token: secretary.token }), 'round')
    assert.equal(round.year, YEAR)
    assert.equal(round.quarter, QUARTER)
    assert.equal(round.opens_on, TODAY)
    assert.equal(round.closes_on, plusDays(14))
  })

  test('a second round for the quarter is refused with a message by the quarter', async () => {
    await page.goto(`/evaluation/rounds/new?branch=${branchId}`)
    await page.getByRole('heading', { name: '开启评议', level: 1 }).waitFor()
    await page.getByLabel('季度', { exact: true }).selectOption(String(QUARTER))
    await page.getByLabel('年度', { exact: true }).selectOption(String(YEAR))
    await page.getByRole('button', { name: '开启评议' }).click()
    const error = tid(page, 'round-quarter-error')
    await error.waitFor()
    assert.equal((await error.textContent()).trim(), '本季度已经有评议轮次')
    assert.equal(new URL(page.url()).pathname, '/evaluation/rounds/new')
    await page.goto(`/evaluation/rounds/${roundId}`)
    await page.getByRole('heading', { name: LABEL }).waitFor()
  })

  test('issues 3 codes: the PDF sheet downloads and the progress counts them', async () => {
    await tid(page, 'codes-once').getByText('只在下载时出现这一次').waitFor()
    const count = page.getByLabel('数量', { exact: true })
    await count.fill('3')
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: '生成并下载评议码' }).click()
    const saved = await download
    assert.match(saved.suggestedFilename(), new RegExp(`^评议码-${LABEL}-第.+\\.pdf$`))
    const bytes = await readFile(await saved.path())
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the sheet is a PDF')
    await tid(page, 'codes-done').getByText('请打印后发给群众').waitFor()
    await page.waitForFunction(
      () => document.querySelector('[data-test="codes-issued"] dd')?.textContent?.trim() === '3',
    )
    assert.equal((await tid(page, 'codes-spent').locator('dd').textContent()).trim(), '0')
  })

  test('the fellow members’ ballots show after 刷新进度, with who is still rated by too few', async () => {
    // Three members with accounts rate the others (through the API, as the peer screen would).
    const voters = ['secretary2', 'reviewer2', 'member2']
    for (const [i, username] of voters.entries()) {
      const token = (await apiLogin(username)).access_token
      const form = ok(await api(`/evaluation-rounds/${roundId}/ballot`, { token }), `${username}'s ballot form`)
      const ratings = form.members.map((m, j) => ({
        member_id: m.id,
        rating: (i + j) % 5 === 0 ? 'fair' : 'good',
        ...(i === 0 && j === 0 ? { comment: '工作认真，带头作用明显' } : {}),
      }))
      ok(
        await api(`/evaluation-rounds/${roundId}/ballot`, { method: 'POST', token, json: { ratings } }),
        `${username}'s ballot`,
      )
    }
    await page.getByRole('button', { name: '刷新进度' }).click()
    await page.waitForFunction(
      () => /^3 \/ \d+$/.test(document.querySelector('[data-test="peer-ballots"] dd')?.textContent?.trim() ?? ''),
    )
    // The voters rated everyone but themselves: each has 2 ratings, under the minimum of 3.
    const under = tid(page, 'under-min')
    await under.waitFor()
    const names = (await under.locator('li').allTextContents()).join(' ')
    assert.match(names, /孙明华/)
    assert.match(names, /已有 2 人评价/)
    assert.match(await tid(page, 'under-min-title').textContent(), /评价不足 3 人的党员/)
    await page.evaluate(() => window.scrollTo(0, 0))
    await noToast(page)
    await screenshot(page, 'evaluation-round.png')
    await assertFitsSmallPhone(page, 'round')
    await assertAccessible(page, 'round')
  })

  test('结束评议 asks first; cancelling changes nothing, confirming closes the round', async () => {
    await page.getByRole('button', { name: '结束评议' }).click()
    let dialog = page.getByRole('dialog', { name: '结束评议' })
    await dialog.waitFor()
    await dialog.getByText('结束后不能恢复').waitFor()
    await dialog.getByText('还有 3 个评议码没有使用').waitFor()
    await settled(page)
    await assertAccessible(page, 'close dialog')
    await dialog.getByRole('button', { name: '取消' }).click()
    await dialog.waitFor({ state: 'hidden' })
    assert.equal(await tid(page, 'round-phase').getAttribute('data-phase'), 'open')

    await page.getByRole('button', { name: '结束评议' }).click()
    dialog = page.getByRole('dialog', { name: '结束评议' })
    await dialog.getByRole('button', { name: '确认结束' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.waitForFunction(
      () => document.querySelector('[data-test="round-phase"]')?.getAttribute('data-phase') === 'closed',
    )
    assert.equal((await tid(page, 'round-phase').textContent()).trim(), '已结束')
    // Nothing changes a closed round: no codes, no dates, no second close.
    assert.equal(await page.getByRole('button', { name: '生成并下载评议码' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: '修改时间' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: '结束评议' }).count(), 0)
    const round = ok(await api(`/evaluation-rounds/${roundId}`, { token: secretary.token }), 'round')
    assert.equal(round.status, 'closed')
  })

  test('the results: rates, 不足 3 人评价, and comments only under the member they are about', async () => {
    await page.getByRole('link', { name: '查看评议结果' }).click()
    await page.waitForURL((url) => url.pathname === `/evaluation/rounds/${roundId}/results`)
    await page.getByRole('heading', { name: '评议结果', level: 1 }).waitFor()
    await tid(page, 'results-ballots').getByText('共收到 3 份评议').waitFor()
    const results = ok(await api(`/evaluation-rounds/${roundId}/results`, { token: secretary.token }), 'results')

    const rows = tid(page, 'member-results').locator('li')
    assert.equal(await rows.count(), results.members.length)
    for (const m of results.members) {
      const row = tid(page, 'member-results').locator(`li[data-member="${m.member.id}"]`)
      assert.match(await row.textContent(), new RegExp(m.member.name))
      assert.equal((await row.locator('[data-rating="good"] dd').textContent()).trim(), String(m.good))
      assert.equal((await row.locator('[data-rating="fair"] dd').textContent()).trim(), String(m.fair))
      if (m.qualifies) {
        const percent = `${Math.round(Number(m.rate) * 1000) / 10}%`
        assert.match(await row.locator('[data-test="member-rate"]').textContent(), new RegExp(percent.replace('.', '\\.')))
      } else {
        assert.equal((await row.locator('[data-test="member-not-qualified"]').textContent()).trim(), '不足 3 人评价')
      }
    }
    assert.ok(results.members.some((m) => m.qualifies) && results.members.some((m) => !m.qualifies))

    const comments = tid(page, 'results-comments')
    await comments.getByText('工作认真，带头作用明显').waitFor()
    const about = results.comments.find((c) => c.comment === '工作认真，带头作用明显').member
    const group = comments.locator(`[data-member="${about.id}"]`)
    assert.match(await group.textContent(), new RegExp(`关于${about.name}[\\s\\S]*工作认真，带头作用明显`))
    // The comment's writer (secretary2, who wrote it) is named nowhere near it.
    if (about.id !== secretary.me.member.id) {
      assert.doesNotMatch(await group.textContent(), new RegExp(secretary.me.member.name))
    }
    await noToast(page)
    await screenshot(page, 'evaluation-results.png')
    await assertFitsSmallPhone(page, 'results')
    await assertAccessible(page, 'results')
  })

  test('the org admin reaches the branch’s rounds from the branch page', async () => {
    const adminContext = await phoneContext(browser)
    const admin = await adminContext.newPage()
    try {
      await signIn(admin, 'admin')
      await admin.goto('/branch')
      await useBranch(admin, BRANCH)
      await tid(admin, 'month-evaluation').click()
      await admin.waitForURL((url) => url.pathname === '/evaluation/rounds')
      assert.equal(new URL(admin.url()).searchParams.get('branch'), String(branchId))
      const row = tid(admin, 'round-list').locator(`li[data-round="${roundId}"]`)
      await row.waitFor()
      assert.match(await row.textContent(), new RegExp(`${LABEL}[\\s\\S]*已结束`))
      await row.getByRole('link').click()
      await admin.waitForURL((url) => url.pathname === `/evaluation/rounds/${roundId}`)
      await tid(admin, 'round-results-link').waitFor()
    } finally {
      await adminContext.close()
    }
  })
})
