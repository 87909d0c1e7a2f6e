// Opening the app without a network: the saved profile carries an "offline session" when the
// refresh cannot reach the server (never when the server says no); back online it is checked.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import type { Me, TokenResponse } from '@/api/types'

vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))

const authApi = await import('@/api/auth')
const meApi = await import('@/api/me')
const { useAuthStore } = await import('@/stores/auth')
const { guard, routes } = await import('@/router')
const { createMemoryStorage, setOfflineStorage } = await import('@/offline/storage')
const { decideAfterRefreshFailure, isTransientError, SNAPSHOT_MAX_AGE_MS } = await import('@/offline/session')
const { cacheKey } = await import('@/offline/cache')

const tokens = (access: string): TokenResponse => ({
  access_token: access,
  token_type: 'bearer',
  expires_in: 900,
  must_change_password: false,
})
const member1: Me = {
  user: { id: 7, username: 'member1', display_name: '李明', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
  member: {
    id: 11,
    name: '李明',
    phone: '13800000000',
    category: 'rural_community',
    branch_id: 3,
    branch_name: '青山社区党支部',
    status: 'active',
    joined_on: '2010-07-01',
    is_probationary: false,
  },
  roles: [{ role: 'member', organisation_id: 3, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
}
const network = () => new ApiError({ status: 0, code: 'network_error', title: 'Network error' })
const unauthorized = () => new ApiError({ status: 401, code: 'invalid_refresh_token', title: 'Unauthorized' })
const settle = () => new Promise((r) => setTimeout(r, 0))

let storage: ReturnType<typeof createMemoryStorage>

beforeEach(() => {
  setActivePinia(createPinia())
  storage = createMemoryStorage()
  setOfflineStorage(storage)
  for (const fn of [authApi.login, authApi.refresh, authApi.logout, meApi.getMe]) vi.mocked(fn).mockReset()
})

/** An earlier visit: signed in online, so the profile was saved. */
async function earlierVisit() {
  vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
  vi.mocked(meApi.getMe).mockResolvedValue(member1)
  await useAuthStore().login('member1', 'pw')
  await settle()
  setActivePinia(createPinia()) // the page is closed
}

describe('the decision', () => {
  const snapshot = { userId: 7, me: member1, savedAt: 1_000 }
  it('goes offline only for an unreachable server with a recent profile', () => {
    expect(decideAfterRefreshFailure(network(), snapshot, 2_000)).toBe('offline-session')
    expect(decideAfterRefreshFailure(new ApiError({ status: 503, code: 'x', title: 'x' }), snapshot, 2_000)).toBe(
      'offline-session',
    )
    expect(decideAfterRefreshFailure(unauthorized(), snapshot, 2_000)).toBe('signed-out')
    expect(decideAfterRefreshFailure(network(), undefined, 2_000)).toBe('signed-out')
    expect(decideAfterRefreshFailure(network(), snapshot, 1_000 + SNAPSHOT_MAX_AGE_MS + 1)).toBe('signed-out')
    expect(isTransientError(new ApiError({ status: 403, code: 'forbidden', title: 'x' }))).toBe(false)
  })
})

describe('restore without a network', () => {
  it('opens an offline session with the saved profile (never a saved token)', async () => {
    await earlierVisit()
    expect((await storage.session.getMe())?.me.user.username).toBe('member1')
    expect(JSON.stringify(await storage.session.getMe())).not.toContain('t1')

    vi.mocked(authApi.refresh).mockRejectedValue(network())
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.offlineSession).toBe(true)
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.accessToken).toBeNull()
    expect(auth.displayName).toBe('李明')
    expect(auth.hasRole('member')).toBe(true)
    expect(meApi.getMe).toHaveBeenCalledTimes(1) // only during the earlier visit
  })

  it('lets the guard through to member pages in an offline session', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValue(network())
    const router = createRouter({ history: createMemoryHistory(), routes })
    router.beforeEach(guard)
    await router.push('/me')
    expect(router.currentRoute.value.name).toBe('me')
  })

  it('stays signed out when the server refuses the cookie, and forgets the profile and cache', async () => {
    await earlierVisit()
    await storage.cache.put({ key: cacheKey(7, '/claims'), userId: 7, path: '/claims', body: {}, savedAt: 1 }, 10)
    vi.mocked(authApi.refresh).mockRejectedValue(unauthorized())
    const auth = useAuthStore()
    await auth.restore()
    await settle()
    expect(auth.isAuthenticated).toBe(false)
    expect(await storage.session.getMe()).toBeUndefined()
    expect(await storage.cache.get(cacheKey(7, '/claims'))).toBeUndefined()
  })

  it('says the sign-in expired when the server refuses the cookie of a profile on the device', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValue(unauthorized())
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.expiredFor).toBe(7)
  })

  it('says nothing expired when nobody signed in on this device before', async () => {
    vi.mocked(authApi.refresh).mockRejectedValue(unauthorized())
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.expiredFor).toBeNull()
  })

  it('stays signed out offline when nobody signed in on this device before', async () => {
    vi.mocked(authApi.refresh).mockRejectedValue(network())
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.offlineSession).toBe(false)
  })

  it('uses the saved profile when the token came but the profile did not', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockResolvedValue(tokens('t2'))
    vi.mocked(meApi.getMe).mockRejectedValue(network())
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.accessToken).toBe('t2')
    expect(auth.me?.user.id).toBe(7)
  })
})

