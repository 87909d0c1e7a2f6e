// The branch audit on a phone: reviewer1 works through the queue (one claim at a time, then 全选
// and 批量通过); secretary1's own claims come back as self_review; secretary1 records a 主题党日
// for the whole branch and a deduction, finds the month blocked by a pending claim and decides it,
// but cannot lock the month before the claim deadline (月度审核锁定 waits for the deadline); the
// org admin locks it early with a reason, and secretary1 then sees 已锁定 and the ranking.
//
// The demo's 青山社区党支部 is shared with the other browser tests, so everything that changes
// state happens in a branch made for this run: reviewer1 reviews it and secretary1 is its
// secretary (each then acts for two branches and gets the branch switcher). In 青山 this test
// only reads, and secretary1's refused bulk approval of their own claims changes nothing.
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
  runBranch,
  screenshot,
  signIn,
  useBranch,
} from './helpers.mjs'

const NEW_PASSWORD = 'Red-Flag-2024!'
const PHOTO = await readFile(new URL('../public/icons/icon-192.png', import.meta.url))

/** Today in Beijing (the standard's timezone), YYYY-MM-DD. */
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
const period = today.slice(0, 7)

async function uploadPhoto(token, claimId) {
  const form = new FormData()
  form.append('file', new Blob([PHOTO], { type: 'image/png' }), '活动照片.png')
  const response = await fetch(`${baseUrl()}/api/v1/claims/${claimId}/evidence`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  })
  assert.equal(response.status, 201, `evidence upload: ${await response.text()}`)
}

/** A claim as its member would make it: a draft, a photo when the item needs one, submitted. */
async function claim(token, item, description, { submit = true } = {}) {
  const created = ok(
    await api('/claims', {
      method: 'POST',
      token,
      json: { item_id: item.id, occurred_on: today, quantity: 1, description },
    }),
    `claim ${item.code}`,
  )
  if (item.requires_evidence) await uploadPhoto(token, created.id)
  if (submit) ok(await api(`/claims/${created.id}/submit`, { method: 'POST', token }), `submit ${item.code}`)
  return created
}

const queueCount = (page) => page.locator('[data-test="queue-count"]')

