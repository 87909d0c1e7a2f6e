// The claim form knows the room left (issue 14, items 1 and 3): member3 (青山商圈联合党支部; no
// other browser test makes claims in this branch) sees an item whose monthly cap is used up as
// 已达上限 and cannot submit it; a submit the server refuses at the cap shows the cap as the
// reason and keeps the member on the draft it left, editable; and a month the branch has closed
// is not offered.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  baseUrl,
  launch,
  PERIOD,
  phoneContext,
  RUN,
  signIn,
  TODAY,
  YEAR,
} from './helpers.mjs'

/** A small JPEG made by the browser, for items that need evidence. */
async function jpeg(page) {
  const data = await page.evaluate(() => {
    const canvas = document.createElement('canvas')
    canvas.width = 64
    canvas.height = 64
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#c8161d'
    ctx.fillRect(0, 0, 64, 64)
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1]
  })
  return Buffer.from(data, 'base64')
}

describe('the claim form shows the room left under an item’s caps', () => {
  let browser
  let context
  let page
  let token
  let member
  let items

  const room = async () => {
    const answer = await api(`/members/${member.id}/room?period=${PERIOD}`, { token })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    return answer.body
  }

  /** Submit claims of an item through the API until the server refuses one at the cap. */
  async function fillCap(item, photo) {
    for (let i = 0; i < 12; i++) {
      const created = await api('/claims', {
        method: 'POST',
        token,
        json: { item_id: item.id, occurred_on: TODAY, quantity: 1, description: `另一台手机上的申报（${RUN}-${i}）` },
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const id = created.body.id
      if (item.requires_evidence) {
        const form = new FormData()
        form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg')
        const uploaded = await fetch(`${baseUrl()}/api/v1/claims/${id}/evidence`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
          body: form,
        })
        assert.equal(uploaded.status, 201, await uploaded.text())
      }
      const submitted = await api(`/claims/${id}/submit`, { method: 'POST', token })
      await api(`/claims/${id}`, { method: 'DELETE', token }).catch(() => null)
      if (submitted.status === 409 && submitted.body.code === 'item_month_limit_reached') return
      assert.equal(submitted.status, 200, JSON.stringify(submitted.body))
    }
    assert.fail(`the monthly cap of ${item.code} was never reached`)
  }

  const main = () => page.locator('main')

  async function openForm() {
    await page.goto('/claims/new')
    await page.getByRole('heading', { name: '申报积分' }).waitFor()
    await page.locator('[data-test="claim-form"]').waitFor()
  }

  async function pick(item) {
    await page.getByLabel('积分项目').click()
    const picker = page.getByRole('dialog', { name: '选择积分项目' })
    await picker.waitFor()
    await picker.locator(`[data-code="${item.code}"]`).click()
    await picker.waitFor({ state: 'hidden' })
    await main().getByText(item.title).first().waitFor()
  }

  before(async () => {
    token = (await apiLogin('member3')).access_token
    member = (await api('/me', { token })).body.member
    assert.ok(member, 'member3 has a member record in the demo data')
    const standard = await api(`/standards/in-force?organisation_id=${member.branch_id}&year=${YEAR}`, { token })
    assert.equal(standard.status, 200, JSON.stringify(standard.body))
    items = standard.body.items
    browser = await launch()
    context = await phoneContext(browser)
    page = await context.newPage()
    await signIn(page, 'member3')
  })

  after(async () => {
    await context?.close()
    await browser?.close()
  })

  test('an item whose monthly cap is used up shows 已达上限 and cannot be submitted', async () => {
    const capped = (await room()).items
      .filter((r) => r.max_per_month !== null)
      .map((r) => items.find((i) => i.id === r.item_id))
      .sort((a, b) => a.requires_evidence - b.requires_evidence)
    const item = capped[0]
    assert.ok(item, 'a capped item member3 may declare')
    if (!(await room()).items.find((r) => r.item_id === item.id).full) await fillCap(item, await jpeg(page))
    const after = (await room()).items.find((r) => r.item_id === item.id)
    assert.equal(after.full, true)
    assert.equal(after.times_left, 0)

    await openForm()
    await page.getByLabel('积分项目').click()
    const picker = page.getByRole('dialog', { name: '选择积分项目' })
    await picker.locator(`[data-code="${item.code}"] [data-test="picker-room"]`).getByText('本月已达上限').waitFor()
    await picker.locator(`[data-code="${item.code}"]`).click()
    await picker.waitFor({ state: 'hidden' })
    await main().locator('[data-test="claim-room"]').getByText('本月已达上限').waitFor()
    await main().locator('[data-test="claim-blocked"]').getByText('该项目本月已达上限').waitFor()
    assert.equal(await main().getByText(/本项目每月最多申报 \d+ 次/).count(), 0, 'no promise of room that is not there')
    assert.equal(await page.locator('[data-test="claim-submit"]').isDisabled(), true)
    await assertAccessible(page, 'claim form at the cap')
  })

  test('a submit refused at the cap says so and stays on the draft, editable', async () => {
    const photo = await jpeg(page)
    const open = (await room()).items
      .filter((r) => r.max_per_month !== null && !r.full)
      .map((r) => items.find((i) => i.id === r.item_id))
      .sort((a, b) => a.requires_evidence - b.requires_evidence)
    const item = open[0]
    assert.ok(item, 'a capped item member3 can still claim this month')

    await openForm()
    await pick(item)
    await main().locator('[data-test="claim-room"]').getByText(/本月还可申报 \d+ 次/).waitFor()
    await page.getByLabel('情况说明').fill(`看望社区独居老人，帮助打扫卫生（${RUN}）`)
    if (item.requires_evidence) {
      await page
        .locator('[data-test="evidence-gallery"] input[type=file]')
        .first()
        .setInputFiles({ name: '现场照片.jpg', mimeType: 'image/jpeg', buffer: photo })
      await page.getByRole('list', { name: '待上传的佐证材料' }).getByRole('img').waitFor()
    }
    // Meanwhile the cap is used up from another phone: the form still shows the room it had.
    await fillCap(item, photo)

    await page.getByRole('button', { name: '提交申报' }).click()
    await page.waitForURL((url) => /^\/claims\/\d+\/edit$/.test(url.pathname))
    const claimId = Number(new URL(page.url()).pathname.split('/')[2])
    await page.locator('[data-test="form-notice"]').getByText('该项目本月积分已达上限').waitFor()
    await page.locator('[data-test="claim-form"]').waitFor()
    assert.equal(await page.getByText('这条申报现在不能修改').count(), 0)
    // The form now knows the room is gone.
    await main().locator('[data-test="claim-room"]').getByText('本月已达上限').waitFor()
    assert.equal(await page.locator('[data-test="claim-submit"]').isDisabled(), true)
    assert.equal(await page.getByLabel('情况说明').inputValue(), `看望社区独居老人，帮助打扫卫生（${RUN}）`)

    const draft = await api(`/claims/${claimId}`, { token })
    assert.equal(draft.body.status, 'draft')
    assert.equal(draft.body.item.id, item.id)
    assert.equal(draft.body.evidence.length, item.requires_evidence ? 1 : 0, 'the photo went up once')

    // Reloaded, the draft is still the member's to edit.
    await page.reload()
    await page.locator('[data-test="claim-form"]').waitFor()
    assert.equal(await page.getByText('这条申报现在不能修改').count(), 0)
    await api(`/claims/${claimId}`, { method: 'DELETE', token })
  })

  test('a month the branch has closed is not offered', async () => {
    // The branch closes this month (as the server would answer once it is locked; closing it
    // for real would expire the drafts of other tests in the demo data).
    const lock = (state) => (state.period === PERIOD ? { ...state, locked: true, open: false } : state)
    await page.route('**/api/v1/members/*/room*', async (route) => {
      const response = await route.fetch()
      const body = await response.json()
      await route.fulfill({
        response,
        json: { ...body, month: lock(body.month), months: body.months.map(lock) },
      })
    })
    try {
      await openForm()
      const window = page.locator('[data-test="claim-window"]')
      await window.getByText('本月已由支部审核锁定').waitFor()
      assert.doesNotMatch(await window.textContent(), /^可申报本月/)
      const room = await api(`/members/${member.id}/room`, { token })
      const previousOpen = room.body.months.some((m) => m.period !== PERIOD && m.open)
      if (previousOpen) {
        // Last month's window still lasts: the date moves there.
        const date = page.locator('#claim-date')
        await page.waitForFunction(
          (period) => !(document.querySelector('#claim-date')?.getAttribute('data-value') ?? '').startsWith(period),
          PERIOD,
        )
        assert.ok(!(await date.getAttribute('data-value')).startsWith(PERIOD))
      } else {
        await window.getByText('现在没有可以申报的月份').waitFor()
        assert.equal(await page.locator('[data-test="claim-submit"]').isDisabled(), true)
      }
    } finally {
      await page.unroute('**/api/v1/members/*/room*')
    }
  })
})
