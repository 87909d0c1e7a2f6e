// A member's annual grading on a 360×640 phone. member1 (王德福, 青山社区党支部, whose run is in
// 自评和民主测评) sees the live score card on home with its call, opens 我的年度得分 (dimensions,
// caps, evaluation, projected grade), then 年度定级: writes the self-assessment, votes a grade for
// each peer once (the page then says 已投票; a second ballot is refused with 409 grading_already_voted).
// member2 (街道机关党支部, in 公示) reads the branch's results and their own objection, read only.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  SMALL_PHONE,
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

describe('a member’s annual score and grading on a phone', () => {
  let browser
  let member1
  let member2

  before(async () => {
    const token = (await apiLogin('member1')).access_token
    member1 = {
      token,
      me: ok(await api('/me', { token }), 'me member1'),
      mine: ok(await api('/me/grading', { token }), 'my grading member1'),
    }
    assert.equal(member1.mine.run.branch.name, '青山社区党支部')
    assert.equal(member1.mine.run.status, 'self_assessment')
    assert.equal(member1.mine.voted, false, 'member1 has not voted yet')
    assert.ok(member1.mine.peers.length > 0)
    const token2 = (await apiLogin('member2')).access_token
    member2 = { token: token2, mine: ok(await api('/me/grading', { token: token2 }), 'my grading member2') }
    // The branch's browser test (run before this file, on the same server) may have finalized
    // and approved 街道机关党支部's run already: the results read the same from the notice on.
    assert.ok(['publicity', 'finalized', 'approved'].includes(member2.mine.run.status), member2.mine.run.status)
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  test('member1: score card, score page, self-assessment and one secret ballot', async () => {
    const context = await phoneContext(browser, { viewport: SMALL_PHONE })
    const page = await context.newPage()
    await signIn(page, 'member1')

    const card = page.locator('[data-test="grading-score-card"]')
    await card.waitFor()
    await card.locator('[data-test="grade-tag"]').waitFor()
    const score = ok(
      await api(`/members/${member1.me.member.id}/score?year=${YEAR}`, { token: member1.token }),
      'score',
    )
    assert.equal(await card.locator('[data-test="grading-card-next"]').innerText(), score.projection.next_sentence)
    assert.equal(await card.locator('[data-test="grading-cta"]').getAttribute('data-step'), 'self_assessment')
    await card.scrollIntoViewIfNeeded()
    await screenshot(page, 'grading-member-home-card.png')
    await assertAccessible(page, 'home with the score card')
    await assertFitsSmallPhone(page, 'home with the score card')

    await card.locator('[data-test="grading-card-link"]').click()
    await page.waitForURL((url) => url.pathname === '/score')
    await page.locator('[data-test="score-projection"]').waitFor()
    assert.equal(await page.locator('[data-test="score-sentence"]').innerText(), score.projection.sentence)
    assert.equal(await page.locator('[data-test="score-dimension"]').count(), score.score.dimensions.length)
    assert.equal(
      await page.locator('[data-test="score-capped-line"]').count(),
      score.score.capped_away.filter((c) => Number(c.points) > 0).length,
    )
    await page.locator('[data-test="score-rate-source"]').waitFor()
    await screenshot(page, 'grading-member-score.png')
    await page.locator('[data-test="score-capped"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'grading-member-score-caps.png')
    await assertAccessible(page, 'score page')
    await assertFitsSmallPhone(page, 'score page')

    // In English too, the card, the score page and the grading page fit a small phone.
    await page.evaluate(() => localStorage.setItem('vanguard.locale', 'en'))
    await page.goto('/')
    await page.locator('[data-test="grading-score-card"] [data-test="grade-tag"]').waitFor()
    await page.getByText('Score details').waitFor()
    await assertFitsSmallPhone(page, 'home score card in English')
    await page.goto(`/score?year=${YEAR}`)
    await page.locator('[data-test="score-projection"]').getByText('To the next grade').waitFor()
    await assertFitsSmallPhone(page, 'score page in English')
    await page.goto('/grading')
    await page.getByText('Secret ballot', { exact: false }).waitFor()
    await assertFitsSmallPhone(page, 'grading page in English')
    await page.evaluate(() => localStorage.setItem('vanguard.locale', 'zh-CN'))

    await page.goto('/')
    await page.locator('[data-test="grading-cta"]').click()
    await page.waitForURL((url) => url.pathname === '/grading')
    await page.locator('[data-test="grading-self"]').waitFor()
    await page.getByText('无记名投票', { exact: false }).first().waitFor()
    await screenshot(page, 'grading-member-self.png')
    await assertAccessible(page, 'grading page (self-assessment)')
    await assertFitsSmallPhone(page, 'grading page (self-assessment)')

    // The self-assessment: a grade and a text, saved and editable.
    await page.locator('[data-test="grading-self-grade"]').getByRole('radio', { name: '合格', exact: true }).click()
    await page.getByLabel('自评内容').fill('全年按时参加组织生活，带头参加社区志愿服务。')
    await page.locator('[data-test="grading-self-save"]').click()
    await page.locator('[data-test="grading-self-done"]').getByText('已自评：合格').waitFor()
    const saved = ok(await api('/me/grading', { token: member1.token }), 'my grading after self-assessment')
    assert.equal(saved.self_grade, 'qualified')
    assert.equal(saved.self_assessment, '全年按时参加组织生活，带头参加社区志愿服务。')

    // The ballot: a grade for each peer, then confirm.
    const peers = page.locator('[data-test="grading-vote-peer"]')
    assert.equal(await peers.count(), member1.mine.peers.length)
    for (let i = 0; i < (await peers.count()); i++) {
      await peers.nth(i).getByRole('radio', { name: i === 0 ? '优秀' : '合格', exact: true }).click()
    }
    await page.locator('.van-toast').waitFor({ state: 'hidden' })
    await page.locator('#vote-title').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.evaluate(() => window.scrollBy(0, -64))
    await screenshot(page, 'grading-member-vote.png')
    await page.locator('[data-test="grading-vote-submit"]').click()
    await page.getByRole('dialog').getByRole('button', { name: '提交测评票' }).click()
    await page.locator('[data-test="grading-voted"]').getByText('已投票').waitFor()
    assert.equal(await page.locator('[data-test="grading-vote-submit"]').count(), 0, 'no second ballot')
    await page.locator('.van-dialog').waitFor({ state: 'hidden' })
    await page.locator('.van-toast').waitFor({ state: 'hidden' })
    await page.locator('[data-test="grading-vote"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'grading-member-voted.png')

    // Reloaded, the page still says 已投票; the card's call is gone from home.
    await page.reload()
    await page.locator('[data-test="grading-voted"]').waitFor()
    await page.goto('/')
    await page.locator('[data-test="grading-score-card"] [data-test="grade-tag"]').waitFor()
    assert.equal(await page.locator('[data-test="grading-cta"]').count(), 0)

    // A second ballot through the API is refused.
    const again = await api(`/gradings/${member1.mine.run.id}/ballot`, {
      method: 'POST',
      token: member1.token,
      json: { votes: [{ member_id: member1.mine.peers[0].id, grade: 'unqualified' }] },
    })
    assert.equal(again.status, 409, JSON.stringify(again.body))
    assert.equal(again.body.code, 'grading_already_voted')
    await context.close()
  })

  test('member2 reads the results of 街道机关党支部 (during the notice: and may object)', async () => {
    const context = await phoneContext(browser, { viewport: SMALL_PHONE })
    const page = await context.newPage()
    await signIn(page, 'member2')
    const notice = member2.mine.run.status === 'publicity'
    if (notice) {
      const cta = page.locator('[data-test="grading-cta"]')
      await cta.waitFor()
      assert.equal(await cta.getAttribute('data-step'), 'publicity')
      await cta.click()
      await page.waitForURL((url) => url.pathname === '/grading')
    } else {
      await page.goto('/grading')
    }
    const run = ok(await api(`/gradings/${member2.mine.run.id}`, { token: member2.token }), 'run as member2')
    if (notice) {
      await page.locator('[data-test="grading-results"]').waitFor()
      assert.equal(await page.locator('[data-test="grading-result"]').count(), run.results.length)
      await page.locator('[data-test="grading-mine"] [data-test="grade-tag"]').waitFor()
      assert.equal(
        await page.locator('[data-test="grading-objection"]').count(),
        run.objections.filter((o) => o.mine).length,
      )
      assert.ok(await page.locator('[data-test="grading-object"]').isVisible(), 'the objection form is offered')
      await screenshot(page, 'grading-member-publicity.png')
      await page.locator('[data-test="grading-my-objections"]').scrollIntoViewIfNeeded()
      await screenshot(page, 'grading-member-objection.png')
    } else {
      await page.locator('[data-test="grade-tag"]').first().waitFor()
      assert.equal(await page.locator('[data-test="grading-object"]').count(), 0, 'no objections after the notice')
    }
    await assertAccessible(page, 'grading page (results)')
    await assertFitsSmallPhone(page, 'grading page (results)')
    await context.close()
  })
})
