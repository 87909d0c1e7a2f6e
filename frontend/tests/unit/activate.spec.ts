// First sign-in with an activation code: the code is tidied before sending, the member is signed
// in after, refusals are shown in words, and the sign-in page links here.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'

vi.mock('@/api/imports', () => ({ activate: vi.fn() }))
vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))
vi.mock('@/stores/outbox', () => ({ useOutboxStore: () => ({ countFor: async () => 0 }) }))

const importsApi = await import('@/api/imports')
const { useAuthStore } = await import('@/stores/auth')
const { default: ActivatePage } = await import('@/pages/ActivatePage.vue')
const { default: LoginPage } = await import('@/pages/LoginPage.vue')
const { routes } = await import('@/router')

async function mountPage() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/activate', name: 'activate', component: ActivatePage },
      { path: '/login', name: 'login', component: LoginPage },
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
    ],
  })
  await router.push('/activate')
  const wrapper = mount(ActivatePage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  return { wrapper, router }
}

async function fill(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], code: string, pw = 'a-long-pass-phrase') {
  await wrapper.find('input[name="username"]').setValue(' 13900000001 ')
  await wrapper.find('input[name="code"]').setValue(code)
  await wrapper.find('input[name="new_password"]').setValue(pw)
  await wrapper.find('input[name="confirm_password"]').setValue(pw)
  await wrapper.find('form').trigger('submit')
  for (let i = 0; i < 4; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.mocked(importsApi.activate).mockReset()
})

describe('ActivatePage', () => {
  it('is a public route next to the sign-in', () => {
    const route = routes.find((r) => r.name === 'activate')
    expect(route?.path).toBe('/activate')
    expect(route?.meta?.public).toBe(true)
  })

  it('sends the tidied code, then signs the member in', async () => {
    vi.mocked(importsApi.activate).mockResolvedValue(undefined)
    const { wrapper, router } = await mountPage()
    const login = vi.spyOn(useAuthStore(), 'login').mockResolvedValue({ mustChangePassword: false } as never)
    await fill(wrapper, 'abcd-efgh-jkmn ')
    expect(importsApi.activate).toHaveBeenCalledWith(
      { username: '13900000001', code: 'ABCD-EFGH-JKMN', new_password: 'a-long-pass-phrase' },
      { silent: true },
    )
    expect(login).toHaveBeenCalledWith('13900000001', 'a-long-pass-phrase')
    expect(router.currentRoute.value.name).toBe('home')
    wrapper.unmount()
  })

  it('says a wrong, used or expired code in one sentence', async () => {
    vi.mocked(importsApi.activate).mockRejectedValue(
      new ApiError({ status: 400, code: 'activation_invalid', title: 'Activation code not valid' }),
    )
    const { wrapper } = await mountPage()
    await fill(wrapper, 'WRONG-CODE')
    expect(wrapper.find('[data-test="activate-error"]').text()).toContain('激活码不正确')
    wrapper.unmount()
  })

  it('refuses a short password without calling the server', async () => {
    const { wrapper } = await mountPage()
    await fill(wrapper, 'ABCD-EFGH-JKMN', 'short')
    expect(wrapper.text()).toContain('新密码至少 8 位')
    expect(importsApi.activate).not.toHaveBeenCalled()
    wrapper.unmount()
  })

  it('shows a weak password refusal on the password field', async () => {
    vi.mocked(importsApi.activate).mockRejectedValue(new ApiError({ status: 400, code: 'weak_password', title: 'Weak' }))
    const { wrapper } = await mountPage()
    await fill(wrapper, 'ABCD-EFGH-JKMN')
    expect(wrapper.text()).toContain('密码太容易被猜到')
    wrapper.unmount()
  })
})

describe('LoginPage', () => {
  it('links to the first sign-in with an activation code', async () => {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', name: 'login', component: LoginPage },
        { path: '/activate', name: 'activate', component: ActivatePage },
      ],
    })
    await router.push('/login')
    const wrapper = mount(LoginPage, { global: { plugins: [i18n, router] } })
    const link = wrapper.find('[data-test="login-activate"]')
    expect(link.text()).toBe('首次登录？用激活码设置密码')
    expect(link.attributes('href')).toBe('/activate')
    wrapper.unmount()
  })
})
