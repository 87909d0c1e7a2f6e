// Following up the month on a phone: secretary1's to-do card on home (待审核 matching the review
// queue, 未申报, days to the deadline) and the review tab's badge; the list of members who have
// not declared, 提醒 for one of them; that member signs in, sees 支部书记…提醒您申报… on home
// and dismisses it (知道了).
//
// Reminders go out once a day per member, so the reminded member is made for this run, in a
// branch of this run's own where secretary1 is secretary (the demo's 青山 is only read here).
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertFitsSmallPhone,
  launch,
  ok,
  phoneContext,
  runBranch,
  signIn,
} from './helpers.mjs'

const NEW_PASSWORD = 'Red-Flag-2024!'

describe('the to-do card and reminders on a phone', () => {
  let browser
  let admin
  let secretary
  let branch
  let member
  let roleId

  before(async () => {
    admin = (await apiLogin('admin')).access_token
    const token = (await apiLogin('secretary1')).access_token
    secretary = { token, me: ok(await api('/me', { token }), 'me') }

    branch = await runBranch(admin, `东湖社区第${randomInt(1000, 9999)}党支部`)
    const created = ok(
      await api('/members', {
        method: 'POST',
        token: admin,
        json: {
          name: '郑晓梅',
          phone: `139${String(randomInt(0, 1e8)).padStart(8, '0')}`,
          branch_id: branch.id,
          category: 'rural_community',
          joined_on: '2012-07-01',
        },
      }),
      'member',
    )
    const first = await apiLogin(created.account.username, created.account.initial_password)
    const changed = await api('/auth/password', {
      method: 'POST',
      token: first.access_token,
      json: { current_password: created.account.initial_password, new_password: NEW_PASSWORD },
    })
    assert.equal(changed.status, 204, JSON.stringify(changed.body))
    member = { ...created, username: created.account.username }
    roleId = ok(
      await api('/role-assignments', {
        method: 'POST',
        token: admin,
        json: { user_id: secretary.me.user.id, role: 'secretary', organisation_id: branch.id },
      }),
      'role',
    ).id
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    if (roleId) await api(`/role-assignments/${roleId}`, { method: 'DELETE', token: admin })
  })

  test('secretary1 sees the to-do, opens the queue and the undeclared list, and reminds one member', async () => {
    const home = secretary.me.member.branch_id
    const queue = ok(await api(`/claims?status=submitted&branch=${home}`, { token: secretary.token }), 'queue')
    const todo = ok(await api('/me/todo', { token: secretary.token }), 'todo')
    const mine = todo.branches.find((b) => b.branch.id === home)
    assert.equal(mine.pending, queue.total)
    const pendingAll = todo.branches.reduce((sum, b) => sum + b.pending, 0)

    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'secretary1')
    const card = page.locator('[data-test="todo-card"]')
    await card.waitFor()
    const own = card.locator(`[data-branch="${home}"]`)
    assert.equal((await own.locator('[data-test="todo-pending-count"]').textContent()).trim(), String(queue.total))
    assert.equal(
      (await own.locator('[data-test="todo-undeclared-count"]').textContent()).trim(),
      String(mine.undeclared),
    )
    assert.match(await own.locator('[data-test="todo-days"]').textContent(), /还剩 \d+ 天|今天截止/)
    if (pendingAll) {
      const badge = page.locator('[data-tab="review"] [data-test="tab-badge"]')
      assert.equal((await badge.textContent()).trim(), String(pendingAll))
    }
    for (const tile of await own.locator('a.todo-tile').all()) {
      const box = await tile.boundingBox()
      assert.ok(box.height >= 44 && box.width >= 44, `tile ${box.width}×${box.height}`)
    }
    await assertFitsSmallPhone(page, 'home with the to-do card')

    // 待审核 leads to the queue of that branch, with the same count.
    await own.locator('[data-test="todo-pending"]').click()
    await page.waitForURL((url) => url.pathname === '/review')
    await page.waitForFunction(
      (n) => document.querySelector('[data-test="queue-count"]')?.textContent?.includes(`待审核 ${n} 条`),
      queue.total,
    )

    // The run's branch: its one member has not declared.
    await page.goto('/')
    const ours = page.locator(`[data-test="todo-card"] [data-branch="${branch.id}"]`)
    await ours.waitFor()
    assert.equal((await ours.locator('[data-test="todo-undeclared-count"]').textContent()).trim(), '1')
    await ours.locator('[data-test="todo-undeclared"]').click()
    await page.waitForURL((url) => url.pathname === '/branch/undeclared')
    await page.getByRole('heading', { name: '未申报党员' }).waitFor()
    const row = page.locator(`[data-member="${member.id}"]`)
    await row.waitFor()
    assert.equal((await page.locator('[data-test="undeclared-summary"]').textContent()).trim().endsWith('未申报 1 人'), true)
    const remind = row.getByRole('button', { name: '提醒 郑晓梅 申报' })
    const box = await remind.boundingBox()
    assert.ok(box.height >= 44 && box.width >= 44, `提醒 ${box.width}×${box.height}`)
    await assertFitsSmallPhone(page, 'undeclared list')
    await remind.click()
    await page.getByText('已提醒 1 人').waitFor()
    await row.getByRole('button', { name: '今日已提醒' }).waitFor()
    assert.ok(await row.getByRole('button', { name: '今日已提醒' }).isDisabled())

    // Once a day: the server says so instead of sending again.
    const again = ok(
      await api(`/branches/${branch.id}/months/${mine.period}/reminders`, {
        method: 'POST',
        token: secretary.token,
        json: { member_ids: [member.id], all: false },
      }),
      'again',
    )
    assert.equal(again.sent, 0)
    assert.deepEqual(again.skipped_members, [{ member_id: member.id, reason: 'reminded_today' }])
    await page.context().close()
  })

  test('the member sees the reminder on home and dismisses it', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, member.username, NEW_PASSWORD)
    const notice = page.locator('[data-test="home-reminder"]')
    await notice.waitFor()
    const text = await notice.textContent()
    assert.match(text, /支部书记.+提醒您申报\d{4}年\d{1,2}月积分/)
    assert.ok(text.includes(branch.name))
    const badge = page.locator('[data-tab="home"] [data-test="tab-badge"]')
    assert.equal((await badge.textContent()).trim(), '1')
    await assertFitsSmallPhone(page, 'member home with a reminder')

    const dismiss = notice.getByRole('button', { name: '知道了，不再显示这条提醒' })
    const box = await dismiss.boundingBox()
    assert.ok(box.height >= 44, `知道了 ${box.height}`)
    await dismiss.click()
    await notice.waitFor({ state: 'detached' })
    await badge.waitFor({ state: 'detached' })

    const token = (await apiLogin(member.username, NEW_PASSWORD)).access_token
    const unread = ok(await api('/me/reminders?unread=true', { token }), 'unread')
    assert.equal(unread.total, 0)
    const all = ok(await api('/me/reminders', { token }), 'all')
    assert.equal(all.total, 1)
    assert.ok(all.items[0].read_at)
    await page.reload()
    await page.locator('[data-test="home-month"]').waitFor()
    assert.equal(await page.locator('[data-test="home-reminder"]').count(), 0)
    await page.context().close()
  })
})
