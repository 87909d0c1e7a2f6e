// The session store: sign-in, restore from the refresh cookie, password change, sign-out.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/http'
import type { Me, TokenResponse } from '@/api/types'

vi.mock('@/api/auth', () => ({
  login: vi.fn(),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
}))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))

const authApi = await import('@/api/auth')
const meApi = await import('@/api/me')
const { useAuthStore } = await import('@/stores/auth')

const tokens = (access: string, mustChange = false): TokenResponse => ({
  access_token: access,
  token_type: 'bearer',
  expires_in: 900,
  must_change_password: mustChange,
})
const secretary = (mustChange = false): Me => ({
  user: {
    id: 2,
    username: 'secretary1',
    display_name: '王书记',
    must_change_password: mustChange,
    is_superadmin: false,
    locale: 'zh-CN',
  },
  member: {
    id: 5,
    name: '王建国',
    phone: '13800000001',
    category: 'rural_community',
    branch_id: 1,
    branch_name: '第一党支部',
    status: 'active',
    joined_on: '2001-07-01',
    is_probationary: false,
  },
  roles: [
    { role: 'member', organisation_id: 3, organisation_name: '第一党支部', organisation_kind: 'branch' },
    { role: 'secretary', organisation_id: 3, organisation_name: '第一党支部', organisation_kind: 'branch' },
  ],
})
const unauthorized = (code: string) => new ApiError({ status: 401, code, title: 'Unauthorized' })

beforeEach(() => {
  setActivePinia(createPinia())
  vi.mocked(authApi.login).mockReset()
  vi.mocked(authApi.refresh).mockReset()
  vi.mocked(authApi.logout).mockReset()
  vi.mocked(authApi.changePassword).mockReset()
  vi.mocked(meApi.getMe).mockReset()
})

describe('login', () => {
  it('keeps the token in memory and loads the profile', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    const auth = useAuthStore()
    await expect(auth.login('secretary1', 'pw')).resolves.toEqual({ mustChangePassword: false })
    expect(auth.accessToken).toBe('t1')
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.displayName).toBe('王建国')
    expect(auth.hasRole('secretary')).toBe(true)
    expect(auth.hasRole('org_admin')).toBe(false)
    expect(localStorage.length).toBe(0)
  })

  it('reports a required password change', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1', true))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary(true))
    const auth = useAuthStore()
    await expect(auth.login('13912345678', 'init')).resolves.toEqual({ mustChangePassword: true })
    expect(auth.mustChangePassword).toBe(true)
  })

  it('stays signed out when the credentials are refused', async () => {
    vi.mocked(authApi.login).mockRejectedValue(unauthorized('invalid_credentials'))
    const auth = useAuthStore()
    await expect(auth.login('secretary1', 'nope')).rejects.toMatchObject({ code: 'invalid_credentials' })
    expect(auth.isAuthenticated).toBe(false)
    expect(meApi.getMe).not.toHaveBeenCalled()
  })

  it('falls back to the display name without a member record, and counts superadmin', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue({
      user: { id: 1, username: 'admin', display_name: '管理员', must_change_password: false, is_superadmin: true, locale: 'zh-CN' },
      member: null,
      roles: [],
    })
    const auth = useAuthStore()
    await auth.login('admin', 'pw')
    expect(auth.displayName).toBe('管理员')
    expect(auth.hasRole('superadmin')).toBe(true)
  })
})

describe('restore', () => {
  it('resumes the session from the refresh cookie, once', async () => {
    vi.mocked(authApi.refresh).mockResolvedValue(tokens('t2'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    const auth = useAuthStore()
    await Promise.all([auth.restore(), auth.restore()])
    await auth.restore()
    expect(authApi.refresh).toHaveBeenCalledOnce()
    expect(auth.accessToken).toBe('t2')
    expect(auth.me?.user.username).toBe('secretary1')
  })

  it('stays signed out without a valid refresh cookie', async () => {
    vi.mocked(authApi.refresh).mockRejectedValue(unauthorized('invalid_refresh_token'))
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.isAuthenticated).toBe(false)
    expect(meApi.getMe).not.toHaveBeenCalled()
  })
})

describe('refresh', () => {
  it('clears the session when the cookie is gone', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    vi.mocked(authApi.refresh).mockRejectedValue(unauthorized('invalid_refresh_token'))
    const auth = useAuthStore()
    await auth.login('secretary1', 'pw')
    await expect(auth.refresh()).resolves.toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.me).toBeNull()
  })
})

