// The annual grading (年度定级) as a branch secretary and the organisation above run it, on a
// 360×640 phone (the review table once at 1280×800): secretary3 walks 青山商圈联合党支部 (no run
// in the demo) from the draft through self-assessment (member3 self-assesses and votes through
// the API) and the review (a changed grade refused without a reason, saved with one) to the
// public notice; secretary2 answers 街道机关党支部's open objection and finalizes (its notice
// ended yesterday); the admin sees the subtree's summary, approves that run and sees its
// follow-ups; exports download. 青山社区党支部's run is left alone (the member e2e uses it).
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
  SMALL_PHONE,
  YEAR,
} from './helpers.mjs'

const BRANCH3 = '青山商圈联合党支部'
const BRANCH2 = '街道机关党支部'
const DESKTOP = { width: 1280, height: 800 }
const tid = (page, id) => page.locator(`[data-test="${id}"]`)
const nav = (page) => page.getByRole('navigation', { name: '主导航' })
/** Animations done (dialogs fade in: axe reads half-faded colours as too pale). */
const settled = (page) =>
  page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
/** Vant's toasts gone, so that screenshots show the page. */
const noToast = (page) =>
  page.waitForFunction(() =>
    [...document.querySelectorAll('.van-toast')].every((el) => getComputedStyle(el).display === 'none'),
  )
/** The confirm dialog's button, then the dialog gone. */
async function confirmDialog(page, button) {
  const dialog = page.getByRole('dialog').filter({ has: page.getByRole('button', { name: button }) })
  await dialog.waitFor()
  await settled(page)
  await dialog.getByRole('button', { name: button }).click()
  await dialog.waitFor({ state: 'hidden' })
}
const stepOf = (page) => tid(page, 'grading-step').getAttribute('data-step')
async function waitStep(page, step) {
  await page.waitForFunction(
    (s) => document.querySelector('[data-test="grading-step"]')?.getAttribute('data-step') === s,
    step,
  )
}

