// 批量导入党员, first sign-in by activation code, and the audit trail, on a small phone (360×640)
// and a desktop (1280×800): the org admin downloads the template, uploads a sheet with a bad row,
// reads the dry run, applies it, watches the progress end and downloads the activation codes
// once; an imported member activates and is signed in; the audit trail shows the import.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import {
  api,
  apiLogin,
  assertAccessible,
  assertFitsSmallPhone,
  launch,
  phoneContext,
  RUN,
  runBranch,
  screenshot,
  signIn,
  SMALL_PHONE,
} from './helpers.mjs'

const DESKTOP = { width: 1280, height: 800 }
const NEW_PASSWORD = 'Sickle-Hammer-2026!'
const phone = () => `136${String(randomInt(0, 1e8)).padStart(8, '0')}`

/** The text of every part of a zip (an XLSX), read from its central directory. */
function zipText(buffer) {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  assert.ok(eocd >= 0, 'not a zip file')
  const entries = buffer.readUInt16LE(eocd + 10)
  let at = buffer.readUInt32LE(eocd + 16)
  let text = ''
  for (let i = 0; i < entries; i++) {
    const method = buffer.readUInt16LE(at + 10)
    const size = buffer.readUInt32LE(at + 20)
    const nameLength = buffer.readUInt16LE(at + 28)
    const extra = buffer.readUInt16LE(at + 30)
    const comment = buffer.readUInt16LE(at + 32)
    const local = buffer.readUInt32LE(at + 42)
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28)
    const data = buffer.subarray(start, start + size)
    text += (method === 8 ? inflateRawSync(data) : data).toString('utf8')
    at += 46 + nameLength + extra + comment
  }
  return text
}

async function downloaded(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()])
  return { name: download.suggestedFilename(), body: await readFile(await download.path()) }
}

