// The standards editor (积分标准) on a small phone (360×640) and on a desktop (1280×800): the org
// admin copies the standard in force into a draft for next year, edits an item so that the
// validation complains (a cap below one occurrence's points), jumps from the problem back to the
// item and fixes it, publishes after reading the differences from the version in force, and then
// sees the version read-only. The desktop does the same for the year after, copying the version
// the phone published, in the side panel and the tables.
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
  phoneContext,
  screenshot,
  signIn,
  SMALL_PHONE,
  YEAR,
} from './helpers.mjs'

const DESKTOP = { width: 1280, height: 800 }
const tid = (page, id) => page.locator(`[data-test="${id}"]`)
/** Wait for animations (popups sliding in) to end, so that screenshots and axe see the page. */
const settled = (page) =>
  page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
const noToast = (page) =>
  page.waitForFunction(() =>
    [...document.querySelectorAll('.van-toast')].every((el) => getComputedStyle(el).display === 'none'),
  )

async function publishedFor(token, year) {
  const versions = ok(await api(`/standards?year=${year}`, { token }), 'standards').items
  return versions.filter((v) => v.status === 'published')
}

/** Create a draft for `year` from the list page, copying what the form proposes. */
async function createDraft(page, year, expectedSource) {
  await page.goto('/admin/standards')
  await page.getByRole('heading', { name: '积分标准', level: 1 }).waitFor()
  await tid(page, 'standard-new').click()
  const form = tid(page, 'standard-create')
  await form.waitFor()
  const yearField = form.getByLabel('适用年度')
  assert.equal(await yearField.inputValue(), String(YEAR + 1))
  await yearField.fill(String(year))
  const source = tid(page, 'standard-create-source')
  assert.equal(await source.inputValue(), String(expectedSource.id), 'proposes last year’s version')
  await settled(page)
  return form
}

async function editItem(page, code, fields) {
  await page.locator(`[data-item="${code}"]`).getByRole('button').first().click()
  const editor = tid(page, 'item-editor')
  await editor.getByRole('heading', { name: `编辑 ${code}` }).waitFor()
  await settled(page)
  for (const [label, value] of Object.entries(fields)) await editor.getByLabel(label, { exact: true }).fill(value)
  return editor
}

async function saveItem(page, editor) {
  await editor.locator('[data-test="item-save"]').click()
  await editor.waitFor({ state: 'hidden' })
  await noToast(page)
}

