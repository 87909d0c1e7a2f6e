// A member's quarterly evaluation on a phone: member1 (青山社区党支部) finds the open round's card on
// home (第N季度党员互评进行中 · 截止…), rates fellow members (some 满意, one 基本满意, one 不了解, one
// comment, one left out after the confirm), submits and returns home, where the card now says
// 已评议; the ballot then says 您已参加本轮互评; 我的评议结果 shows the previous quarter's closed round.
// Through the API: rating oneself is refused (403 self_rating), and a member of another branch
// (member2) may neither read nor cast this round's ballot (403 not_in_branch).
//
// The demo has the open round (app/demo/evaluation.py); where it does not, secretary1 opens one
// for the current quarter here (409 round_exists tolerated).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  YEAR,
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  ok,
  phoneContext,
  screenshot,
  signIn,
} from './helpers.mjs'
import { QUARTER, openRoundOf } from './evaluation-helpers.mjs'

const PREVIOUS = QUARTER > 1 ? { year: YEAR, quarter: QUARTER - 1 } : { year: YEAR - 1, quarter: 4 }

const monthDay = (day) => `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`

describe('a member rates fellow members and reads their evaluation on a phone', () => {
  let browser
  let member1
  let member2
  let round

  before(async () => {
    const token = (await apiLogin('member1')).access_token
    member1 = { token, me: ok(await api('/me', { token }), 'me member1') }
    const token2 = (await apiLogin('member2')).access_token
    member2 = { token: token2, me: ok(await api('/me', { token: token2 }), 'me member2') }
    assert.equal(member1.me.member.branch_name, '青山社区党支部')
    assert.notEqual(member2.me.member.branch_id, member1.me.member.branch_id)

    const current = (rounds) => rounds.find((r) => r.year === YEAR && r.quarter === QUARTER)
    round = current(ok(await api('/me/evaluation-rounds', { token }), 'my rounds'))
    if (!round) {
      // No demo round yet: secretary1 opens this quarter's.
      await openRoundOf((await apiLogin('secretary1')).access_token, member1.me.member.branch_id)
      round = current(ok(await api('/me/evaluation-rounds', { token }), 'my rounds'))
    }
    assert.ok(round, 'an open round for the current quarter')
    assert.equal(round.voted, false, 'member1 has not voted yet')
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  test('nobody rates themselves, and another branch’s member may not take part', async () => {
    const ballot = `/evaluation-rounds/${round.id}/ballot`
    const self = await api(ballot, {
      method: 'POST',
      token: member1.token,
      json: { ratings: [{ member_id: member1.me.member.id, rating: 'good' }] },
    })
    assert.equal(self.status, 403, JSON.stringify(self.body))
    assert.equal(self.body.code, 'self_rating')

    const form = ok(await api(ballot, { token: member1.token }), 'ballot form')
    assert.ok(!form.members.some((m) => m.id === member1.me.member.id), 'member1 is not on their own ballot')
    assert.equal(form.voted, false, 'the refused ballot was not counted')

    const read = await api(ballot, { token: member2.token })
    assert.equal(read.status, 403, JSON.stringify(read.body))
    assert.equal(read.body.code, 'not_in_branch')
    const cast = await api(ballot, {
      method: 'POST',
      token: member2.token,
      json: { ratings: [{ member_id: form.members[0].id, rating: 'poor' }] },
    })
    assert.equal(cast.status, 403, JSON.stringify(cast.body))
    assert.equal(cast.body.code, 'not_in_branch')
  })

  test('member1 rates from the home card, once, and reads the year', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    await signIn(page, 'member1')

    // Home: the card of the open round.
    const card = page.locator('[data-test="peer-card"][data-voted="false"]')
    await card.waitFor()
    await card.getByText(`第${QUARTER}季度党员互评进行中`).waitFor()
    await card.getByText(`截止 ${monthDay(round.closes_on)}`).waitFor()
    await page.locator('[data-test="home-month"]').waitFor()
    await screenshot(page, 'evaluation-peer-card.png')
    await assertAccessible(page, 'home with the evaluation card')
    await assertFitsSmallPhone(page, 'home with the evaluation card')

    await card.getByRole('button', { name: '去评议' }).click()
    await page.waitForURL((url) => url.pathname === `/evaluation/${round.id}/rate`)
    await page.getByText('匿名：评价内容不与您的身份关联').waitFor()
    const rows = page.locator('[data-test="peer-row"]')
    await rows.first().waitFor()
    const total = await rows.count()
    assert.ok(total >= 4, `enough fellow members to rate (${total})`)
    // In English too, the four choices fit a small phone.
    await page.evaluate(() => localStorage.setItem('vanguard.locale', 'en'))
    await page.reload()
    await page.getByText('Anonymous: your ratings are not linked to you').waitFor()
    await rows.first().getByRole('radio', { name: 'Fairly satisfied', exact: true }).waitFor()
    await assertFitsSmallPhone(page, 'peer ballot in English')
    await page.evaluate(() => localStorage.setItem('vanguard.locale', 'zh-CN'))
    await page.reload()
    await page.getByText('匿名：评价内容不与您的身份关联').waitFor()
    await rows.first().waitFor()

    const progress = page.locator('[data-test="peer-progress"]')
    assert.equal((await progress.textContent()).trim(), `已评 0 / 共 ${total} 人`)

    // All good but one fair, one skip and the last left out; a comment on the first.
    const choose = (i, name) => rows.nth(i).getByRole('radio', { name, exact: true }).check()
    for (let i = 0; i < total - 3; i += 1) await choose(i, '满意')
    await choose(total - 3, '基本满意')
    await choose(total - 2, '不了解')
    await rows.nth(0).getByRole('button', { name: '写意见' }).click()
    await rows.nth(0).getByRole('textbox').fill('带头参加社区志愿服务，群众反映好')
    assert.equal((await progress.textContent()).trim(), `已评 ${total - 1} / 共 ${total} 人`)
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshot(page, 'evaluation-peer-ballot.png')
    await assertAccessible(page, 'peer ballot')
    await assertFitsSmallPhone(page, 'peer ballot')

    await page.getByRole('button', { name: '提交' }).click()
    const confirm = page.getByRole('dialog').filter({ hasText: '还有 1 人未评价' })
    await confirm.waitFor()
    await confirm.getByRole('button', { name: '确定提交' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.getByText('评议已提交，感谢参与').waitFor()
    const voted = page.locator('[data-test="peer-card"][data-voted="true"]')
    await voted.waitFor()
    await voted.getByText(`第${QUARTER}季度党员互评 · 已评议`).waitFor()
    assert.equal(await page.locator('[data-test="peer-card"][data-voted="false"]').count(), 0)
    const mine = ok(await api('/me/evaluation-rounds', { token: member1.token }), 'my rounds')
    assert.equal(mine.find((r) => r.id === round.id)?.voted, true)

    // Once only: the ballot now says so, and the API refuses a second one.
    await page.goto(`/evaluation/${round.id}/rate`)
    await page.getByRole('heading', { name: '您已参加本轮互评' }).waitFor()
    assert.equal(await page.locator('[data-test="peer-row"]').count(), 0)
    const form = ok(await api(`/evaluation-rounds/${round.id}/ballot`, { token: member1.token }), 'form')
    assert.equal(form.voted, true)
    const again = await api(`/evaluation-rounds/${round.id}/ballot`, {
      method: 'POST',
      token: member1.token,
      json: { ratings: [{ member_id: form.members[0].id, rating: 'good' }] },
    })
    assert.equal(again.status, 409, JSON.stringify(again.body))
    assert.equal(again.body.code, 'already_voted')

    // 我 → 我的评议结果: the previous quarter's closed round.
    await page.goto('/me')
    await page.locator('[data-test="me-evaluation"]').waitFor()
    await assertAccessible(page, 'me with the evaluation link')
    await page.getByText('我的评议结果').click()
    await page.waitForURL((url) => url.pathname === '/evaluation')
    await page.getByRole('heading', { name: '我的评议结果' }).waitFor()
    if (PREVIOUS.year !== YEAR) {
      await page.locator('[data-test="evaluation-year-prev"]').click()
    }
    await page.getByRole('heading', { name: `${PREVIOUS.year}年度群众评议` }).waitFor()
    await page.locator('[data-test="evaluation-points"]').waitFor()

    const year = ok(
      await api(`/members/${member1.me.member.id}/evaluation?year=${PREVIOUS.year}`, { token: member1.token }),
      'member1 evaluation',
    )
    const points = await page.locator('[data-test="evaluation-points"]').textContent()
    assert.match(points, /^\s*评议得分 [\d.]+ \/ 最高 [\d.]+\s*$/)
    const previous = year.quarters.find((q) => q.quarter === PREVIOUS.quarter)
    const row = page.locator(`[data-quarter="${PREVIOUS.quarter}"]`)
    await row.waitFor()
    if (previous?.round_id) {
      await row
        .getByText(`满意 ${previous.good} · 基本满意 ${previous.fair} · 不满意 ${previous.poor} · 不了解 ${previous.skip}`)
        .waitFor()
      if (previous.qualifies) await row.getByText(/^满意率 [\d.]+%$/).waitFor()
      else await row.getByText(`评价人数不足 ${year.min_ratings} 人，不计入`).waitFor()
    } else {
      await row.getByText('本季度未评议').waitFor()
    }
    if (PREVIOUS.year === YEAR) {
      await page.locator(`[data-quarter="${QUARTER}"]`).getByText('本季度评议进行中，结束后公布结果').waitFor()
    }
    const source = { own: '本人', branch_mean: '支部平均', default: '默认满分' }[year.rate_source]
    await page.locator('[data-test="evaluation-source"]').getByText(source).waitFor()
    if (year.poor_over_a_third) await page.locator('[data-test="evaluation-poor-warning"]').waitFor()
    await screenshot(page, 'evaluation-peer-results.png')
    await assertAccessible(page, 'my evaluation')
    await assertFitsSmallPhone(page, 'my evaluation')
    await context.close()
  })
})
