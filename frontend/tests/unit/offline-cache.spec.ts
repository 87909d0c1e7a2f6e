// The last data without a network: GET answers are kept per user and path, and stand in for
// the server when it cannot be reached; the connectivity store says so.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { configureHttp, http, type HttpHooks } from '@/api/http'
import { cacheKey, clearApiCache, createApiCache, readCached } from '@/offline/cache'
import { cachedClaimsOfMonth, claimsOfMonth, myClaimsPath } from '@/offline/myClaims'
import { standardYears, warmOfflineData } from '@/offline/warm'
import { clearStandardCache } from '@/composables/useStandardItems'
import type { Claim, ClaimStatus, Page } from '@/api/types'
import { useConnectivityStore } from '@/stores/connectivity'
import { createMemoryStorage, setOfflineStorage } from '@/offline/storage'

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

let storage: ReturnType<typeof createMemoryStorage>
let userId: number | null
let fetchMock: ReturnType<typeof vi.fn>
let hooks: Partial<HttpHooks> & { notify: ReturnType<typeof vi.fn>; onUnauthenticated: ReturnType<typeof vi.fn> }
let clock: number

/** Let the fire-and-forget cache writes land. */
const settle = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  setActivePinia(createPinia())
  storage = createMemoryStorage()
  setOfflineStorage(storage)
  userId = 7
  clock = 1_000
  const connectivity = useConnectivityStore()
  hooks = {
    getAccessToken: () => 'token',
    refreshAccessToken: async () => 'token',
    onUnauthenticated: vi.fn(),
    onPasswordChangeRequired: vi.fn(),
    notify: vi.fn(),
    cache: createApiCache(() => userId, { limit: 3, now: () => clock++ }),
    onConnectivity: (event) => connectivity.note(event),
  }
  configureHttp(hooks)
  fetchMock = vi.fn()
  vi.stubGlobal('fetch', fetchMock)
})

describe('GET cache', () => {
  it('answers a GET from the cache when the network fails, and says so', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { items: [1, 2] }))
    await expect(http.get('/claims?member=1')).resolves.toEqual({ items: [1, 2] })
    await settle()
    const connectivity = useConnectivityStore()
    expect(connectivity.showingCachedData).toBe(false)

    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    await expect(http.get('/claims?member=1')).resolves.toEqual({ items: [1, 2] })
    expect(hooks.notify).not.toHaveBeenCalled()
    expect(connectivity.showingCachedData).toBe(true)
    expect(connectivity.offline).toBe(true)
    expect(connectivity.cachedAt).toBe(1_000)

    // The next answer from the server clears the indicator.
    fetchMock.mockResolvedValueOnce(json(200, { items: [3] }))
    await expect(http.get('/claims?member=1')).resolves.toEqual({ items: [3] })
    expect(connectivity.showingCachedData).toBe(false)
    expect(connectivity.offline).toBe(false)
  })

  it('fails as before when nothing is cached for that path', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    await expect(http.get('/ranking')).rejects.toMatchObject({ status: 0, code: 'network_error' })
    expect(hooks.notify).toHaveBeenCalledOnce()
    expect(useConnectivityStore().offline).toBe(true)
    expect(useConnectivityStore().showingCachedData).toBe(false)
  })

  it('uses the cache when a gateway says the server is out of reach (502/503/504)', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ok: 1 }))
    await http.get('/me')
    await settle()
    fetchMock.mockResolvedValueOnce(new Response('bad gateway', { status: 502 }))
    await expect(http.get('/me')).resolves.toEqual({ ok: 1 })
  })

  it('keeps answers per user: nobody sees another user’s data', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { mine: true }))
    await http.get('/points')
    await settle()
    expect(await storage.cache.get(cacheKey(7, '/points'))).toMatchObject({ body: { mine: true } })
    userId = 8
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    await expect(http.get('/points')).rejects.toMatchObject({ code: 'network_error' })
  })

  it('keeps nothing while signed out, nor the session calls, nor files, nor writes', async () => {
    userId = null
    fetchMock.mockResolvedValueOnce(json(200, { a: 1 }))
    await http.get('/me')
    userId = 7
    fetchMock.mockResolvedValueOnce(json(200, { token: 'x' }))
    await http.get('/auth/session')
    fetchMock.mockResolvedValueOnce(new Response(new Blob(['img']), { status: 200, headers: { 'Content-Type': 'image/jpeg' } }))
    await http.get('/claims/1/evidence/1', { responseType: 'blob' })
    fetchMock.mockResolvedValueOnce(json(200, { created: true }))
    await http.post('/claims', {})
    await settle()
    expect(await storage.cache.get(cacheKey(7, '/auth/session'))).toBeUndefined()
    expect(await storage.cache.get(cacheKey(7, '/claims/1/evidence/1'))).toBeUndefined()
    expect(await storage.cache.get(cacheKey(7, '/claims'))).toBeUndefined()
    expect(await storage.cache.get(cacheKey(7, '/me'))).toBeUndefined()
  })

  it('keeps no list of other people that the caller marked noStore (audit, import rows)', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { items: [{ phone: '13800001001' }] }))
    await http.get('/audit-events', { noStore: true })
    fetchMock.mockResolvedValueOnce(json(200, { items: [] }))
    await http.get('/points')
    await settle()
    expect(await storage.cache.get(cacheKey(7, '/audit-events'))).toBeUndefined()
    expect(await storage.cache.get(cacheKey(7, '/points'))).toMatchObject({ body: { items: [] } })
  })

  it('keeps only the newest entries', async () => {
    for (const path of ['/a', '/b', '/c', '/d']) {
      fetchMock.mockResolvedValueOnce(json(200, { path }))
      await http.get(path)
      await settle()
    }
    expect(await storage.cache.get(cacheKey(7, '/a'))).toBeUndefined()
    for (const path of ['/b', '/c', '/d']) {
      expect(await storage.cache.get(cacheKey(7, path))).toMatchObject({ body: { path } })
    }
  })

  it('stores a copy: changing the answer afterwards does not change the cache', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { items: [1] }))
    const body = await http.get<{ items: number[] }>('/list')
    body.items.push(2)
    await settle()
    expect(await storage.cache.get(cacheKey(7, '/list'))).toMatchObject({ body: { items: [1] } })
  })

  it('is forgotten on request (sign-out)', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { a: 1 }))
    await http.get('/a')
    await settle()
    await clearApiCache()
    expect(await storage.cache.get(cacheKey(7, '/a'))).toBeUndefined()
  })
})

