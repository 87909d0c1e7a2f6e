// A branch secretary signs in on a phone and finds their name, branch and role.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  phoneContext,
  screenshot,
} from './helpers.mjs'

describe('secretary1 on a phone', () => {
  let browser
  let context
  let page
  let profile

  before(async () => {
    const { access_token: token } = await apiLogin('secretary1')
    const me = await api('/me', { token })
    assert.equal(me.status, 200)
    profile = me.body
    assert.ok(profile.member, 'secretary1 should have a member record in the demo data')
    browser = await launch()
    context = await phoneContext(browser)
    page = await context.newPage()
  })

  after(async () => {
    await browser?.close()
  })

  test('an anonymous visit is sent to the sign-in page with a way back', async () => {
    await page.goto('/me')
    await page.waitForURL((url) => url.pathname === '/login')
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/me')
    await page.getByLabel('用户名').waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
    await page.getByPlaceholder('手机号或登录名').waitFor()
    await screenshot(page, 'login.png')
    await assertFitsSmallPhone(page, 'login')
    await assertAccessible(page, 'login')
  })

  test('a wrong password shows 用户名或密码错误', async () => {
    await page.getByLabel('用户名').fill('secretary1')
    await page.getByLabel('密码', { exact: true }).fill('not-the-password')
    await page.getByRole('button', { name: '登录' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.equal((await alert.textContent()).trim(), '用户名或密码错误')
    assert.equal(new URL(page.url()).pathname, '/login')
    await assertAccessible(page, 'login with an error')
  })

  test('signing in returns to the me page with their name and the 支部书记 role', async () => {
    await page.getByLabel('密码', { exact: true }).fill('vanguard-demo')
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((url) => url.pathname === '/me')
    const name = profile.member.name || profile.user.display_name
    await page.getByRole('heading', { name: '我的' }).waitFor()
    const main = page.locator('main')
    await main.getByText(name, { exact: true }).first().waitFor()
    await main.getByText('支部书记', { exact: true }).first().waitFor()
    await main.getByText(profile.member.branch_name).first().waitFor()
    await main.getByText(profile.user.username, { exact: true }).waitFor()
    await screenshot(page, 'me.png')
    await assertFitsSmallPhone(page, 'me')
    await assertAccessible(page, 'me')
  })

  test('the home tab greets them with their branch and roles', async () => {
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '首页' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    const name = profile.member.name || profile.user.display_name
    await page.getByRole('heading', { name: `你好，${name}` }).waitFor()
    await page.locator('[data-test="home-branch"]').getByText(profile.member.branch_name).waitFor()
    await page.locator('main').getByText('支部书记').first().waitFor()
    await screenshot(page, 'home.png')
    await assertFitsSmallPhone(page, 'home')
    await assertAccessible(page, 'home')
  })

  test('a reload keeps the session (refresh cookie), with no token in storage', async () => {
    await page.reload()
    await page.waitForURL((url) => url.pathname === '/')
    await page.getByRole('heading', { name: /^你好，/ }).waitFor()
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
    assert.ok(!/eyJ/.test(stored), 'the access token must not be kept in web storage')
  })

  test('the language switch turns the UI into English and back', async () => {
    await page.goto('/me')
    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('heading', { name: 'Me' }).waitFor()
    await page.locator('main').getByText('Branch secretary').first().waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    await assertFitsSmallPhone(page, 'me (English)')
    await assertAccessible(page, 'me (English)')
    await page.getByRole('button', { name: '简体中文' }).click()
    await page.getByRole('heading', { name: '我的' }).waitFor()
  })

  test('signing out returns to the sign-in page and ends the session', async () => {
    await page.locator('[data-test="sign-out"]').click()
    await page.getByRole('dialog').getByRole('button', { name: '退出登录' }).click()
    await page.waitForURL((url) => url.pathname === '/login')
    await page.goto('/')
    await page.waitForURL((url) => url.pathname === '/login')
  })
})
