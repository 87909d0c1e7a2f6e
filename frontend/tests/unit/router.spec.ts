// The route guard: sign-in first, forced password change, safe redirects.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, START_LOCATION, type Router } from 'vue-router'
import { ApiError } from '@/api/http'

vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))

const authApi = await import('@/api/auth')
const { guard, routes, safeRedirect, scrollBehavior } = await import('@/router')
const { useAuthStore } = await import('@/stores/auth')

function makeRouter(): Router {
  const router = createRouter({ history: createMemoryHistory(), routes })
  router.beforeEach(guard)
  return router
}

function signIn(mustChange = false) {
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.mustChangePassword = mustChange
  auth.me = {
    user: { id: 1, username: 'u', display_name: 'U', must_change_password: mustChange, is_superadmin: false, locale: 'zh-CN' },
    member: null,
    roles: [],
  }
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.mocked(authApi.refresh).mockRejectedValue(
    new ApiError({ status: 401, code: 'invalid_refresh_token', title: 'Unauthorized' }),
  )
})

describe('guard', () => {
  it('sends a visitor to the sign-in page with a way back', async () => {
    const router = makeRouter()
    await router.push('/me')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/me')
  })

  it('tries the refresh cookie before giving up', async () => {
    const router = makeRouter()
    await router.push('/')
    expect(authApi.refresh).toHaveBeenCalledOnce()
    expect(router.currentRoute.value.name).toBe('login')
  })

  it('forces the password page while the password must change', async () => {
    signIn(true)
    const router = makeRouter()
    await router.push('/me')
    expect(router.currentRoute.value.name).toBe('password')
    expect(router.currentRoute.value.query.redirect).toBe('/me')
  })

  it('lets a signed-in user through and away from the sign-in page', async () => {
    signIn()
    const router = makeRouter()
    await router.push('/me')
    expect(router.currentRoute.value.name).toBe('me')
    await router.push('/login?redirect=/me')
    expect(router.currentRoute.value.name).toBe('me')
  })
})

describe('safeRedirect', () => {
  it('follows only same-app paths', () => {
    expect(safeRedirect('/me')).toBe('/me')
    expect(safeRedirect('//evil.example/x')).toBe('/')
    expect(safeRedirect('https://evil.example')).toBe('/')
    expect(safeRedirect('/login')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
  })
})

describe('scrollBehavior', () => {
  it('leaves the first screen where it is, brings a reload back and starts a new screen at its top', async () => {
    const router = makeRouter()
    await router.push('/login')
    const login = router.currentRoute.value
    await router.push('/activate')
    const to = router.currentRoute.value
    expect(scrollBehavior(to, START_LOCATION, null)).toBe(false)
    expect(scrollBehavior(to, START_LOCATION, { left: 0, top: 300 })).toEqual({ left: 0, top: 300 })
    expect(scrollBehavior(to, login, null)).toEqual({ top: 0 })
    expect(scrollBehavior(to, login, { left: 0, top: 120 })).toEqual({ left: 0, top: 120 })
  })
})