describe('refresh while offline', () => {
  it('does not sign out when the refresh cannot reach the server; the cache answers instead', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { a: 1 }))
    await http.get('/a')
    await settle()
    hooks.getAccessToken = () => null
    hooks.refreshAccessToken = async () => {
      throw new (await import('@/api/http')).ApiError({ status: 0, code: 'network_error', title: 'x' })
    }
    configureHttp(hooks)
    fetchMock.mockResolvedValueOnce(
      new Response(JSON.stringify({ code: 'token_expired' }), {
        status: 401,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
    )
    await expect(http.get('/a')).resolves.toEqual({ a: 1 })
    expect(hooks.onUnauthenticated).not.toHaveBeenCalled()
  })

  it('does not sign out when the refresh fails on the server’s side (5xx)', async () => {
    const { ApiError } = await import('@/api/http')
    hooks.getAccessToken = () => 'stale'
    hooks.refreshAccessToken = async () => {
      throw new ApiError({ status: 503, code: 'http_503', title: 'Unavailable' })
    }
    configureHttp(hooks)
    fetchMock.mockResolvedValueOnce(
      new Response(JSON.stringify({ code: 'token_expired' }), {
        status: 401,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
    )
    await expect(http.post('/claims', {})).rejects.toMatchObject({ status: 503 })
    expect(hooks.onUnauthenticated).not.toHaveBeenCalled()
  })
})

/** A claim as the list answers it (only the fields the offline list looks at matter). */
function claim(id: number, period: string, status: ClaimStatus = 'submitted'): Claim {
  return { id, period, status } as Claim
}
function page(items: Claim[], total = items.length): Page<Claim> {
  return { items, total, page: 1, page_size: 200 }
}

describe('kept answers read by path', () => {
  it('reads the signed-in user’s answer to a path, never another user’s, nor while signed out', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { a: 1 }))
    await http.get('/a')
    await settle()
    expect(await readCached(7, '/a')).toEqual({ body: { a: 1 }, savedAt: 1_000 })
    expect(await readCached(8, '/a')).toBeUndefined()
    expect(await readCached(null, '/a')).toBeUndefined()
    expect(await readCached(7, '/auth/session')).toBeUndefined()
  })
})