describe('changePassword', () => {
  it('lifts the forced change and swaps in a fresh token', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1', true))
    vi.mocked(meApi.getMe).mockResolvedValueOnce(secretary(true)).mockResolvedValue(secretary(false))
    vi.mocked(authApi.changePassword).mockResolvedValue(undefined)
    vi.mocked(authApi.refresh).mockResolvedValue(tokens('t3'))
    const auth = useAuthStore()
    await auth.login('13912345678', 'init')
    await auth.changePassword('init', 'a-better-password')
    expect(authApi.changePassword).toHaveBeenCalledWith('init', 'a-better-password')
    expect(auth.mustChangePassword).toBe(false)
    expect(auth.accessToken).toBe('t3')
  })

  it('keeps the flag when the server refuses', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1', true))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary(true))
    vi.mocked(authApi.changePassword).mockRejectedValue(
      new ApiError({ status: 400, code: 'wrong_password', title: 'Bad Request' }),
    )
    const auth = useAuthStore()
    await auth.login('13912345678', 'init')
    await expect(auth.changePassword('wrong', 'a-better-password')).rejects.toMatchObject({
      code: 'wrong_password',
    })
    expect(auth.mustChangePassword).toBe(true)
  })
})

describe('logout', () => {
  it('forgets the session even when the server call fails', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    vi.mocked(authApi.logout).mockRejectedValue(new ApiError({ status: 0, code: 'network_error', title: 'x' }))
    const auth = useAuthStore()
    await auth.login('secretary1', 'pw')
    await auth.logout()
    expect(authApi.logout).toHaveBeenCalledOnce()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.me).toBeNull()
  })
})

describe('an expired sign-in', () => {
  it('remembers whose sign-in the server ended, until someone signs in again', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    vi.mocked(authApi.refresh).mockRejectedValue(unauthorized('invalid_refresh_token'))
    const auth = useAuthStore()
    await auth.login('secretary1', 'pw')
    expect(auth.expiredFor).toBeNull()
    await expect(auth.refresh()).resolves.toBeNull()
    expect(auth.expiredFor).toBe(2)
    // The HTTP client's sign-out after the failed refresh does not forget why.
    auth.clear()
    expect(auth.expiredFor).toBe(2)
    await auth.login('secretary1', 'pw')
    expect(auth.expiredFor).toBeNull()
  })

  it('is not an expiry when the server is out of reach, nor after a sign-out', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('t1'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    vi.mocked(authApi.refresh).mockRejectedValue(new ApiError({ status: 0, code: 'network_error', title: 'x' }))
    vi.mocked(authApi.logout).mockResolvedValue(undefined)
    const auth = useAuthStore()
    await auth.login('secretary1', 'pw')
    await expect(auth.refresh()).rejects.toMatchObject({ status: 0 })
    expect(auth.expiredFor).toBeNull()
    await auth.logout()
    expect(auth.expiredFor).toBeNull()
  })

  it('keeps the access token out of web storage', async () => {
    vi.mocked(authApi.login).mockResolvedValue(tokens('eyJhbGciOi.secret.sig'))
    vi.mocked(meApi.getMe).mockResolvedValue(secretary())
    await useAuthStore().login('secretary1', 'pw')
    const stored = [localStorage, sessionStorage].flatMap((s) =>
      Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) as string)}`),
    )
    expect(stored.join('\n')).not.toContain('eyJ')
  })
})
