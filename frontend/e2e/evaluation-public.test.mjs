// The public rating page a printed code opens (扫码评议), on a small phone with no sign-in:
// secretary1 issues two codes for 青山社区党支部's open round and the PDF's QR codes are decoded
// with a real decoder (zxing-cpp); the first URL opens the page, every member is rated (the
// confirm dialog first says who is left), the thank-you shows, and a reload says the code is used.
// The second code is typed by hand, in lower case with spaces, on /e with the text at 200 %.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  SMALL_PHONE,
  YEAR,
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  baseUrl,
  launch,
  ok,
  phoneContext,
  screenshot,
} from './helpers.mjs'
import { QUARTER, issueCodes, openRoundOf } from './evaluation-helpers.mjs'

const ROUND_LINE = `${YEAR}年第${QUARTER}季度群众评议`

/** The member cards on the page (one fieldset each). */
const cards = (page) => page.locator('fieldset.rating-row')

async function rate(card, label) {
  await card.getByText(label, { exact: true }).click()
  assert.equal(await card.getByRole('radio', { name: label, exact: true }).isChecked(), true)
}

describe('the public rating page (扫码评议) on a small phone', () => {
  let browser
  let round
  let urls

  before(async () => {
    browser = await launch()
    const token = (await apiLogin('secretary1')).access_token
    const me = ok(await api('/me', { token }), 'me')
    round = await openRoundOf(token, me.member.branch_id)
    urls = await issueCodes(token, round.id, 2)
  })

  after(async () => {
    await browser?.close()
  })

  test('the sheet of two codes carries two rating-page URLs on the server that issued them', () => {
    assert.equal(urls.length, 2, JSON.stringify(urls))
    for (const url of urls) {
      const parsed = new URL(url)
      assert.equal(parsed.origin, new URL(baseUrl()).origin)
      assert.match(parsed.pathname, /^\/e\/[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
    }
    assert.notEqual(urls[0], urls[1])
  })

  test('a scanned code: rate every member, confirm, thanks; a reload says the code is used', async () => {
    const context = await phoneContext(browser, { viewport: SMALL_PHONE })
    const page = await context.newPage()
    const calls = []
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname
      if (path.startsWith('/api/')) calls.push(path)
    })
    try {
      await page.goto(urls[0])
      const heading = page.getByRole('heading', { level: 1, name: round.branch.name })
      await heading.waitFor()
      assert.ok(page.url().includes('/e/'), `stays on the page, not sent to sign in: ${page.url()}`)
      await page.getByText(ROUND_LINE).waitFor()
      const total = await cards(page).count()
      assert.ok(total >= 3, `the branch's members are listed (${total})`)
      await page.getByText(`已评 0 / 共 ${total} 人`).waitFor()

      // Big choices: every one at least 44 px high, four per member.
      const heights = await page.locator('.rating-choice').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height))
      assert.equal(heights.length, total * 4)
      assert.ok(Math.min(...heights) >= 44, `choices are ≥ 44 px high: ${Math.min(...heights)}`)

      const first = cards(page).nth(0)
      await rate(first, '满意')
      await first.getByRole('button', { name: '写意见' }).click()
      const comment = first.getByRole('textbox')
      await comment.fill('为群众办事很热心')
      await rate(cards(page).nth(1), '基本满意')
      await page.getByText(`已评 2 / 共 ${total} 人`).waitFor()
      await page.evaluate(() => window.scrollTo(0, 0))
      await screenshot(page, 'evaluation-public-form.png')
      await assertAccessible(page, 'the rating form')
      await assertFitsSmallPhone(page, 'the rating form')

      // Changing one's mind on a member keeps one choice for them.
      await rate(cards(page).nth(1), '不满意')
      await rate(cards(page).nth(1), '基本满意')
      const choices = ['满意', '基本满意', '不满意', '不了解']
      for (let i = 2; i < total - 1; i += 1) await rate(cards(page).nth(i), choices[i % 4])
      await page.getByText(`已评 ${total - 1} / 共 ${total} 人`).waitFor()

      // One member left: the dialog says so; going back keeps everything chosen.
      await page.getByRole('button', { name: '提交评议' }).click()
      const dialog = page.getByRole('dialog', { name: '还有人未评价' })
      await dialog.waitFor()
      await dialog.getByText('还有 1 人未评价，将不计入评议，确定提交？').waitFor()
      await assertAccessible(page, 'the confirm dialog')
      await dialog.getByRole('button', { name: '返回继续评' }).click()
      await dialog.waitFor({ state: 'hidden' })
      await rate(cards(page).nth(total - 1), '满意')
      await page.getByText(`已评 ${total} / 共 ${total} 人`).waitFor()

      // All rated: submitted without a question.
      await page.getByRole('button', { name: '提交评议' }).click()
      await page.getByRole('heading', { level: 1, name: '感谢您的评议！' }).waitFor()
      await page.getByText(`共评价 ${total} 人`).waitFor()
      await screenshot(page, 'evaluation-public-done.png')
      await assertAccessible(page, 'the thank-you')
      await assertFitsSmallPhone(page, 'the thank-you')

      // The code is spent: opening it again says so, on the page.
      await page.reload()
      await page.getByRole('heading', { level: 1, name: '这个评议码已经用过了' }).waitFor()
      await page.getByText('每个评议码只能评议一次').waitFor()
      assert.ok(page.url().includes('/e/'), 'still on the public page')
      await screenshot(page, 'evaluation-public-spent.png')
      await assertAccessible(page, 'a spent code')
      await assertFitsSmallPhone(page, 'a spent code')

      // Nothing but the public endpoints (and the app's session check) was called.
      const other = calls.filter((p) => !p.startsWith('/api/v1/public/') && p !== '/api/v1/auth/refresh')
      assert.deepEqual(other, [], 'the public page calls no authenticated endpoint')
    } finally {
      await context.close()
    }
  })

  test('a code typed by hand, in lower case with spaces, with the text at 200 %', async () => {
    const context = await phoneContext(browser, { viewport: SMALL_PHONE })
    const page = await context.newPage()
    try {
      await page.goto('/e')
      // Large system text: every rem doubles (the page sizes its text and targets in rem).
      await page.evaluate(() => {
        document.documentElement.style.fontSize = '200%'
      })
      const field = page.getByLabel('评议码')
      await field.waitFor()
      await assertAccessible(page, 'the code field')
      await assertFitsSmallPhone(page, 'the code field at 200 %')

      // A mistyped code is refused on the page, and the field stays.
      await field.fill('k7qf 3m9t')
      await page.getByRole('button', { name: '开始评议' }).click()
      await page.getByText('评议码是 16 位字母和数字').waitFor()

      const code = new URL(urls[1]).pathname.slice('/e/'.length)
      const typed = code.toLowerCase().replaceAll('-', ' ')
      await field.fill(typed)
      await page.getByRole('button', { name: '开始评议' }).click()
      await page.getByRole('heading', { level: 1, name: round.branch.name }).waitFor()
      await page.getByText(ROUND_LINE).waitFor()
      const total = await cards(page).count()
      await page.getByText(`已评 0 / 共 ${total} 人`).waitFor()
      await rate(cards(page).nth(0), '不了解')
      // A phone that reloads the page (slept, lost the network) keeps what was chosen.
      await page.reload()
      await page.evaluate(() => {
        document.documentElement.style.fontSize = '200%'
      })
      await page.getByText(`已评 1 / 共 ${total} 人`).waitFor()
      assert.equal(await cards(page).nth(0).getByRole('radio', { name: '不了解', exact: true }).isChecked(), true)
      await assertAccessible(page, 'the rating form at 200 %')
      await assertFitsSmallPhone(page, 'the rating form at 200 %')
      const heights = await page.locator('.rating-choice').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height))
      assert.ok(Math.min(...heights) >= 44)

      // Nothing rated but one: submitting asks first (the code stays unspent when cancelled).
      await page.getByRole('button', { name: '提交评议' }).click()
      const dialog = page.getByRole('dialog', { name: '还有人未评价' })
      await dialog.getByText(`还有 ${total - 1} 人未评价`).waitFor()
      await dialog.getByRole('button', { name: '返回继续评' }).click()
      const lookup = await api('/public/evaluation/lookup', { method: 'POST', json: { code } })
      assert.equal(lookup.status, 200, 'the second code is not spent by opening it')
    } finally {
      await context.close()
    }
  })

  test('an unknown code in the address asks for the code again, without a sign-in', async () => {
    const context = await phoneContext(browser, { viewport: SMALL_PHONE })
    const page = await context.newPage()
    try {
      await page.goto('/e/0000-0000-0000-0000')
      await page.getByText('没有找到这个评议码').waitFor()
      assert.ok(new URL(page.url()).pathname.startsWith('/e/'), `not sent to sign in: ${page.url()}`)
      assert.equal(await page.getByLabel('评议码').inputValue(), '0000-0000-0000-0000')
      await assertAccessible(page, 'an unknown code')
    } finally {
      await context.close()
    }
  })
})
