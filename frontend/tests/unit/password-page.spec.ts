// The password page checks input before sending and shows the server's refusals on the right field.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'

vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))

const authApi = await import('@/api/auth')
const meApi = await import('@/api/me')
const { useAuthStore } = await import('@/stores/auth')
const { default: PasswordPage } = await import('@/pages/PasswordPage.vue')

const me = (mustChange: boolean) => ({
  user: { id: 9, username: '13912345678', display_name: '测试党员', must_change_password: mustChange, is_superadmin: false, locale: 'zh-CN' },
  member: null,
  roles: [],
})

async function mountPage() {
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.mustChangePassword = true
  auth.me = me(true)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/password', name: 'password', component: PasswordPage },
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
      { path: '/me', name: 'me', component: { template: '<p>me</p>' } },
    ],
  })
  await router.push('/password')
  const wrapper = mount(PasswordPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  return { wrapper, router }
}

async function fill(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], current: string, next: string, confirm: string) {
  await wrapper.find('input[name="current_password"]').setValue(current)
  await wrapper.find('input[name="new_password"]').setValue(next)
  await wrapper.find('input[name="confirm_password"]').setValue(confirm)
  await wrapper.find('form').trigger('submit')
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.mocked(authApi.changePassword).mockReset()
  vi.mocked(authApi.refresh).mockReset()
  vi.mocked(meApi.getMe).mockReset()
})

describe('PasswordPage', () => {
  it('explains the forced change and offers a way out', async () => {
    const { wrapper } = await mountPage()
    expect(wrapper.text()).toContain('首次登录请先修改初始密码')
    expect(wrapper.text()).toContain('退出登录')
    expect(wrapper.find('button[aria-label="返回"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('refuses a short new password without calling the server', async () => {
    const { wrapper } = await mountPage()
    await fill(wrapper, 'initial-pw', 'short', 'short')
    expect(wrapper.text()).toContain('新密码至少 8 位')
    expect(authApi.changePassword).not.toHaveBeenCalled()
    wrapper.unmount()
  })

  it('refuses a confirmation that does not match', async () => {
    const { wrapper } = await mountPage()
    await fill(wrapper, 'initial-pw', 'a-new-password', 'another-password')
    expect(wrapper.text()).toContain('两次输入的新密码不一致')
    expect(authApi.changePassword).not.toHaveBeenCalled()
    wrapper.unmount()
  })

  it('puts wrong_password on the current-password field', async () => {
    vi.mocked(authApi.changePassword).mockRejectedValue(
      new ApiError({ status: 400, code: 'wrong_password', title: 'Wrong password' }),
    )
    const { wrapper, router } = await mountPage()
    await fill(wrapper, 'not-it-at-all', 'a-new-password', 'a-new-password')
    expect(authApi.changePassword).toHaveBeenCalledWith('not-it-at-all', 'a-new-password')
    expect(wrapper.text()).toContain('当前密码不正确')
    expect(router.currentRoute.value.name).toBe('password')
    wrapper.unmount()
  })

  it("translates the server's length check", async () => {
    vi.mocked(authApi.changePassword).mockRejectedValue(
      new ApiError({
        status: 422,
        code: 'validation_error',
        title: 'Invalid request',
        errors: [{ loc: ['body', 'new_password'], msg: 'String should have at least 8 characters', type: 'string_too_short' }],
      }),
    )
    const { wrapper } = await mountPage()
    await fill(wrapper, 'initial-pw', 'a-new-password', 'a-new-password')
    expect(wrapper.text()).toContain('新密码至少 8 位')
    wrapper.unmount()
  })

  it('continues to home once the password is changed', async () => {
    vi.mocked(authApi.changePassword).mockResolvedValue(undefined)
    vi.mocked(authApi.refresh).mockResolvedValue({
      access_token: 't2',
      token_type: 'bearer',
      expires_in: 900,
      must_change_password: false,
    })
    vi.mocked(meApi.getMe).mockResolvedValue(me(false))
    const { wrapper, router } = await mountPage()
    await fill(wrapper, 'initial-pw', 'a-new-password', 'a-new-password')
    expect(router.currentRoute.value.name).toBe('home')
    expect(useAuthStore().mustChangePassword).toBe(false)
    wrapper.unmount()
  })
})