describe('back online', () => {
  it('refreshes for real and leaves the offline session', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(network())
    const auth = useAuthStore()
    await auth.restore()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(network())
    await expect(auth.resumeOnline()).resolves.toBe('offline')
    expect(auth.offlineSession).toBe(true)

    vi.mocked(authApi.refresh).mockResolvedValueOnce(tokens('t3'))
    await expect(auth.resumeOnline()).resolves.toBe('online')
    expect(auth.offlineSession).toBe(false)
    expect(auth.accessToken).toBe('t3')
    expect(meApi.getMe).toHaveBeenCalledTimes(2)
  })

  it('ends the session when the refresh is then refused (401): go to sign-in', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(network())
    const auth = useAuthStore()
    await auth.restore()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(unauthorized())
    await expect(auth.resumeOnline()).resolves.toBe('signed-out')
    expect(auth.isAuthenticated).toBe(false)
    // The sign-in page says the sign-in expired (not the network), for this user's claims.
    expect(auth.expiredFor).toBe(7)
    await settle()
    expect(await storage.session.getMe()).toBeUndefined()
  })

  it('leaves the offline session when a request’s 401 refreshed the token', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(network())
    const auth = useAuthStore()
    await auth.restore()
    vi.mocked(authApi.refresh).mockResolvedValueOnce(tokens('t4'))
    await expect(auth.refresh()).resolves.toBe('t4')
    expect(auth.offlineSession).toBe(false)
  })

  it('refresh() rejects, without signing out, while the server is out of reach', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(network())
    const auth = useAuthStore()
    await auth.restore()
    vi.mocked(authApi.refresh).mockRejectedValueOnce(network())
    await expect(auth.refresh()).rejects.toMatchObject({ status: 0 })
    expect(auth.isAuthenticated).toBe(true)
  })
})

describe('sign-out', () => {
  it('forgets the profile and the cached answers', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue(member1)
    vi.mocked(authApi.logout).mockResolvedValue(undefined)
    const auth = useAuthStore()
    await auth.login('member1', 'pw')
    await settle()
    await storage.cache.put({ key: cacheKey(7, '/a'), userId: 7, path: '/a', body: {}, savedAt: 1 }, 10)
    await auth.logout()
    await settle()
    expect(await storage.session.getMe()).toBeUndefined()
    expect(await storage.cache.get(cacheKey(7, '/a'))).toBeUndefined()
    expect(await storage.session.getLogoutPending()).toBe(false)
  })

  it('signed out offline: the cookie is revoked at the next start, and no offline session opens', async () => {
    await earlierVisit()
    vi.mocked(authApi.refresh).mockRejectedValue(network())
    let auth = useAuthStore()
    await auth.restore()
    expect(auth.offlineSession).toBe(true)
    await auth.logout()
    expect(auth.isAuthenticated).toBe(false)
    expect(await storage.session.getLogoutPending()).toBe(true)

    // Next start, still offline: signed out (not an offline session).
    setActivePinia(createPinia())
    auth = useAuthStore()
    await auth.restore()
    expect(auth.isAuthenticated).toBe(false)
    expect(await storage.session.getLogoutPending()).toBe(true)

    // Next start, online: the old session is ended on the server, and the person stays out.
    setActivePinia(createPinia())
    vi.mocked(authApi.refresh).mockReset().mockResolvedValue(tokens('t5'))
    vi.mocked(authApi.logout).mockResolvedValue(undefined)
    auth = useAuthStore()
    await auth.restore()
    expect(authApi.logout).toHaveBeenCalledOnce()
    expect(auth.isAuthenticated).toBe(false)
    expect(await storage.session.getLogoutPending()).toBe(false)
  })
})
