// The org admin's people screens, on a small phone (360×640, bottom tab bar) and on a desktop
// screen (1280×800, side navigation and tables): the admin opens 管理 → 党员管理, finds a member
// by name, assigns them the reviewer (支委) role on their branch, tries again and reads why it
// is refused, then in 组织架构 creates a branch under the committee and renames it.
// Each viewport works on a branch and a member of its own, made through the API.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  ok,
  phoneContext,
  RUN,
  runBranch,
  screenshot,
  signIn,
  SMALL_PHONE,
} from './helpers.mjs'
import { pickDate } from './date-picker.mjs'

const DESKTOP = { width: 1280, height: 800 }
const tid = (page, id) => page.locator(`[data-test="${id}"]`)
const nav = (page) => page.getByRole('navigation', { name: '主导航' })
/** Wait for dialogs' and toasts' transitions to end, so screenshots show a settled screen. */
const settled = (page) =>
  page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
const noToast = (page) =>
  page.waitForFunction(() =>
    [...document.querySelectorAll('.van-toast')].every((el) => getComputedStyle(el).display === 'none'),
  )

for (const [label, viewport, wide] of [
  ['phone', SMALL_PHONE, false],
  ['wide', DESKTOP, true],
]) {
  describe(`the org admin manages people on ${label} (${viewport.width}×${viewport.height})`, () => {
    let browser
    let context
    let page
    let token
    let branch
    let member
    const suffix = `${RUN}${label === 'phone' ? 'p' : 'w'}`
    const memberName = `测试${suffix}`
    const orgName = `新建支部${suffix}`
    const renamed = `更名支部${suffix}`

    before(async () => {
      token = (await apiLogin('admin')).access_token
      branch = await runBranch(token, `人员测试支部${suffix}`)
      const phone = `139${String(Date.now() + (wide ? 1 : 0)).slice(-8)}`
      member = ok(
        await api('/members', {
          method: 'POST',
          token,
          json: { name: memberName, phone, branch_id: branch.id, category: 'institution', joined_on: '2016-07-01' },
        }),
        'member',
      )
      browser = await launch()
      context = wide
        ? await phoneContext(browser, { viewport: DESKTOP, isMobile: false, hasTouch: false, deviceScaleFactor: 1 })
        : await phoneContext(browser, { viewport: SMALL_PHONE })
      page = await context.newPage()
    })

    after(async () => {
      await context?.close()
      await browser?.close()
    })

    test('the admin tab opens the workspace: bottom bar on the phone, side navigation on the desktop', async () => {
      await signIn(page, 'admin')
      const main = nav(page)
      await main.waitFor()
      const side = await main.evaluate((el) => el.classList.contains('app-tabbar--side'))
      assert.equal(side, wide, wide ? 'a side navigation at 1280 px' : 'the bottom tab bar at 360 px')
      await main.getByRole('link', { name: '管理' }).click()
      await page.waitForURL((url) => url.pathname === '/admin')
      await tid(page, 'admin-sections').waitFor()
      const sections = await page.locator('[data-section]').evaluateAll((els) => els.map((el) => el.dataset.section))
      assert.ok(sections.includes('admin-orgs') && sections.includes('admin-members'), `sections: ${sections}`)
      await screenshot(page, `admin-people-hub-${label}.png`)
      await assertAccessible(page, `admin hub (${label})`)
      if (!wide) await assertFitsSmallPhone(page, 'admin hub')
    })

    test('finds the member by name across the subtree', async () => {
      await page.locator('[data-section="admin-members"]').click()
      await page.waitForURL((url) => url.pathname === '/admin/members')
      await tid(page, 'member-total').waitFor()
      await tid(page, 'member-search').locator('input').fill(memberName)
      await page.getByRole('button', { name: '搜索' }).click()
      await page.waitForURL((url) => url.searchParams.get('q') === memberName)
      const row = page.locator(`[data-member="${member.id}"]`)
      await row.waitFor()
      assert.match(await tid(page, 'member-total').textContent(), /共 1 人/)
      if (wide) await tid(page, 'member-table').waitFor()
      else await tid(page, 'member-rows').waitFor()
      await screenshot(page, `admin-people-members-${label}.png`)
      await assertAccessible(page, `member search (${label})`)
      if (!wide) await assertFitsSmallPhone(page, 'member search')
      await row.getByRole('link', { name: memberName }).click()
      await page.waitForURL((url) => url.pathname === `/admin/members/${member.id}`)
      await page.getByRole('heading', { name: memberName, level: 1 }).waitFor()
      // The branch's name comes with the organisations, which may answer after the member.
      await tid(page, 'member-branch').filter({ hasText: branch.name }).waitFor()
      assert.match(await tid(page, 'member-standing').textContent(), /正式党员/)
    })

    test('assigns the reviewer role on the member’s branch', async () => {
      await tid(page, 'role-assign').click()
      const dialog = tid(page, 'role-dialog')
      await dialog.waitFor()
      await dialog.locator('[data-role="reviewer"]').click()
      await dialog.locator(`[data-org="${branch.id}"]`).click()
      await dialog.getByRole('button', { name: '分配角色' }).click()
      await dialog.waitFor({ state: 'hidden' })
      await tid(page, 'member-roles').locator('[data-role="reviewer"]').waitFor()
      const roles = ok(await api(`/members/${member.id}/roles`, { token }), 'roles').items
      assert.ok(roles.some((r) => r.role === 'reviewer' && r.organisation_id === branch.id), 'reviewer on the branch')
      await noToast(page)
      await screenshot(page, `admin-people-member-${label}.png`)
      await assertAccessible(page, `member page (${label})`)
      if (!wide) await assertFitsSmallPhone(page, 'member page')
    })

    test('assigning it again is refused, and the dialog says why in plain words', async () => {
      await tid(page, 'role-assign').click()
      const dialog = tid(page, 'role-dialog')
      await dialog.waitFor()
      await dialog.locator('[data-role="reviewer"]').click()
      await dialog.locator(`[data-org="${branch.id}"]`).click()
      await dialog.getByRole('button', { name: '分配角色' }).click()
      const error = tid(page, 'role-error')
      await error.waitFor()
      assert.match(await error.textContent(), /已在这个组织担任此角色/)
      await settled(page)
      await screenshot(page, `admin-people-role-refused-${label}.png`)
      await dialog.getByRole('button', { name: '取消' }).click()
      await dialog.waitFor({ state: 'hidden' })
    })

    test('creates a branch under the committee and renames it', async () => {
      await page.goto('/admin/orgs')
      const committee = ok(await api('/organisations?kind=committee', { token }), 'committees').items[0]
      const row = page.locator(`[data-org="${committee.id}"]`)
      await row.waitFor()
      if (wide) {
        await tid(page, 'org-table').waitFor()
        await row.locator('[data-action="create"]').click()
      } else {
        await row.getByRole('button', { name: /更多操作/ }).click()
        await page.getByRole('button', { name: '新建下级组织' }).click()
      }
      const dialog = tid(page, 'org-dialog')
      await dialog.waitFor()
      await dialog.locator('[data-kind="branch"]').click()
      await dialog.getByLabel('组织名称').fill(orgName)
      await dialog.getByRole('button', { name: '保存' }).click()
      await dialog.waitFor({ state: 'hidden' })
      const created = page.locator('[data-org]', { hasText: orgName })
      await created.waitFor()
      const id = Number(await created.getAttribute('data-org'))
      await noToast(page)

      if (wide) await created.locator('[data-action="rename"]').click()
      else {
        await created.getByRole('button', { name: /更多操作/ }).click()
        await page.getByRole('button', { name: '更名' }).click()
      }
      await dialog.waitFor()
      await dialog.getByLabel('组织名称').fill(renamed)
      await dialog.getByRole('button', { name: '保存' }).click()
      await dialog.waitFor({ state: 'hidden' })
      await page.locator(`[data-org="${id}"]`, { hasText: renamed }).waitFor()
      const org = ok(await api(`/organisations/${id}`, { token }), 'organisation')
      assert.equal(org.name, renamed)
      assert.equal(org.parent_id, committee.id)
      await tid(page, 'org-search').locator('input').fill(suffix)
      await noToast(page)
      await screenshot(page, `admin-people-orgs-${label}.png`)
      await assertAccessible(page, `organisation tree (${label})`)
      if (!wide) await assertFitsSmallPhone(page, 'organisation tree')
    })

    test('adds a member to the new branch; the initial password is shown once', async () => {
      await page.goto(`/admin/members/new?org=${branch.id}`)
      await tid(page, 'form-name').locator('input').fill(`新党员${suffix}`)
      await tid(page, 'form-phone').locator('input').fill(`137${String(Date.now() + (wide ? 3 : 2)).slice(-8)}`)
      // The branch from the address is chosen once the organisations have loaded.
      await page.waitForFunction(
        (name) => document.querySelector('[data-test="form-branch"] input')?.value === name,
        branch.name,
      )
      await page.locator('[data-category="new_org"]').click()
      await pickDate(page, '入党日期', '2020-07-01')
      await tid(page, 'form-save').click()
      const dialog = tid(page, 'credentials-dialog')
      await dialog.waitFor()
      const password = (await tid(page, 'credentials-password').textContent()).trim()
      assert.ok(password.length >= 8, 'an initial password is shown')
      await settled(page)
      if (!wide) await screenshot(page, `admin-people-new-member-${label}.png`)
      await dialog.getByRole('button', { name: '我已记下' }).click()
      await page.waitForURL((url) => /^\/admin\/members\/\d+$/.test(url.pathname))
      await page.getByRole('heading', { name: `新党员${suffix}`, level: 1 }).waitFor()
      assert.equal(await page.getByText(password).count(), 0, 'the password is not shown again')
    })
  })
}
