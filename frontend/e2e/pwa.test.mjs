// The app is installable and its service worker never answers for the server's own paths.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { baseUrl, launch, phoneContext } from './helpers.mjs'

function pngSize(buffer) {
  assert.equal(buffer.subarray(1, 4).toString('ascii'), 'PNG')
  return [buffer.readUInt32BE(16), buffer.readUInt32BE(20)]
}

describe('PWA', () => {
  let browser

  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('index.html names the manifest, the apple-touch-icon and the language', async () => {
    const html = await (await fetch(`${baseUrl()}/`)).text()
    assert.match(html, /<html lang="zh-CN">/)
    assert.match(html, /<link rel="manifest" href="\/manifest\.webmanifest"/)
    assert.match(html, /<link rel="apple-touch-icon" sizes="180x180" href="\/icons\/apple-touch-icon-180\.png"/)
    assert.match(html, /<meta\s+name="viewport"\s+content="width=device-width/)
    assert.match(html, /<noscript>/)
    const icon = Buffer.from(await (await fetch(`${baseUrl()}/icons/apple-touch-icon-180.png`)).arrayBuffer())
    assert.deepEqual(pngSize(icon), [180, 180])
  })

  test('the manifest describes an installable 先锋积分', async () => {
    const response = await fetch(`${baseUrl()}/manifest.webmanifest`)
    assert.equal(response.status, 200)
    const manifest = await response.json()
    assert.equal(manifest.name, '先锋积分')
    assert.equal(manifest.short_name, '先锋积分')
    assert.equal(manifest.start_url, '/')
    assert.equal(manifest.display, 'standalone')
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i)
    const sizes = []
    for (const icon of manifest.icons) {
      const image = Buffer.from(await (await fetch(new URL(icon.src, baseUrl()))).arrayBuffer())
      const [w, h] = pngSize(image)
      assert.equal(`${w}x${h}`, icon.sizes)
      sizes.push(`${icon.sizes} ${icon.purpose}`)
    }
    assert.deepEqual(sizes.sort(), ['192x192 any', '512x512 any', '512x512 maskable'])
  })

  test('the service worker serves the app shell but not /api, /healthz, /docs', async () => {
    const context = await phoneContext(browser, { serviceWorkers: 'allow' })
    const page = await context.newPage()
    await page.goto('/login')
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready
    })
    // Once controlled, app routes come from the precache ...
    await page.reload()
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
    const shell = await page.goto('/some/app/route')
    assert.equal(shell.fromServiceWorker(), true, 'app routes should be served by the service worker')
    // ... and the server's own paths never do.
    for (const path of ['/api/v1/me', '/healthz', '/docs']) {
      const response = await page.goto(path)
      assert.equal(response.fromServiceWorker(), false, `${path} must not come from the service worker`)
      assert.ok(!(await response.text()).includes('<div id="app">'), `${path} must not be the app shell`)
    }
    const apiFromPage = await page.evaluate(async () => {
      const r = await fetch('/api/v1/me')
      return { status: r.status, type: r.headers.get('content-type') }
    })
    assert.equal(apiFromPage.status, 401)
    assert.match(apiFromPage.type, /json/)
    const caches = await page.evaluate(async () => {
      const urls = []
      for (const name of await self.caches.keys()) {
        for (const request of await (await self.caches.open(name)).keys()) urls.push(new URL(request.url).pathname)
      }
      return urls
    })
    assert.ok(caches.length > 0, 'the app shell should be precached')
    assert.deepEqual(caches.filter((p) => /^\/(api|docs|healthz|readyz|metrics)/.test(p)), [])
    await context.close()
  })
})