describe('the standards editor', () => {
  let browser
  let token
  let inForce

  before(async () => {
    token = (await apiLogin('admin')).access_token
    ;[inForce] = await publishedFor(token, YEAR)
    assert.ok(inForce, `the demo publishes a standard for ${YEAR}`)
    for (const year of [YEAR + 1, YEAR + 2]) {
      assert.deepEqual(await publishedFor(token, year), [], `nothing is published for ${year} yet`)
    }
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  test('on a small phone: copy, break, fix, publish after the differences, read-only', async () => {
    const context = await phoneContext(browser, { viewport: SMALL_PHONE })
    const page = await context.newPage()
    await signIn(page, 'admin')

    const form = await createDraft(page, YEAR + 1, inForce)
    await screenshot(page, 'admin-standards-new.png')
    await assertFitsSmallPhone(page, 'new draft')
    await form.getByRole('button', { name: '创建草稿' }).click()
    await page.waitForURL(/\/admin\/standards\/\d+$/)
    const draftId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByRole('heading', { name: `${YEAR + 1}年度积分标准`, level: 1 }).waitFor()
    await tid(page, 'validation-ok').waitFor()
    await noToast(page)
    await screenshot(page, 'admin-standards-draft.png')
    await assertFitsSmallPhone(page, 'draft')
    await assertAccessible(page, 'draft')

    // A monthly cap below one occurrence's points: saved in the draft, flagged by the validation.
    let editor = await editItem(page, 'P01', { 每月上限: '0.2' })
    await screenshot(page, 'admin-standards-item.png')
    await assertAccessible(page, 'item editor')
    await saveItem(page, editor)
    const problem = page.locator('[data-problem="item_cap_below_points"]').first()
    await problem.waitFor()
    assert.match(await problem.textContent(), /项目 P01 · 每月上限/)
    assert.match(await problem.textContent(), /上限 0.2 分低于单次分值 0.5 分/)
    assert.ok(await tid(page, 'standard-publish').isDisabled(), 'publishing waits for the error to be fixed')
    await page.locator('[data-item="P01"]').scrollIntoViewIfNeeded()
    await tid(page, 'validation').scrollIntoViewIfNeeded()
    await screenshot(page, 'admin-standards-problem.png')
    const refused = await api(`/standards/${draftId}/publish`, { method: 'POST', token })
    assert.equal(refused.status, 422)
    assert.equal(refused.body.code, 'standard_invalid')

    // The problem jumps to the item, whose editor lists it; the fix: one point a time, monthly.
    await problem.getByRole('button').click()
    editor = tid(page, 'item-editor')
    await editor.getByRole('heading', { name: '编辑 P01' }).waitFor()
    assert.match(await tid(page, 'item-problems').textContent(), /低于单次分值/)
    await editor.getByLabel('单次分值', { exact: true }).fill('1')
    await editor.getByLabel('每月上限', { exact: true }).fill('1')
    await saveItem(page, editor)
    await tid(page, 'validation-ok').waitFor()
    assert.ok(!(await tid(page, 'standard-publish').isDisabled()))

    // Publishing shows what differs from the version in force first.
    await tid(page, 'standard-publish').click()
    const dialog = tid(page, 'publish-dialog')
    await dialog.locator('[data-test="diff-changed"]').waitFor()
    const text = await dialog.textContent()
    assert.match(text, new RegExp(`与现行版本（${YEAR}年度 · `))
    assert.match(text, /修改项目（1）/)
    assert.match(text, /P01 参加党课学习/)
    assert.match(text, /单次分值：0.5 → 1/)
    assert.match(text, /每月上限：0.5 → 1/)
    assert.match(text, /另有 49 个项目未变/)
    await settled(page)
    await screenshot(page, 'admin-standards-publish.png')
    await assertAccessible(page, 'publish confirmation')
    await tid(page, 'publish-confirm').click()
    await tid(page, 'standard-readonly').waitFor()
    await noToast(page)
    assert.equal(await tid(page, 'standard-publish').count(), 0)
    assert.equal(await tid(page, 'settings-save').count(), 0)
    assert.equal(await tid(page, 'item-add-political').count(), 0)
    await screenshot(page, 'admin-standards-published.png')
    const published = ok(await api(`/standards/${draftId}`, { token }), 'published')
    assert.equal(published.status, 'published')
    assert.equal(published.items.find((i) => i.code === 'P01').points, '1.0')

    // Read-only: the item opens for reading, without a save button; the list says 已发布.
    await page.locator('[data-item="P01"]').getByRole('button').click()
    editor = tid(page, 'item-editor')
    await editor.getByRole('heading', { name: 'P01 参加党课学习' }).waitFor()
    assert.equal(await editor.locator('[data-test="item-save"]').count(), 0)
    await page.goto('/admin/standards')
    const row = page.locator(`[data-standard="${draftId}"]`)
    await row.waitFor()
    assert.match(await row.textContent(), /已发布/)
    await screenshot(page, 'admin-standards-list.png')
    await assertFitsSmallPhone(page, 'list')
    await context.close()
  })

  test('on a desktop: tables, the side panel, and the same round for the year after', async () => {
    const context = await browser.newContext({
      viewport: DESKTOP,
      locale: 'zh-CN',
      serviceWorkers: 'block',
      baseURL: baseUrl(),
    })
    const page = await context.newPage()
    await signIn(page, 'admin')
    const [lastYear] = await publishedFor(token, YEAR + 1)
    const form = await createDraft(page, YEAR + 2, lastYear)
    await form.getByRole('button', { name: '创建草稿' }).click()
    await page.waitForURL(/\/admin\/standards\/\d+$/)
    const draftId = Number(new URL(page.url()).pathname.split('/').pop())
    await tid(page, 'validation-ok').waitFor()
    await noToast(page)
    assert.ok(await page.locator('table.item-table').first().isVisible(), 'items in tables on a desktop')

    // A yearly cap below the points (and below the monthly cap): two errors on P01.
    let editor = await editItem(page, 'P01', { 每年上限: '0.5' })
    const box = await editor.boundingBox()
    assert.ok(box && box.x > DESKTOP.width / 2 && box.height >= DESKTOP.height - 1, 'a side panel on the right')
    await screenshot(page, 'admin-standards-desktop-item.png')
    await saveItem(page, editor)
    await page.locator('[data-problem="item_month_cap_above_year_cap"]').waitFor()
    assert.match(await tid(page, 'validation-summary').textContent(), /2 个错误/)
    await screenshot(page, 'admin-standards-desktop-problem.png')
    await page.locator('[data-problem="item_cap_below_points"] button').click()
    editor = tid(page, 'item-editor')
    await editor.getByRole('heading', { name: '编辑 P01' }).waitFor()
    await settled(page)
    await editor.getByLabel('每年上限', { exact: true }).fill('3')
    await saveItem(page, editor)
    await tid(page, 'validation-ok').waitFor()

    await tid(page, 'standard-publish').click()
    const dialog = tid(page, 'publish-dialog')
    await dialog.locator('[data-test="diff-changed"]').waitFor()
    const text = await dialog.textContent()
    assert.match(text, new RegExp(`与现行版本（${YEAR + 1}年度 · `))
    assert.match(text, /每年上限：2 → 3/)
    await settled(page)
    await screenshot(page, 'admin-standards-desktop-publish.png')
    await assertAccessible(page, 'desktop publish confirmation')
    await tid(page, 'publish-confirm').click()
    await tid(page, 'standard-readonly').waitFor()
    await noToast(page)
    await screenshot(page, 'admin-standards-desktop-published.png')
    const patch = await api(`/standards/${draftId}`, { method: 'PATCH', token, json: { deadline_day: 9 } })
    assert.equal(patch.status, 409)
    assert.equal(patch.body.code, 'standard_published')

    await page.goto('/admin/standards')
    await tid(page, 'standards-table').waitFor()
    await screenshot(page, 'admin-standards-desktop-list.png')
    await assertAccessible(page, 'desktop list')
    await context.close()
  })
})