describe('the annual grading: the branch secretary and the organisation above', () => {
  let browser
  let context
  let page
  let secretary3
  let runId
  let run2Id

  before(async () => {
    const token = (await apiLogin('secretary3')).access_token
    const me = ok(await api('/me', { token }), 'me')
    assert.equal(me.member.branch_name, BRANCH3)
    secretary3 = { token, me, branchId: me.member.branch_id }
    const runs = ok(await api(`/branches/${secretary3.branchId}/gradings`, { token }), 'runs')
    assert.equal(runs.total, 0, `${BRANCH3} starts without a grading run (the demo gives it none)`)
    browser = await launch()
    context = await phoneContext(browser, { viewport: SMALL_PHONE, acceptDownloads: true })
    page = await context.newPage()
  })

  after(async () => {
    await browser?.close()
  })

  test('secretary3 goes from the branch page to 年度定级, where the branch has no run yet', async () => {
    await signIn(page, 'secretary3')
    await nav(page).getByRole('link', { name: '支部' }).click()
    await page.waitForURL((url) => url.pathname === '/branch')
    const entry = tid(page, 'month-grading')
    await entry.waitFor()
    assert.match(await entry.textContent(), /年度定级/)
    await entry.click()
    await page.waitForURL((url) => url.pathname === '/branch/gradings')
    assert.equal(new URL(page.url()).searchParams.get('branch'), String(secretary3.branchId))
    await page.getByRole('heading', { name: '年度定级', level: 1 }).waitFor()
    await tid(page, 'gradings-empty').waitFor()
    assert.equal(await page.getByLabel('年度', { exact: true }).inputValue(), String(YEAR))
    await page.getByRole('button', { name: `开始${YEAR}年度定级` }).waitFor()
    await screenshot(page, 'grading-branch-list.png')
    await assertFitsSmallPhone(page, 'gradings')
    await assertAccessible(page, 'gradings')
  })

  test('starts the year: the draft is computed, recomputed on request', async () => {
    await page.getByRole('button', { name: `开始${YEAR}年度定级` }).click()
    await page.waitForURL((url) => /^\/branch\/gradings\/\d+$/.test(url.pathname))
    runId = Number(new URL(page.url()).pathname.split('/').pop())
    await waitStep(page, 'draft')
    const stepper = tid(page, 'grading-stepper')
    assert.equal(await stepper.locator('[aria-current="step"]').getAttribute('data-step'), 'draft')
    assert.match(await stepper.textContent(), /草稿[\s\S]*自评和民主测评[\s\S]*支部评议[\s\S]*公示[\s\S]*已定稿[\s\S]*已审批/)
    const run = ok(await api(`/gradings/${runId}`, { token: secretary3.token }), 'run')
    assert.equal(run.status, 'draft')
    assert.equal(await tid(page, 'review-row').count(), run.results.length)
    assert.equal((await tid(page, 'grading-slots').textContent()).trim(), String(run.excellent_slots))
    await page.getByRole('button', { name: '重新测算' }).click()
    await page.getByText('已重新测算').waitFor()
    await noToast(page)
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshot(page, 'grading-branch-draft.png')
    await assertFitsSmallPhone(page, 'draft')
    await assertAccessible(page, 'draft')
  })

  test('self-assessment starts after a confirmation; member3’s self-assessment and vote show', async () => {
    await page.getByRole('button', { name: '开始自评和民主测评' }).click()
    await confirmDialog(page, '确认开始')
    await waitStep(page, 'self_assessment')
    // member3 writes a self-assessment and votes on every peer (as the member screens would).
    const token = (await apiLogin('member3')).access_token
    ok(
      await api(`/gradings/${runId}/self-assessment`, {
        method: 'PUT',
        token,
        json: { grade: 'qualified', text: '按时参加组织生活，积极参与商圈志愿服务。' },
      }),
      'self-assessment',
    )
    const mine = ok(await api(`/me/grading?year=${YEAR}`, { token }), 'my grading')
    assert.ok(mine.peers.length > 0)
    ok(
      await api(`/gradings/${runId}/ballot`, {
        method: 'POST',
        token,
        json: { votes: mine.peers.map((p) => ({ member_id: p.id, grade: 'qualified' })) },
      }),
      'ballot',
    )
    await page.reload()
    await waitStep(page, 'self_assessment')
    const run = ok(await api(`/gradings/${runId}`, { token: secretary3.token }), 'run')
    assert.match(await tid(page, 'self-assessed').textContent(), new RegExp(`1 / ${run.results.length}`))
    assert.match(await tid(page, 'voters').textContent(), /已投票\s*1 人/)
    const member3 = run.results.find((r) => r.self_grade)
    const row = page.locator(`[data-test="review-row"][data-member="${member3.member.id}"]`)
    assert.match(await row.textContent(), /按时参加组织生活/)
    await screenshot(page, 'grading-branch-self-assessment.png')
    await assertFitsSmallPhone(page, 'self-assessment')
    await assertAccessible(page, 'self-assessment')
  })

  test('the review: a changed grade is refused without a reason and saved with one', async () => {
    await page.getByRole('button', { name: '结束测评，进入支部评议' }).click()
    await confirmDialog(page, '确认进入')
    await waitStep(page, 'review')
    let run = ok(await api(`/gradings/${runId}`, { token: secretary3.token }), 'run')
    // Someone other than the secretary (nobody grades themselves), computed qualified.
    const target = run.results.find(
      (r) => r.graded && r.computed_grade === 'qualified' && r.member.id !== secretary3.me.member.id,
    )
    assert.ok(target, 'a qualified member to grade')
    assert.ok(run.results.filter((r) => r.graded).every((r) => r.votes), 'the vote shows from the review on')
    await tid(page, 'quota').getByText(`优秀 ${run.results.filter((r) => r.final_grade === 'excellent').length}/${run.excellent_slots}`).waitFor()

    const editor = page.locator(`[data-test="grade-editor"][data-member="${target.member.id}"]`)
    await editor.getByLabel(`修改${target.member.name}的等次`).selectOption('basically_qualified')
    await editor.getByRole('button', { name: `保存 ${target.member.name}` }).click()
    await editor.locator('[data-test="final-error"]').getByText('与测算等次不同，须写明理由').waitFor()
    run = ok(await api(`/gradings/${runId}`, { token: secretary3.token }), 'run')
    assert.equal(run.results.find((r) => r.member.id === target.member.id).final_grade, 'qualified')
    // The server refuses it too.
    const refused = await api(`/gradings/${runId}/results/${target.member.id}`, {
      method: 'PUT',
      token: secretary3.token,
      json: { grade: 'basically_qualified' },
    })
    assert.equal(refused.status, 422)
    assert.equal(refused.body.code, 'reason_required')

    await editor.getByLabel('理由').fill('全年三次无故缺席组织生活，支委会研究决定。')
    await editor.getByRole('button', { name: `保存 ${target.member.name}` }).click()
    await page.getByText(`已保存${target.member.name}的等次`).waitFor()
    run = ok(await api(`/gradings/${runId}`, { token: secretary3.token }), 'run')
    const saved = run.results.find((r) => r.member.id === target.member.id)
    assert.equal(saved.final_grade, 'basically_qualified')
    assert.equal(saved.final_reason, '全年三次无故缺席组织生活，支委会研究决定。')
    await noToast(page)
    await editor.scrollIntoViewIfNeeded()
    await screenshot(page, 'grading-branch-review.png')
    await assertFitsSmallPhone(page, 'review')
    await assertAccessible(page, 'review')

    // On a desktop the review is one table across the width.
    await page.setViewportSize(DESKTOP)
    await tid(page, 'review-table').locator('table').waitFor()
    assert.equal(await tid(page, 'review-table').locator('tbody tr').count(), run.results.length)
    await page.evaluate(() => {
      const table = document.querySelector('[data-test="review-table"]')
      window.scrollTo(0, table.getBoundingClientRect().top + window.scrollY - 110)
    })
    await screenshot(page, 'grading-branch-review-desktop.png')
    await assertAccessible(page, 'review table')
    await page.setViewportSize(SMALL_PHONE)
    await tid(page, 'review-table').locator('table').waitFor({ state: 'detached' })
  })

  test('the public notice starts for 5 days by default; finalizing waits for its end', async () => {
    assert.equal(await page.getByLabel('公示天数').inputValue(), '5')
    await page.getByRole('button', { name: '开始公示' }).click()
    await confirmDialog(page, '确认公示')
    await waitStep(page, 'publicity')
    const run = ok(await api(`/gradings/${runId}`, { token: secretary3.token }), 'run')
    assert.equal(run.status, 'publicity')
    await tid(page, 'publicity-dates').waitFor()
    const finalize = page.getByRole('button', { name: '定稿' })
    assert.ok(await finalize.isDisabled())
    await tid(page, 'finalize-blockers').getByText('公示期未满').waitFor()
    const refused = await api(`/gradings/${runId}/finalize`, { method: 'POST', token: secretary3.token })
    assert.equal(refused.body.code, 'publicity_not_over')

    // The results as a sheet.
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: '导出 Excel' }).click()
    const file = await download
    assert.equal(file.suggestedFilename(), `${BRANCH3}-${YEAR}年度定级.xlsx`)
    const bytes = await readFile(await file.path())
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX file is a zip archive')
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshot(page, 'grading-branch-publicity.png')
    await assertFitsSmallPhone(page, 'publicity')
    await assertAccessible(page, 'publicity')
  })

  test('secretary2 answers 街道机关党支部’s objection, then finalizes', async () => {
    const ctx = await phoneContext(browser, { viewport: SMALL_PHONE })
    const p = await ctx.newPage()
    try {
      const token = (await apiLogin('secretary2')).access_token
      const me = ok(await api('/me', { token }), 'me')
      const runs = ok(await api(`/branches/${me.member.branch_id}/gradings`, { token }), 'runs')
      run2Id = runs.items.find((r) => r.year === YEAR).id
      await signIn(p, 'secretary2')
      await p.goto(`/branch/gradings?branch=${me.member.branch_id}`)
      await p.getByRole('link', { name: `${YEAR}年度定级` }).first().click()
      await p.waitForURL((url) => url.pathname === `/branch/gradings/${run2Id}`)
      await waitStep(p, 'publicity')
      await tid(p, 'finalize-blockers').getByText('还有 1 条异议没有答复').waitFor()
      assert.ok(await p.getByRole('button', { name: '定稿' }).isDisabled())
      const form = tid(p, 'objection-form')
      await form.scrollIntoViewIfNeeded()
      await screenshot(p, 'grading-branch-objection.png')
      await assertFitsSmallPhone(p, 'objection')
      await assertAccessible(p, 'objection')

      await form.getByRole('button', { name: '答复' }).click()
      await form.getByText('请填写答复').waitFor()
      await form.getByLabel('答复').fill('经核实，该同志全年参加志愿服务 12 次，记录无误，维持原等次。')
      await form.getByRole('button', { name: '答复' }).click()
      await tid(p, 'objection-answer').getByText('维持原等次').waitFor()
      await tid(p, 'finalize-blockers').waitFor({ state: 'detached' })
      await p.getByRole('button', { name: '定稿' }).click()
      await confirmDialog(p, '确认定稿')
      await waitStep(p, 'finalized')
      const run = ok(await api(`/gradings/${run2Id}`, { token }), 'run')
      assert.equal(run.status, 'finalized')
      assert.ok(run.objections.every((o) => o.answer))
    } finally {
      await ctx.close()
    }
  })

  test('the admin sees the summary, approves 街道机关党支部 and sees its follow-ups', async () => {
    const ctx = await phoneContext(browser, { viewport: SMALL_PHONE, acceptDownloads: true })
    const p = await ctx.newPage()
    try {
      const token = (await apiLogin('admin')).access_token
      await signIn(p, 'admin')
      await p.goto('/admin/gradings')
      await p.getByRole('heading', { name: '年度定级审批', level: 1 }).waitFor()
      const me = ok(await api('/me', { token }), 'me')
      const orgId = me.roles.find((r) => r.role === 'org_admin').organisation_id
      const summary = ok(await api(`/organisations/${orgId}/gradings?year=${YEAR}`, { token }), 'summary')
      await tid(p, 'gradings-summary').getByText(`${summary.not_approved} 个尚未审批`).waitFor()
      const awaiting = tid(p, 'gradings-awaiting')
      const card = awaiting.locator('article').filter({ hasText: BRANCH2 })
      await card.waitFor()
      // Every branch of the subtree is listed with its step; 商圈 is in its notice.
      const row3 = p.locator(`[data-test="gradings-row"][data-branch="${secretary3.branchId}"]`)
      assert.equal(await row3.locator('[data-step]').getAttribute('data-step'), 'publicity')
      await screenshot(p, 'grading-admin-summary.png')
      await assertFitsSmallPhone(p, 'admin summary')
      await assertAccessible(p, 'admin summary')

      await card.getByRole('button', { name: '审批通过' }).click()
      await confirmDialog(p, '审批通过')
      await tid(p, 'gradings-awaiting').getByText('没有等待审批的定级').waitFor()
      const run = ok(await api(`/gradings/${run2Id}`, { token }), 'run')
      assert.equal(run.status, 'approved')
      const row2 = p.locator(`[data-test="gradings-row"][data-branch="${run.branch.id}"]`)
      assert.equal(await row2.locator('[data-step]').getAttribute('data-step'), 'approved')

      // The subtree's sheet.
      const download = p.waitForEvent('download')
      await p.getByRole('button', { name: '导出 Excel（含汇总）' }).click()
      const bytes = await readFile(await (await download).path())
      assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK')

      await p.setViewportSize(DESKTOP)
      await tid(p, 'gradings-table').waitFor()
      await noToast(p)
      await screenshot(p, 'grading-admin-desktop.png')
      await assertAccessible(p, 'admin table')
      await p.setViewportSize(SMALL_PHONE)

      // The follow-ups of the approved run.
      await row2.getByRole('link').click()
      await p.waitForURL((url) => url.pathname === `/branch/gradings/${run2Id}`)
      await waitStep(p, 'approved')
      await tid(p, 'follow-ups').waitFor()
      const excellent = run.results.filter((r) => r.final_grade === 'excellent')
      assert.equal(run.follow_ups.filter((f) => f.kind === 'commendation').length, excellent.length)
      for (const r of excellent) await tid(p, 'commendations').getByText(r.member.name).waitFor()
      await p.evaluate(() => window.scrollTo(0, 0))
      await noToast(p)
      await screenshot(p, 'grading-admin-followups.png')
      await assertFitsSmallPhone(p, 'follow-ups')
      await assertAccessible(p, 'follow-ups')
    } finally {
      await ctx.close()
    }
  })
})
