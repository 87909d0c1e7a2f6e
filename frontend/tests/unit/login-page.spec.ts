// The sign-in page shows the API's refusals as Chinese sentences and follows the forced change.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'

vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))

const waiting = vi.hoisted(() => ({ count: 0 }))
vi.mock('@/stores/outbox', () => ({ useOutboxStore: () => ({ countFor: async () => waiting.count }) }))

const authApi = await import('@/api/auth')
const meApi = await import('@/api/me')
const { useAuthStore } = await import('@/stores/auth')
const { default: LoginPage } = await import('@/pages/LoginPage.vue')

async function mountLogin() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage },
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
      { path: '/password', name: 'password', component: { template: '<p>password</p>' } },
    ],
  })
  await router.push('/login')
  const wrapper = mount(LoginPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  return { wrapper, router }
}

async function submit(wrapper: Awaited<ReturnType<typeof mountLogin>>['wrapper'], user: string, pw: string) {
  await wrapper.find('input[name="username"]').setValue(user)
  await wrapper.find('input[name="password"]').setValue(pw)
  await wrapper.find('form').trigger('submit')
  await flushPromises()
  await new Promise((r) => setTimeout(r, 0))
  await flushPromises()
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.mocked(authApi.login).mockReset()
  vi.mocked(meApi.getMe).mockReset()
})

describe('LoginPage', () => {
  it('labels its inputs', async () => {
    const { wrapper } = await mountLogin()
    for (const name of ['username', 'password']) {
      const input = wrapper.find(`input[name="${name}"]`)
      const id = input.attributes('id')
      expect(id).toBeTruthy()
      expect(wrapper.find(`label[for="${id}"]`).exists()).toBe(true)
    }
    wrapper.unmount()
  })

  it('shows 用户名或密码错误 for invalid_credentials', async () => {
    vi.mocked(authApi.login).mockRejectedValue(
      new ApiError({ status: 401, code: 'invalid_credentials', title: 'Unauthorized' }),
    )
    const { wrapper } = await mountLogin()
    await submit(wrapper, 'secretary1', 'wrong')
    expect(authApi.login).toHaveBeenCalledWith('secretary1', 'wrong')
    expect(wrapper.find('[role="alert"]').text()).toBe('用户名或密码错误')
    wrapper.unmount()
  })

  it('counts down a too_many_attempts refusal and blocks the button', async () => {
    vi.mocked(authApi.login).mockRejectedValue(
      new ApiError({ status: 429, code: 'too_many_attempts', title: 'Too Many Requests', retryAfter: 30 }),
    )
    const { wrapper } = await mountLogin()
    await submit(wrapper, 'secretary1', 'wrong')
    expect(wrapper.find('[role="alert"]').text()).toBe('尝试次数过多，请在 30 秒后重试')
    expect(wrapper.find('button[type="submit"]').attributes('disabled')).toBeDefined()
    wrapper.unmount()
  })

  it('goes to the password page when the password must change', async () => {
    vi.mocked(authApi.login).mockResolvedValue({
      access_token: 't',
      token_type: 'bearer',
      expires_in: 900,
      must_change_password: true,
    })
    vi.mocked(meApi.getMe).mockResolvedValue({
      user: { id: 9, username: '13912345678', display_name: '测试党员', must_change_password: true, is_superadmin: false, locale: 'zh-CN' },
      member: null,
      roles: [],
    })
    const { wrapper, router } = await mountLogin()
    await submit(wrapper, '13912345678', 'initial')
    expect(router.currentRoute.value.name).toBe('password')
    wrapper.unmount()
  })

  it('takes the error box away once a field is edited, so only the relevant error shows', async () => {
    vi.mocked(authApi.login).mockRejectedValue(
      new ApiError({ status: 401, code: 'invalid_credentials', title: 'Unauthorized' }),
    )
    const { wrapper } = await mountLogin()
    await submit(wrapper, 'secretary1', 'wrong')
    expect(wrapper.find('[data-test="login-error"]').text()).toBe('用户名或密码错误')
    await wrapper.find('input[name="password"]').setValue('x')
    expect(wrapper.find('[data-test="login-error"]').exists()).toBe(false)

    await submit(wrapper, 'secretary1', 'wrong')
    expect(wrapper.find('[data-test="login-error"]').exists()).toBe(true)
    await wrapper.find('input[name="username"]').setValue('secretary2')
    expect(wrapper.find('[data-test="login-error"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows the field error alone when the form’s own check fails', async () => {
    vi.mocked(authApi.login).mockRejectedValue(
      new ApiError({ status: 401, code: 'invalid_credentials', title: 'Unauthorized' }),
    )
    const { wrapper } = await mountLogin()
    await submit(wrapper, 'secretary1', 'wrong')
    // The password was emptied after the refusal; submitting again fails the required check.
    expect(wrapper.find('[data-test="login-error"]').exists()).toBe(true)
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
    await flushPromises()
    expect(authApi.login).toHaveBeenCalledOnce()
    expect(wrapper.text()).toContain('请输入密码')
    expect(wrapper.find('[data-test="login-error"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('keeps a lockout on screen while its countdown runs, even when typing', async () => {
    vi.mocked(authApi.login).mockRejectedValue(
      new ApiError({ status: 429, code: 'too_many_attempts', title: 'Too Many Requests', retryAfter: 30 }),
    )
    const { wrapper } = await mountLogin()
    await submit(wrapper, 'secretary1', 'wrong')
    await wrapper.find('input[name="password"]').setValue('another')
    expect(wrapper.find('[data-test="login-error"]').exists()).toBe(true)
    wrapper.unmount()
  })

  it('says the sign-in expired, and that the waiting claims are sent after signing in', async () => {
    waiting.count = 2
    useAuthStore().expiredFor = 7
    const { wrapper } = await mountLogin()
    await flushPromises()
    const notice = wrapper.find('[data-test="login-expired"]')
    expect(notice.text()).toBe('登录已过期，请重新登录。手机上有 2 条申报待发送，登录后自动发送')
    expect(notice.text()).not.toContain('网络')
    wrapper.unmount()

    waiting.count = 0
    const again = await mountLogin()
    await flushPromises()
    expect(again.wrapper.find('[data-test="login-expired"]').text()).toBe('登录已过期，请重新登录')
    again.wrapper.unmount()
  })

  it('says nothing about an expiry to someone who just opened the page', async () => {
    const { wrapper } = await mountLogin()
    await flushPromises()
    expect(wrapper.find('[data-test="login-expired"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
