// Corrections while the month is open, on a phone: secretary1 records a 主题党日 twice and is
// asked to confirm the likely duplicate; voids the second one with a reason (struck through,
// the points taken back); reverts an approval (撤销决定), and 批量通过 first asks to confirm the
// number of claims and their total points.
//
// Everything happens in a branch made for this run, where secretary1 is made secretary.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
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
  RUN,
  runBranch,
  signIn,
  TODAY,
  useBranch,
} from './helpers.mjs'

const NEW_PASSWORD = 'Red-Flag-2024!'
const PHOTO = await readFile(new URL('../public/icons/icon-192.png', import.meta.url))

async function claim(token, item, description) {
  const created = ok(
    await api('/claims', { method: 'POST', token, json: { item_id: item.id, occurred_on: TODAY, quantity: 1, description } }),
    `claim ${item.code}`,
  )
  if (item.requires_evidence) {
    const form = new FormData()
    form.append('file', new Blob([PHOTO], { type: 'image/png' }), '活动照片.png')
    const response = await fetch(`${baseUrl()}/api/v1/claims/${created.id}/evidence`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    })
    assert.equal(response.status, 201, `evidence upload: ${await response.text()}`)
  }
  return ok(await api(`/claims/${created.id}/submit`, { method: 'POST', token }), `submit ${item.code}`)
}