describe('my claims offline', () => {
  const list = page([
    claim(5, '2026-12', 'draft'),
    claim(4, '2026-12', 'submitted'),
    claim(3, '2026-11', 'approved'),
    claim(2, '2026-12', 'submitted'),
    claim(1, '2026-10', 'returned'),
  ])

  it('takes one month, or one month and state, out of the kept list, in its order', () => {
    expect(claimsOfMonth(list, '2026-12')).toEqual({ items: [list.items[0], list.items[1], list.items[3]], total: 3 })
    expect(claimsOfMonth(list, '2026-12', 'submitted')?.items.map((c) => c.id)).toEqual([4, 2])
    // Known to be none: an honest zero.
    expect(claimsOfMonth(list, '2026-12', 'rejected')).toEqual({ items: [], total: 0 })
    expect(claimsOfMonth(list, '2026-09')).toEqual({ items: [], total: 0 })
  })

  it('does not answer for months the kept page may lack (more claims than one page)', () => {
    const partial = page(list.items, 240)
    // The oldest kept claim is of October: October and November may have older claims.
    expect(claimsOfMonth(partial, '2026-10')).toBeUndefined()
    expect(claimsOfMonth(partial, '2026-11')).toBeUndefined()
    expect(claimsOfMonth(partial, '2026-09')).toBeUndefined()
    expect(claimsOfMonth(partial, '2026-12')?.total).toBe(3)
    expect(claimsOfMonth(page([], 3), '2026-12')).toBeUndefined()
  })

  it('reads the kept list of the signed-in member, with when it was saved', async () => {
    fetchMock.mockResolvedValueOnce(json(200, list))
    await http.get(myClaimsPath(3))
    await settle()
    expect(myClaimsPath(3)).toBe('/claims?member=3&order=newest&page_size=200')
    const kept = await cachedClaimsOfMonth(7, 3, '2026-12', 'draft')
    expect(kept).toEqual({ items: [list.items[0]], total: 1, savedAt: 1_000 })
    expect(await cachedClaimsOfMonth(7, 4, '2026-12')).toBeUndefined()
    expect(await cachedClaimsOfMonth(8, 3, '2026-12')).toBeUndefined()
    expect(await cachedClaimsOfMonth(null, 3, '2026-12')).toBeUndefined()
  })
})

describe('offline data after sign-in', () => {
  beforeEach(() => {
    clearStandardCache()
    hooks.cache = createApiCache(() => userId)
    configureHttp(hooks)
  })

  it('needs this year’s standard, and last year’s too in January', () => {
    expect(standardYears('2026-12')).toEqual([2026])
    expect(standardYears('2027-01')).toEqual([2027, 2026])
  })

  it('fetches the standard in force and the member’s claims, which then answer without a network', async () => {
    const standard = { id: 1, year: 2026, items: [{ id: 9, code: 'C01' }] }
    fetchMock.mockImplementation(async (url: string) =>
      url.includes('/standards/in-force') ? json(200, standard) : json(200, page([claim(1, '2026-12')])),
    )
    await warmOfflineData({ id: 3, branch_id: 2 }, '2026-12')
    await settle()
    const urls = fetchMock.mock.calls.map(([url]) => String(url))
    expect(urls).toEqual(
      expect.arrayContaining([
        '/api/v1/standards/in-force?organisation_id=2&year=2026',
        '/api/v1/claims?member=3&order=newest&page_size=200',
      ]),
    )
    expect(urls).toHaveLength(2)

    // Offline, on a later visit (nothing loaded in memory): the form's request is answered.
    clearStandardCache()
    fetchMock.mockReset()
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    await expect(http.get('/standards/in-force?organisation_id=2&year=2026')).resolves.toEqual(standard)
    expect((await cachedClaimsOfMonth(7, 3, '2026-12'))?.total).toBe(1)
    expect(hooks.notify).not.toHaveBeenCalled()
  })

  it('leaves failures alone (no standard for last year, no network)', async () => {
    fetchMock.mockResolvedValueOnce(json(404, { code: 'not_found', title: 'Not found' }))
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    await expect(warmOfflineData({ id: 3, branch_id: 2 }, '2027-01')).resolves.toBeUndefined()
    expect(hooks.notify).not.toHaveBeenCalled()
  })
})
