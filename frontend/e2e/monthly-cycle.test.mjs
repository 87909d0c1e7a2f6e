// The whole month in one story, on phones: member2 files a claim with a photo and sees it
// pending; reviewer2 approves the branch's queue with 全选 and 批量通过; member2 sees the
// claim approved and the month's approved points move. (街道机关党支部: no other browser
// test works in this branch, so the queue is this story's alone.)
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  launch,
  PERIOD,
  phoneContext,
  RUN,
  signIn,
  tenths,
  TODAY,
  YEAR,
} from './helpers.mjs'
import { pickDate } from './date-picker.mjs'

describe('a claim goes from a member’s phone through the branch’s bulk approval', () => {
  let browser
  let item
  let claimId
  let approvedBefore

  before(async () => {
    const token = (await apiLogin('member2')).access_token
    const me = (await api('/me', { token })).body
    const standard = await api(`/standards/in-force?organisation_id=${me.member.branch_id}&year=${YEAR}`, { token })
    const mine = await api(`/claims?member=${me.member.id}&page_size=200`, { token })
    const counted = mine.body.items.filter((c) => ['submitted', 'approved'].includes(c.status))
    const used = (i, period) =>
      counted
        .filter((c) => c.item.id === i.id && (!period || c.period === period))
        .reduce((sum, c) => sum + tenths(c.claimed_points), 0)
    item = ['C01', 'C06', 'M10', 'C02', 'C08', 'C09', 'M07']
      .map((code) => standard.body.items.find((i) => i.code === code))
      .find(
        (i) =>
          i &&
          (!i.categories || i.categories.includes(me.member.category)) &&
          (i.max_per_month === null || used(i, PERIOD) + tenths(i.points) <= tenths(i.max_per_month)) &&
          (i.max_per_year === null || used(i) + tenths(i.points) <= tenths(i.max_per_year)),
      )
    assert.ok(item, 'an item with evidence member2 can still claim')
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  test('member2 files a claim with a photo and sees it pending', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'member2')
    await page.locator('[data-test="home-approved"]').waitFor()
    approvedBefore = Number(await page.locator('[data-test="home-approved"]').textContent())

    await page.getByRole('button', { name: '申报积分' }).click()
    await page.waitForURL((url) => url.pathname === '/claims/new')
    await page.getByLabel('积分项目').click()
    const picker = page.getByRole('dialog', { name: '选择积分项目' })
    await picker.getByLabel('搜索积分项目').fill(item.title.slice(0, 4))
    await picker.locator(`[data-code="${item.code}"]`).click()
    await picker.waitFor({ state: 'hidden' })
    await pickDate(page, '发生日期', TODAY)
    await page.getByLabel('情况说明').fill(`参加机关“周末卫生日”志愿服务（${RUN}）`)
    const jpeg = await page.evaluate(() => {
      const canvas = document.createElement('canvas')
      canvas.width = 1200
      canvas.height = 900
      const ctx = canvas.getContext('2d')
      ctx.fillStyle = '#2a6f97'
      ctx.fillRect(0, 0, 1200, 900)
      ctx.fillStyle = '#fff'
      ctx.font = '80px sans-serif'
      ctx.fillText('志愿服务', 400, 450)
      return canvas.toDataURL('image/jpeg', 0.9).split(',')[1]
    })
    await page
      .locator('[data-test="evidence-gallery"] input[type=file]')
      .setInputFiles({ name: '现场.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpeg, 'base64') })
    await page.getByRole('list', { name: '待上传的佐证材料' }).getByRole('img').waitFor()
    await page.getByRole('button', { name: '提交申报' }).click()
    await page.waitForURL((url) => /^\/claims\/\d+$/.test(url.pathname))
    claimId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.locator('main [data-status="submitted"]').first().waitFor()
    // A claim's page has a back arrow instead of the tab bar: back home, then the 申报 tab.
    await page.getByRole('button', { name: '返回' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '申报' }).click()
    await page.locator(`[data-test="claim-${claimId}"]`).getByText('待审核').waitFor()
    await page.close()
  })

  test('reviewer2 approves the queue with 全选 and 批量通过', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'reviewer2')
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '审核' }).click()
    await page.waitForURL((url) => url.pathname === '/review')
    await page.locator(`article[data-claim="${claimId}"]`).waitFor()
    await page.getByRole('button', { name: '批量审核' }).click()
    await page.getByRole('checkbox', { name: '全选' }).click()
    await page.getByRole('button', { name: /^批量通过 \(\d+\)$/ }).click()
    await page.getByRole('dialog').filter({ hasText: '确认批量通过' }).getByRole('button', { name: '确认通过' }).click()
    await page.locator('[data-test="bulk-result"]').waitFor()
    const claim = await api(`/claims/${claimId}`, { token: (await apiLogin('member2')).access_token })
    assert.equal(claim.body.status, 'approved')
    await page.close()
  })

  test('member2 sees the claim approved and the month’s points moved', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'member2')
    await page.locator('[data-test="home-approved"]').waitFor()
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-test="home-approved"]')?.textContent) > before,
      approvedBefore,
    )
    const after = Number(await page.locator('[data-test="home-approved"]').textContent())
    // At least this claim's points (the bulk approval may have decided other claims of member2).
    assert.ok(tenths(after) - tenths(approvedBefore) >= tenths(item.points))
    await page.goto(`/claims/${claimId}`)
    await page.locator('main [data-status="approved"]').first().waitFor()
    await page.getByText('已通过').first().waitFor()
    await page.close()
  })
})