describe('member import, activation and audit trail', () => {
  let browser
  let adminToken
  let branch
  const good = [
    { name: `导入甲${RUN}`, phone: phone() },
    { name: `导入乙${RUN}`, phone: phone() },
  ]
  let jobPath
  let code

  before(async () => {
    ;({ access_token: adminToken } = await apiLogin('admin'))
    branch = await runBranch(adminToken, `导入测试支部${RUN}`)
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
  })

  test('on a small phone the admin downloads the template and uploads a sheet', async () => {
    const page = await (await phoneContext(browser, { viewport: SMALL_PHONE })).newPage()
    await signIn(page, 'admin')
    await page.goto('/admin/imports')
    await page.getByRole('heading', { name: '批量导入党员' }).waitFor()
    const template = await downloaded(page, () => page.locator('[data-test="template-xlsx"]').click())
    assert.match(template.name, /\.xlsx$/)
    assert.ok(zipText(template.body).includes('所在支部'), 'the template has the headers')
    await screenshot(page, 'admin-import-upload.png')
    await assertFitsSmallPhone(page, 'import upload')
    await assertAccessible(page, 'import upload')

    const csv = [
      '姓名,手机号,所在支部,党员类别,入党日期,预备党员,性别',
      `${good[0].name},${good[0].phone},${branch.name},机关企事业单位党员,2015-07-01,否,男`,
      `${good[1].name},${good[1].phone},${branch.name},流动党员,2019/3/5,是,女`,
      `错误行${RUN},12ab,不存在的支部${RUN},党员,明天,否,`,
    ].join('\r\n')
    await page.locator('[data-test="import-file"]').setInputFiles({
      name: `党员名单-${RUN}.csv`,
      mimeType: 'text/csv',
      buffer: Buffer.from(`\ufeff${csv}\r\n`, 'utf8'),
    })
    await page.waitForURL((url) => /^\/admin\/imports\/\d+$/.test(url.pathname))
    jobPath = new URL(page.url()).pathname
    await page.locator('[data-test="import-status"][data-status="dry_run"]').waitFor()
    assert.equal((await page.locator('[data-test="filter-create"]').innerText()).split('\n')[0].trim(), '2')
    assert.equal((await page.locator('[data-test="filter-refuse"]').innerText()).split('\n')[0].trim(), '1')
    const bad = page.locator('[data-test="import-row-4"]')
    await bad.waitFor()
    assert.equal(await bad.getAttribute('data-action'), 'refuse')
    const why = await bad.innerText()
    for (const reason of ['手机号应为 6 到 15 位数字', '找不到该支部', '党员类别应为', '入党日期应为']) {
      assert.ok(why.includes(reason), `the refused row says: ${reason}`)
    }
    await page.locator('[data-test="filter-refuse"]').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-test^="import-row-"]').length === 1)
    await screenshot(page, 'admin-import-dry-run.png')
    await page.locator('[data-test="filter-all"]').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-test^="import-row-"]').length === 3)
    await assertFitsSmallPhone(page, 'import dry run')
    await assertAccessible(page, 'import dry run')

    const report = await downloaded(page, () => page.locator('[data-test="import-report"]').click())
    assert.ok(zipText(report.body).includes('拒绝'), 'the report names the refused row')

    // Apply, after a confirmation; the progress bar runs until the job is applied.
    await page.locator('[data-test="import-apply"]').click()
    await page.getByRole('dialog').getByText('将新增 2 名党员').waitFor()
    await page.getByRole('dialog').getByRole('button', { name: '导入' }).click()
    await page.locator('[data-test="import-progress"]').waitFor()
    await page.locator('[data-test="import-status"][data-status="applied"]').waitFor({ timeout: 20_000 })
    await page.locator('[data-test="import-progress"]').getByText('导入完成：新增 2 人').waitFor()
    await page.locator('[data-test="credentials-warning"]').getByText('只能下载一次').waitFor()
    await screenshot(page, 'admin-import-applied.png')
    await assertFitsSmallPhone(page, 'import applied')

    // The codes, once: downloaded after a second warning, then gone for good.
    await page.locator('[data-test="credentials-download"]').click()
    const sheet = await downloaded(page, () =>
      page.getByRole('dialog').getByRole('button', { name: '下载' }).click(),
    )
    const text = zipText(sheet.body)
    assert.ok(text.includes(good[0].phone) && text.includes(good[1].phone), 'both new members are on the sheet')
    assert.ok(!text.includes(`错误行${RUN}`), 'the refused row has no code')
    const codes = text.match(/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/g)
    assert.equal(codes?.length, 2)
    code = codes[0]
    await page.locator('[data-test="import-credentials"][data-state="downloaded"]').waitFor()
    const again = await api(`${jobPath.replace('/admin/imports', '/member-imports')}/credentials.xlsx`, {
      token: adminToken,
    })
    assert.equal(again.status, 410)
    await page.reload()
    await page.locator('[data-test="credentials-gone"]').waitFor()
    await page.context().close()
  })

  test('the imported member activates their account and is signed in', async () => {
    const page = await (await phoneContext(browser, { viewport: SMALL_PHONE })).newPage()
    await page.goto('/login')
    await page.getByRole('link', { name: '首次登录？用激活码设置密码' }).click()
    await page.waitForURL((url) => url.pathname === '/activate')
    await page.getByRole('heading', { name: '用激活码设置密码' }).waitFor()
    await page.getByLabel('手机号', { exact: true }).fill(good[0].phone)
    await page.getByLabel('激活码', { exact: true }).fill('WRNG-WRNG-WRNG')
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('确认新密码').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: '设置密码' }).click()
    await page.getByText('激活码不正确').waitFor()
    await page.getByLabel('激活码', { exact: true }).fill(code.toLowerCase())
    await screenshot(page, 'admin-import-activate.png')
    await assertFitsSmallPhone(page, 'activate')
    await assertAccessible(page, 'activate')
    await page.getByRole('button', { name: '设置密码' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    const tokens = await apiLogin(good[0].phone, NEW_PASSWORD)
    assert.equal(tokens.must_change_password, false)
    // The code is spent.
    const reused = await api('/member-imports/activation', {
      method: 'POST',
      json: { username: good[0].phone, code, new_password: 'Another-Pass-2026' },
    })
    assert.equal(reused.status, 400)
    await page.context().close()
  })

  test('on a desktop the dry run is a table and the audit trail shows the import', async () => {
    const page = await (await phoneContext(browser, { viewport: DESKTOP, isMobile: false, hasTouch: false })).newPage()
    await signIn(page, 'admin')
    await page.goto(jobPath)
    await page.locator('table[data-test="import-rows"]').waitFor()
    await screenshot(page, 'admin-import-desktop.png')

    await page.goto('/admin/audit')
    await page.getByRole('heading', { name: '操作日志' }).waitFor()
    await page.locator('table[data-test="audit-events"]').waitFor()
    await page.locator('[data-test="audit-filter-action"]').selectOption('dry_run')
    const row = page.locator('[data-test="audit-event"][data-action="dry_run"]').first()
    await row.waitFor()
    assert.ok((await row.innerText()).includes('上传导入表（预检）'))
    await page.locator('[data-test="audit-filter-action"]').selectOption('')
    await page.locator('[data-test="audit-event"][data-action="credentials_issued"]').first().waitFor()
    await screenshot(page, 'admin-audit-desktop.png')
    await assertAccessible(page, 'audit desktop')

    await page.locator('[data-test="audit-filter-entity"]').selectOption('member_import')
    await page.locator('[data-test="audit-event"][data-action="applied"]').first().waitFor()
    const csv = await downloaded(page, () => page.locator('[data-test="audit-export-csv"]').click())
    const text = csv.body.toString('utf8')
    assert.ok(text.startsWith('\ufeff'), 'the CSV has a BOM for Excel')
    assert.ok(text.includes('执行导入') && text.includes('下载激活码表'), 'the CSV names the import steps')
    assert.ok(!text.includes('登录,'), 'the CSV keeps the filter on screen')

    // Tapping a name narrows the list to that person; on the phone the list is cards.
    await page.setViewportSize(SMALL_PHONE)
    await page.locator('ul[data-test="audit-events"]').waitFor()
    await page.locator('[data-test="audit-actor"]').first().click()
    await page.locator('[data-test="audit-filter-actor"]').waitFor()
    await screenshot(page, 'admin-audit-phone.png')
    await assertFitsSmallPhone(page, 'audit phone')
    await page.context().close()
  })
})