describe('corrections while the month is open', () => {
  let browser
  let admin
  let branch
  let items
  let secretary
  let member
  let roleId
  let approved
  let other

  before(async () => {
    admin = (await apiLogin('admin')).access_token
    const token = (await apiLogin('secretary1')).access_token
    secretary = { token, me: ok(await api('/me', { token }), 'me') }
    branch = await runBranch(admin, `河畔社区第${randomInt(1000, 9999)}党支部`)
    const standard = ok(
      await api(`/standards/in-force?organisation_id=${branch.id}&year=${TODAY.slice(0, 4)}`, { token: admin }),
      'standard',
    )
    items = Object.fromEntries(standard.items.map((i) => [i.code, i]))
    for (const name of ['吴志强', '郑秀兰']) {
      const created = ok(
        await api('/members', {
          method: 'POST',
          token: admin,
          json: {
            name,
            phone: `137${String(randomInt(0, 1e8)).padStart(8, '0')}`,
            branch_id: branch.id,
            category: 'rural_community',
            joined_on: '2015-07-01',
          },
        }),
        `member ${name}`,
      )
      member ??= created
    }
    const first = await apiLogin(member.account.username, member.account.initial_password)
    const changed = await api('/auth/password', {
      method: 'POST',
      token: first.access_token,
      json: { current_password: member.account.initial_password, new_password: NEW_PASSWORD },
    })
    assert.equal(changed.status, 204, JSON.stringify(changed.body))
    member.token = (await apiLogin(member.account.username, NEW_PASSWORD)).access_token
    approved = await claim(member.token, items.C04, `组织楼道清洁志愿服务（${RUN}）`)
    other = await claim(member.token, items.C06, `帮助修理小区路灯（${RUN}）`)
    roleId = ok(
      await api('/role-assignments', {
        method: 'POST',
        token: admin,
        json: { user_id: secretary.me.user.id, role: 'secretary', organisation_id: branch.id },
      }),
      'role',
    ).id
    // Approved by someone else before secretary1 finds the mistake.
    ok(await api(`/claims/${approved.id}/approve`, { method: 'POST', token: admin, json: {} }), 'approve')
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    if (roleId) await api(`/role-assignments/${roleId}`, { method: 'DELETE', token: admin })
  })

  test('a second 主题党日 on the same day needs confirming; then it is voided with a reason', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'secretary1')
    await page.goto('/branch/entries/new')
    await useBranch(page, branch.name)
    const record = async () => {
      await page.getByRole('button', { name: /记分项目/ }).click()
      const picker = page.getByRole('dialog', { name: '选择记分项目' })
      await picker.getByRole('radio', { name: /P02/ }).click()
      await picker.waitFor({ state: 'hidden' })
      await page.getByLabel('事由/主题').fill(`主题党日：学习党章（${RUN}）`)
      await page.getByRole('button', { name: '全选' }).click()
      await page.getByRole('button', { name: '记分（2 人）' }).click()
    }
    await record()
    await page.locator('[data-test="entry-result"]').getByText('已记分：2 人各记 0.3 分').waitFor()

    await page.getByRole('button', { name: '继续记分' }).click()
    await record()
    const confirm = page.getByRole('dialog').filter({ hasText: '可能重复' })
    await confirm.getByText(/^可能重复：吴志强、郑秀兰 在 .+ 已有“P02 .+”的记分。仍要记录？$/).waitFor()
    await confirm.getByRole('button', { name: '仍要记录' }).click()
    await page.locator('[data-test="entry-result"]').getByText('已记分：2 人各记 0.3 分').waitFor()
    let entries = ok(await api(`/branches/${branch.id}/entries`, { token: secretary.token }), 'entries')
    assert.equal(entries.total, 2)

    // Void the second one from the month's list.
    const list = page.locator('[data-test="entry-list"]')
    const row = list.locator(`[data-entry="${entries.items[0].id}"]`)
    await row.getByRole('button', { name: /^作废/ }).click()
    const dialog = page.getByRole('dialog', { name: '作废这条记分' })
    await dialog.getByRole('button', { name: '作废' }).click()
    await dialog.getByText('请填写原因').waitFor()
    await dialog.getByLabel('作废原因').fill('重复记录了同一次主题党日')
    await assertFitsSmallPhone(page, 'void dialog')
    await dialog.getByRole('button', { name: '作废' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await row.locator('[data-test="entry-voided"]').getByText('已作废：重复记录了同一次主题党日').waitFor()
    assert.equal(await row.getAttribute('data-voided'), 'true')
    const decoration = await row.locator('.entry-list__title').evaluate((e) => getComputedStyle(e).textDecorationLine)
    assert.equal(decoration, 'line-through')
    assert.equal(await row.getByRole('button', { name: /^作废/ }).count(), 0)

    entries = ok(await api(`/branches/${branch.id}/entries`, { token: secretary.token }), 'entries')
    assert.equal(entries.items[0].void_reason, '重复记录了同一次主题党日')
    const points = ok(
      await api(`/members/${member.id}/points?year=${TODAY.slice(0, 4)}`, { token: secretary.token }),
      'points',
    )
    const month = points.months.find((m) => m.period === TODAY.slice(0, 7))
    // One 主题党日 (0.3) and the approved claim (2): the voided entry counts no more.
    assert.equal(Number(month.net), 2.3)
    await page.context().close()
  })

  test('secretary1 reverts an approval (撤销决定), then 批量通过 confirms the count and the total', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'secretary1')
    await page.goto(`/review/${approved.id}`)
    await page.locator('[data-test="claim-status"]').getByText('已通过').waitFor()
    await page.getByRole('button', { name: '撤销决定' }).click()
    const dialog = page.getByRole('dialog', { name: '撤销审核决定' })
    await dialog.getByLabel('撤销原因').fill('照片不是本次活动的，需重新审核')
    await dialog.getByRole('button', { name: '撤销决定' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('[data-test="claim-status"]').getByText('待审核').waitFor()
    await page.locator('[data-test="decision-bar"]').waitFor()
    await assertFitsSmallPhone(page, 'reverted claim')
    const after = ok(await api(`/claims/${approved.id}`, { token: secretary.token }), 'claim')
    assert.equal(after.status, 'submitted')

    await page.goto('/review')
    await useBranch(page, branch.name)
    await page.locator(`article[data-claim="${other.id}"]`).waitFor()
    await page.locator(`article[data-claim="${approved.id}"]`).waitFor()
    await page.getByRole('button', { name: '批量审核' }).click()
    await page.getByRole('checkbox', { name: '全选' }).click()
    await page.getByRole('button', { name: '批量通过 (2)' }).click()
    const confirm = page.getByRole('dialog').filter({ hasText: '确认批量通过' })
    await confirm.getByText('批量通过 2 条，共 3 分？').waitFor()
    await page.waitForTimeout(400) // the dialog's fade-in
    await assertAccessible(page, 'bulk approval confirmation')
    // Cancelled, nothing is decided.
    await confirm.getByRole('button', { name: '取消' }).click()
    await confirm.waitFor({ state: 'hidden' })
    assert.equal(ok(await api(`/claims/${other.id}`, { token: secretary.token }), 'claim').status, 'submitted')
    await page.getByRole('button', { name: '批量通过 (2)' }).click()
    await confirm.getByRole('button', { name: '确认通过' }).click()
    await page.locator('[data-test="bulk-result"]').getByText('已通过 2 条申报').waitFor()
    for (const id of [approved.id, other.id]) {
      assert.equal(ok(await api(`/claims/${id}`, { token: secretary.token }), 'claim').status, 'approved')
    }
    await page.context().close()
  })
})