describe('the branch audit on a phone', () => {
  let browser
  let admin
  let branch
  let items
  const people = [] // { member, token }
  const roleIds = []
  let reviewer
  let secretary

  before(async () => {
    admin = (await apiLogin('admin')).access_token
    const reviewerToken = (await apiLogin('reviewer1')).access_token
    const secretaryToken = (await apiLogin('secretary1')).access_token
    reviewer = { token: reviewerToken, me: ok(await api('/me', { token: reviewerToken }), 'me') }
    secretary = { token: secretaryToken, me: ok(await api('/me', { token: secretaryToken }), 'me') }

    // A branch of this run's own, under the demo's committee.
    branch = await runBranch(admin, `滨河社区第${randomInt(1000, 9999)}党支部`)
    const standard = ok(
      await api(`/standards/in-force?organisation_id=${branch.id}&year=${today.slice(0, 4)}`, { token: admin }),
      'standard',
    )
    items = Object.fromEntries(standard.items.map((i) => [i.code, i]))

    for (const name of ['王建华', '刘芳', '陈红梅', '赵立新', '孙丽娟', '周国强']) {
      const created = ok(
        await api('/members', {
          method: 'POST',
          token: admin,
          json: {
            name,
            phone: `139${String(randomInt(0, 1e8)).padStart(8, '0')}`,
            branch_id: branch.id,
            category: 'rural_community',
            joined_on: '2012-07-01',
          },
        }),
        `member ${name}`,
      )
      people.push({ member: created, account: created.account })
    }
    // The first three have claims to review: they sign in and set their own password first.
    for (const person of people.slice(0, 3)) {
      const first = await apiLogin(person.account.username, person.account.initial_password)
      const changed = await api('/auth/password', {
        method: 'POST',
        token: first.access_token,
        json: { current_password: person.account.initial_password, new_password: NEW_PASSWORD },
      })
      assert.equal(changed.status, 204, JSON.stringify(changed.body))
      person.token = (await apiLogin(person.account.username, NEW_PASSWORD)).access_token
    }
    const [a, b, c] = people
    await claim(a.token, items.C01, '参加社区志愿服务，清理楼道小广告两小时')
    await claim(b.token, items.P07, '参观红色教育基地，重温入党誓词')
    await claim(c.token, items.M05, '调解邻里停车纠纷，双方达成一致')
    await claim(a.token, items.M09, '看望独居老人，帮忙打扫卫生')
    await claim(b.token, items.C06, '帮助修理小区路灯，方便群众夜间出行')
    await claim(c.token, items.C03, '建议增设垃圾分类投放点，被社区采纳')
    await claim(c.token, items.M10, '参与小区环境整治', { submit: false }) // a draft that will expire

    for (const [who, role] of [
      [reviewer, 'reviewer'],
      [secretary, 'secretary'],
    ]) {
      const assigned = ok(
        await api('/role-assignments', {
          method: 'POST',
          token: admin,
          json: { user_id: who.me.user.id, role, organisation_id: branch.id },
        }),
        `role ${role}`,
      )
      roleIds.push(assigned.id)
    }

    // secretary1 needs a pending claim of their own in 青山 (the demo has some; make one if not).
    const home = secretary.me.member.branch_id
    const own = ok(
      await api(`/claims?status=submitted&branch=${home}&member=${secretary.me.member.id}`, { token: secretaryToken }),
      'own claims',
    )
    if (own.total === 0) await claim(secretaryToken, items.M06, '为社区困难家庭捐赠冬衣两件')

    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    // Leave the demo users with the roles they had.
    for (const id of roleIds) await api(`/role-assignments/${id}`, { method: 'DELETE', token: admin })
  })

  test('reviewer1 decides claims one by one, then approves the rest with 全选 and 批量通过', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'reviewer1')
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '审核' }).click()
    await page.waitForURL((url) => url.pathname === '/review')
    await page.getByRole('heading', { name: '积分审核' }).waitFor()

    // Their own branch first: the demo queue (read only here).
    await page.locator('article[data-claim]').first().waitFor()
    await assertFitsSmallPhone(page, 'review queue')
    await assertAccessible(page, 'review queue')

    await useBranch(page, branch.name)
    await page.waitForFunction(() => document.querySelector('[data-test="queue-count"]')?.textContent?.includes('6'))
    assert.equal((await queueCount(page).textContent()).trim(), '待审核 6 条')
    assert.equal(await page.locator('article[data-claim]').count(), 6)

    // The oldest claim: C01 by 王建华, granted fewer points with a quick comment.
    await page.locator('article[data-claim]').first().getByRole('link').click()
    await page.waitForURL((url) => /^\/review\/\d+$/.test(url.pathname))
    const firstId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByRole('heading', { name: '王建华' }).waitFor()
    await page.getByText('参加社区志愿服务，清理楼道小广告两小时').waitFor()
    await page.getByRole('button', { name: /^查看第 1 个文件/ }).locator('img').waitFor()
    await screenshot(page, 'review-claim.png')
    await assertFitsSmallPhone(page, 'review claim')
    await assertAccessible(page, 'review claim')

    // The photo opens full screen.
    await page.getByRole('button', { name: /^查看第 1 个文件/ }).click()
    await page.locator('.van-image-preview').waitFor()
    await page.locator('.van-image-preview__close-icon').click()
    await page.locator('.van-image-preview').waitFor({ state: 'hidden' })

    await page.getByRole('button', { name: '核减', exact: true }).click()
    let sheet = page.getByRole('dialog', { name: '核减后通过' })
    await sheet.waitFor()
    await sheet.getByRole('button', { name: '确认核减后通过' }).click()
    await sheet.getByText('请填写核定分值').waitFor()
    await sheet.getByText('请填写审核意见').waitFor()
    await sheet.getByLabel('核定分值').fill('0.3')
    await sheet.getByRole('button', { name: /超出本项目每月上限/ }).click()
    assert.equal(await sheet.getByLabel('审核意见').inputValue(), '超出本项目每月上限')
    await sheet.getByRole('button', { name: '确认核减后通过' }).click()
    // The toast keeps its words on one line (Vant's 88 px box broke it as 已核减后通 / 过).
    const toast = page.locator('.van-toast--success').filter({ hasText: '已核减后通过' })
    await toast.waitFor()
    const lines = await toast
      .locator('.van-toast__text')
      .evaluate((el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)))
    assert.equal(lines, 1, 'the toast 已核减后通过 wraps')
    await page.waitForURL((url) => url.pathname !== `/review/${firstId}`)
    const decided = ok(await api(`/claims/${firstId}`, { token: reviewer.token }), 'first claim')
    assert.equal(decided.status, 'approved')
    assert.equal(decided.granted_points, '0.3')
    assert.equal(decided.decision_comment, '超出本项目每月上限')

    // The next one (P07 by 刘芳) goes back for a better photo.
    await page.getByRole('heading', { name: '刘芳' }).waitFor()
    const secondId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByRole('button', { name: '退回', exact: true }).click()
    sheet = page.getByRole('dialog', { name: '退回修改' })
    await sheet.getByRole('button', { name: /请补充佐证照片/ }).click()
    await sheet.getByRole('button', { name: '确认退回修改' }).click()
    await page.waitForURL((url) => url.pathname !== `/review/${secondId}`)
    const returned = ok(await api(`/claims/${secondId}`, { token: reviewer.token }), 'second claim')
    assert.equal(returned.status, 'returned')
    assert.equal(returned.decision_comment, '请补充佐证照片')

    // A decided claim shows its state and no actions.
    await page.goto(`/review/${firstId}`)
    await page.locator('[data-test="claim-notice"]').getByText('已通过').waitFor()
    assert.equal(await page.locator('[data-test="decision-bar"]').count(), 0)

    // Back to the queue: 4 left; select them all and approve them in one go.
    await page.getByRole('button', { name: '返回' }).click()
    await page.waitForURL((url) => url.pathname === '/review')
    await page.waitForFunction(() => document.querySelector('[data-test="queue-count"]')?.textContent?.includes('4'))
    await page.getByRole('button', { name: '批量审核' }).click()
    // A row is a check box; the keyboard works it too.
    await page.locator('article[data-claim] [role="checkbox"]').first().focus()
    await page.keyboard.press('Space')
    await page.getByRole('button', { name: '批量通过 (1)' }).waitFor()
    await page.getByRole('checkbox', { name: '全选' }).click()
    const bulk = page.getByRole('button', { name: '批量通过 (4)' })
    await bulk.waitFor()
    await page.waitForTimeout(400) // the check marks' transition
    await screenshot(page, 'review-queue.png')
    await assertFitsSmallPhone(page, 'review queue, select mode')
    await assertAccessible(page, 'review queue, select mode')
    await bulk.click()
    // One tap does not decide four claims: the count and the total points to confirm first.
    const confirm = page.getByRole('dialog').filter({ hasText: '确认批量通过' })
    await confirm.getByText(/^批量通过 4 条，共 [\d.]+ 分？$/).waitFor()
    await confirm.getByRole('button', { name: '确认通过' }).click()
    await confirm.waitFor({ state: 'hidden' })
    const result = page.locator('[data-test="bulk-result"]')
    await result.waitFor()
    assert.equal((await result.locator('[data-test="bulk-summary"]').textContent()).trim(), '已通过 4 条申报')
    await page.getByText('暂无待审核申报').waitFor()
    assert.equal((await queueCount(page).textContent()).trim(), '待审核 0 条')
    await assertAccessible(page, 'bulk result')

    const left = ok(await api(`/claims?status=submitted&branch=${branch.id}`, { token: reviewer.token }), 'queue')
    assert.equal(left.total, 0)

    // English is one switch away.
    await page.evaluate(() => localStorage.setItem('vanguard.locale', 'en'))
    await page.reload()
    await page.getByRole('heading', { name: 'Review' }).waitFor()
    await page.getByText('No claims waiting for review').waitFor()
    await assertFitsSmallPhone(page, 'review queue (English)')
    await assertAccessible(page, 'review queue (English)')
    await page.evaluate(() => localStorage.setItem('vanguard.locale', 'zh-CN'))
    await page.context().close()
  })

  test("secretary1's own claims come back from 批量通过 as self_review", async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'secretary1')
    await page.goto('/review')
    await useBranch(page, secretary.me.member.branch_name)
    const name = secretary.me.member.name
    await page.locator('article[data-claim]').first().waitFor()
    await page.getByLabel('党员', { exact: true }).selectOption({ label: name })
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('article[data-claim]')]
      return rows.length > 0 && rows.every((a) => a.textContent.includes(n))
    }, name)
    const mine = await page.locator('article[data-claim]').count()
    assert.ok(mine > 0)
    // Their own rows carry 本人申报 and no quick approve.
    await page.locator('article[data-claim]').first().getByText('本人申报').waitFor()
    assert.equal(await page.getByRole('button', { name: /^通过 / }).count(), 0)

    await page.getByRole('button', { name: '批量审核' }).click()
    await page.getByRole('checkbox', { name: '全选' }).click()
    await page.getByRole('button', { name: `批量通过 (${mine})` }).click()
    await page.getByRole('dialog').filter({ hasText: '确认批量通过' }).getByRole('button', { name: '确认通过' }).click()
    const result = page.locator('[data-test="bulk-result"]')
    await result.waitFor()
    assert.equal(
      (await result.locator('[data-test="bulk-summary"]').textContent()).trim(),
      `已通过 0 条，${mine} 条未能通过`,
    )
    assert.equal(await result.locator('li[data-code="self_review"]').count(), mine)
    await result.getByText('不能审核自己的申报').first().waitFor()
    // Nothing changed: the claims still wait, for another reviewer.
    assert.equal(await page.locator('article[data-claim]').count(), mine)
    await page.context().close()
  })

  test('secretary1 records a 主题党日 for the whole branch and a deduction, and decides the last claim', async () => {
    // One more claim arrives, so the month cannot be closed yet.
    const late = await claim(people[1].token, items.P04, '撰写学习党的二十届四中全会精神心得体会')

    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'secretary1')
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '支部' }).click()
    await page.waitForURL((url) => url.pathname === '/branch')
    await useBranch(page, branch.name)
    await page.getByRole('heading', { name: '支部月度' }).waitFor()
    await page.locator('[data-test="month-status"]').getByText('进行中').waitFor()
    const blockers = page.locator('[data-test="month-blockers"]')
    await blockers.getByText('还有 1 条申报待审核').waitFor()
    assert.equal(await page.locator('[data-test="close-month"]').isDisabled(), true)

    // 支部记分: P02 主题党日 for everyone (全选).
    await page.getByRole('link', { name: '支部记分' }).click()
    await page.waitForURL((url) => url.pathname === '/branch/entries/new')
    await page.getByRole('button', { name: /记分项目/ }).click()
    const picker = page.getByRole('dialog', { name: '选择记分项目' })
    await picker.getByRole('radio', { name: /P02/ }).click()
    await picker.waitFor({ state: 'hidden' })
    assert.equal(await page.getByLabel('日期', { exact: true }).getAttribute('data-value'), today)
    await page.getByLabel('事由/主题').fill(`${Number(period.slice(5))}月主题党日：学习党的二十届四中全会精神`)
    await page.getByRole('button', { name: '全选' }).click()
    await page.locator('[data-test="attendee-count"]').getByText('已选 6/6 人').waitFor()
    await page.locator('[data-test="entry-preview"]').getByText('将为 6 人各记 0.3 分').waitFor()
    await screenshot(page, 'review-entry.png')
    await assertFitsSmallPhone(page, 'entry form')
    await assertAccessible(page, 'entry form')
    await page.getByRole('button', { name: '记分（6 人）' }).click()
    await page.locator('[data-test="entry-result"]').getByText('已记分：6 人各记 0.3 分').waitFor()
    await page.locator('[data-test="entry-list"]').getByText('学习党的二十届四中全会精神').waitFor()

    // A deduction needs a reason, names the member and is confirmed first.
    await page.getByRole('button', { name: '继续记分' }).click()
    await page.getByRole('button', { name: /记分项目/ }).click()
    await picker.getByRole('radio', { name: /X01/ }).click()
    await picker.waitFor({ state: 'hidden' })
    await page.getByLabel('搜索党员姓名').fill('周国')
    await page.getByRole('checkbox', { name: '周国强' }).click()
    await page.getByRole('button', { name: '扣分（1 人）' }).click()
    await page.getByText('扣分须填写原因').waitFor()
    await page.getByLabel('扣分原因').fill('无故不参加本月主题党日')
    await page.getByRole('button', { name: '扣分（1 人）' }).click()
    const confirm = page.getByRole('dialog')
    await confirm.getByText('确定为 周国强 各扣 2 分？').waitFor()
    await confirm.getByRole('button', { name: '确定' }).click()
    await page.locator('[data-test="entry-result"]').getByText('已扣分：1 人各扣 2 分').waitFor()

    // Back to the month: still blocked by the late claim; decide it from the queue.
    await page.goto('/branch')
    await blockers.getByRole('link', { name: '去审核' }).click()
    await page.waitForURL((url) => url.pathname === '/review')
    await page.locator(`article[data-claim="${late.id}"]`).getByRole('link').click()
    await page.waitForURL((url) => url.pathname === `/review/${late.id}`)
    await page.getByRole('button', { name: '不予通过' }).click()
    const sheet = page.getByRole('dialog', { name: '不予通过' })
    await sheet.getByRole('button', { name: /与已申报的内容重复/ }).click()
    await sheet.getByRole('button', { name: '确认不予通过' }).click()
    await page.waitForURL((url) => url.pathname === '/review')
    await page.getByText('暂无待审核申报').waitFor()

    // Nothing is pending, but members may still claim for this month until the deadline: the
    // secretary cannot lock it yet (the current month's deadline is always next month).
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '支部' }).click()
    await page.waitForURL((url) => url.pathname === '/branch')
    await blockers.getByText('截止后才能锁定').waitFor()
    assert.equal(await blockers.getByText('待审核').count(), 0)
    assert.equal(await page.locator('[data-test="close-month"]').isDisabled(), true)
    const refused = await api(`/branches/${branch.id}/months/${period}/close`, {
      method: 'POST',
      token: secretary.token,
    })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'deadline_not_passed')
    await page.context().close()
  })

  test('the org admin locks the month early, with a reason; secretary1 sees it locked', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'admin')
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '支部' }).click()
    await page.waitForURL((url) => url.pathname === '/branch')
    await useBranch(page, branch.name)
    await page.locator('[data-test="close-early-note"]').waitFor()
    const close = page.locator('[data-test="close-month"]')
    await close.getByText('提前锁定').waitFor()
    await close.click()
    const dialog = page.getByRole('dialog', { name: '提前锁定本月' })
    await dialog.getByText('2 条草稿/退回的申报将过期', { exact: false }).waitFor()
    await dialog.getByRole('button', { name: '确认锁定' }).click()
    await dialog.getByText('请填写提前锁定的原因').waitFor() // no reason, no lock
    await dialog.getByLabel('提前锁定的原因').fill('支部换届前完成本月审核')
    await dialog.getByRole('button', { name: '确认锁定' }).click()
    await page.locator('.van-toast').getByText('已锁定，2 条申报已过期').waitFor()
    await page.locator('[data-test="month-locked"]').waitFor()
    await page.locator('[data-test="month-closed-by"]').getByText('周明远 于').waitFor()
    await page.context().close()

    const locked = ok(await api(`/branches/${branch.id}/months/${period}`, { token: admin }), 'month')
    assert.equal(locked.status, 'locked')
  })

  test('secretary1 sees the locked month and its ranking', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'secretary1')
    await page.goto('/branch')
    await useBranch(page, branch.name)
    await page.locator('[data-test="month-status"]').getByText('已锁定').waitFor()
    await page.locator('[data-test="month-closed-by"]').getByText('周明远 于').waitFor()
    const ranking = page.locator('[data-test="ranking"]')
    await ranking.getByText('王建华').waitFor()
    assert.equal(await ranking.locator('li').count(), 6)
    await page.locator('[data-test="record-entry"]').waitFor({ state: 'detached' })
    await page.locator('.van-dialog').waitFor({ state: 'hidden' })
    await page.locator('.van-toast').waitFor({ state: 'hidden' })
    await page.locator('[data-test="month-close"]').evaluate((el) => window.scrollTo(0, el.offsetTop - 56))
    await screenshot(page, 'review-month.png')
    await assertFitsSmallPhone(page, 'month')
    await assertAccessible(page, 'month')

    const month = ok(await api(`/branches/${branch.id}/months/${period}`, { token: secretary.token }), 'month')
    assert.equal(month.status, 'locked')
    assert.equal(month.counts.expired, 2)
    assert.equal(month.counts.submitted, 0)

    // A name in the ranking opens that member's points, on their attendance at branch meetings.
    await ranking.getByRole('link', { name: '周国强' }).click()
    await page.waitForURL((url) => url.pathname === '/points')
    const attendance = page.locator('[data-test="points-attendance"]')
    await attendance.locator('[data-entry]').getByText(/主题党日/).first().waitFor()
    await page.context().close()
  })

  test('reviewer1 sees the month but cannot lock it', async () => {
    const page = await (await phoneContext(browser)).newPage()
    await signIn(page, 'reviewer1')
    await page.goto('/branch')
    await useBranch(page, reviewer.me.member.branch_name)
    await page.getByRole('heading', { name: '支部月度' }).waitFor()
    await page.locator('[data-test="month-close"]').waitFor()
    const status = (await page.locator('[data-test="month-status"]').textContent()).trim()
    if (status === '进行中') await page.getByText('月度审核锁定由支部书记操作。').waitFor()
    assert.equal(await page.locator('[data-test="close-month"]').count(), 0)
    await page.context().close()
  })
})
