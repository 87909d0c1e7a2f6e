// A member created by the administrator must replace the initial password at first sign-in.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { api, apiLogin, assertAccessible, assertFitsSmallPhone, launch, phoneContext, screenshot } from './helpers.mjs'

const NEW_PASSWORD = 'Red-Flag-2024!'

describe('first sign-in of a new member', () => {
  let browser
  let page
  let account

  before(async () => {
    const { access_token: adminToken } = await apiLogin('admin')
    const { access_token: secretaryToken } = await apiLogin('secretary1')
    const secretary = await api('/me', { token: secretaryToken })
    assert.equal(secretary.status, 200)
    // A fresh phone number each run, so the test also passes against a reused database.
    const phone = `139${String(randomInt(0, 1e8)).padStart(8, '0')}`
    const created = await api('/members', {
      method: 'POST',
      token: adminToken,
      json: {
        name: '测试党员',
        phone,
        branch_id: secretary.body.member.branch_id,
        category: 'institution',
        joined_on: '2020-07-01',
        is_probationary: false,
      },
    })
    assert.equal(created.status, 201, `creating the member failed: ${JSON.stringify(created.body)}`)
    account = created.body.account
    assert.ok(account?.username && account?.initial_password, 'the answer carries the new account')
    browser = await launch()
    page = await (await phoneContext(browser)).newPage()
  })

  after(async () => {
    await browser?.close()
  })

  test('signing in with the initial password forces the password page', async () => {
    await page.goto('/')
    await page.waitForURL((url) => url.pathname === '/login')
    await page.getByLabel('用户名').fill(account.username)
    await page.getByLabel('密码', { exact: true }).fill(account.initial_password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((url) => url.pathname === '/password')
    await page.getByRole('heading', { name: '修改密码' }).waitFor()
    await page.getByText('首次登录请先修改初始密码', { exact: false }).waitFor()
    await screenshot(page, 'password.png')
    await assertFitsSmallPhone(page, 'password')
    await assertAccessible(page, 'password')
  })

  test('other pages stay out of reach until the password is changed', async () => {
    await page.goto('/me')
    await page.waitForURL((url) => url.pathname === '/password')
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/me')
    // Back to the plain forced page: after the change it continues to home.
    await page.goto('/')
    await page.waitForURL((url) => url.pathname === '/password')
    assert.equal(new URL(page.url()).search, '')
    await page.getByRole('heading', { name: '修改密码' }).waitFor()
  })

  test('the form refuses a short or mismatched new password before asking the server', async () => {
    await page.getByLabel('当前密码').fill(account.initial_password)
    await page.getByLabel('新密码', { exact: true }).fill('short')
    await page.getByLabel('确认新密码').fill('short')
    await page.getByRole('button', { name: '保存并进入' }).click()
    await page.getByText('新密码至少 8 位').waitFor()
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('确认新密码').fill(`${NEW_PASSWORD}x`)
    await page.getByRole('button', { name: '保存并进入' }).click()
    await page.getByText('两次输入的新密码不一致').waitFor()
    assert.equal(new URL(page.url()).pathname, '/password')
  })

  test('a new password leads on to the home page', async () => {
    await page.getByLabel('确认新密码').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: '保存并进入' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.getByRole('heading', { name: '你好，测试党员' }).waitFor()
    await page.locator('main').getByText('机关企事业单位党员').waitFor()
  })

  test('the server took the new password and dropped the old one', async () => {
    const tokens = await apiLogin(account.username, NEW_PASSWORD)
    assert.equal(tokens.must_change_password, false)
    const old = await api('/auth/login', {
      method: 'POST',
      json: { username: account.username, password: account.initial_password },
    })
    assert.equal(old.status, 401)
    assert.equal(old.body.code, 'invalid_credentials')
  })
})
