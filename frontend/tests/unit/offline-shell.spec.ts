// The offline parts of the app shell: the banner of waiting claims and the offline indicator,
// when the outbox is flushed, one-at-a-time locks, and moving onto a new version safely.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, getActivePinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'

vi.mock('@/api/claims', async (importOriginal) => ({
  queryString: (await importOriginal<typeof import('@/api/claims')>()).queryString,
  createClaim: vi.fn(),
  uploadEvidence: vi.fn(),
  submitClaim: vi.fn(),
  getClaim: vi.fn(),
  listClaims: vi.fn(),
}))
vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))
vi.mock('@/api/me', () => ({ getMe: vi.fn() }))

const claimsApi = await import('@/api/claims')
const authApi = await import('@/api/auth')
const { useAuthStore } = await import('@/stores/auth')
const { useOutboxStore } = await import('@/stores/outbox')
const { useConnectivityStore } = await import('@/stores/connectivity')
const { createMemoryStorage, setOfflineStorage } = await import('@/offline/storage')
const { startOffline } = await import('@/offline/lifecycle')
const { isFormDirty } = await import('@/offline/dirty')
const { createUpdateHandler } = await import('@/offline/update')
const { tryLock } = await import('@/offline/locks')
const { ApiError } = await import('@/api/http')
const { default: OutboxBanner } = await import('@/components/offline/OutboxBanner.vue')
const { default: OfflineNotice } = await import('@/components/offline/OfflineNotice.vue')
const { default: ClaimsPage } = await import('@/pages/member/ClaimsPage.vue')
const { cacheKey } = await import('@/offline/cache')
const { myClaimsPath } = await import('@/offline/myClaims')
const { currentPeriod } = await import('@/lib/format')

let storage: ReturnType<typeof createMemoryStorage>
let online: boolean

function signIn(userId = 7) {
  const auth = useAuthStore()
  auth.accessToken = 'token'
  auth.me = {
    user: { id: userId, username: 'member1', display_name: 'U', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: null,
    roles: [],
  }
}

async function queue(description: string, photos = 1) {
  online = false
  const result = await useOutboxStore().send(
    {
      body: { item_id: 9, occurred_on: '2026-11-20', quantity: 1, description },
      submit: true,
      photos: Array.from({ length: photos }, (_, i) => ({ name: `${i}.jpg`, blob: new Blob(['x']) })),
    },
    { title: '关爱孤寡老人和留守儿童' },
  )
  online = true
  return result
}

function makeRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
      { path: '/claims/new', name: 'claim-new', component: { template: '<p>new</p>' } },
      { path: '/claims/:id', name: 'claim', component: { template: '<p>claim</p>' } },
    ],
  })
}

beforeEach(() => {
  setActivePinia(createPinia())
  storage = createMemoryStorage()
  setOfflineStorage(storage)
  online = true
  vi.spyOn(navigator, 'onLine', 'get').mockImplementation(() => online)
  vi.mocked(claimsApi.createClaim).mockReset()
  document.body.innerHTML = ''
  signIn()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('OutboxBanner', () => {
  it('says how many claims wait and lists them with their state', async () => {
    await queue('看望村里的孤寡老人')
    await queue('帮助留守儿童辅导功课', 2)
    const router = makeRouter()
    const wrapper = mount(OutboxBanner, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.get('[data-test="outbox-banner"]').text()).toContain('2 条申报待发送，联网后自动提交')

    await wrapper.get('[data-test="outbox-banner"]').trigger('click')
    await flushPromises()
    const items = document.querySelectorAll('[data-test="outbox-item"]')
    expect(items).toHaveLength(2)
    expect(items[0].textContent).toContain('关爱孤寡老人和留守儿童')
    expect(items[0].textContent).toContain('2026年11月20日')
    expect(items[1].textContent).toContain('2 张照片')
    // The browser is online again, but these have not gone yet.
    expect(items[0].querySelector('[data-test="outbox-item-state"]')?.textContent).toContain('等待重试')
    expect(document.querySelector('[data-test="outbox-retry-all"]')).not.toBeNull()
    wrapper.unmount()
  })

  it('shows a refused claim with the reason in words', async () => {
    await queue('看望村里的孤寡老人')
    vi.mocked(claimsApi.createClaim).mockRejectedValue(
      new ApiError({ status: 409, code: 'claim_window_closed', title: 'Conflict' }),
    )
    await useOutboxStore().flush()
    const wrapper = mount(OutboxBanner, { global: { plugins: [i18n, makeRouter()] }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.get('[data-test="outbox-banner"]').text()).toContain('1 条申报发送失败')
    await wrapper.get('[data-test="outbox-banner"]').trigger('click')
    await flushPromises()
    const state = document.querySelector('[data-test="outbox-item-state"]')?.textContent ?? ''
    expect(state).toContain('发送失败：')
    expect(state).not.toContain('claim_window_closed')
    expect(document.querySelector('[data-test="outbox-item-retry"]')).not.toBeNull()
    expect(document.querySelector('[data-test="outbox-item-open"]')).not.toBeNull()
    wrapper.unmount()
  })

  it('is not there when nothing waits', async () => {
    const wrapper = mount(OutboxBanner, { global: { plugins: [i18n, makeRouter()] } })
    await flushPromises()
    expect(wrapper.find('[data-test="outbox-banner"]').exists()).toBe(false)
  })
})

describe('OfflineNotice', () => {
  it('shows while offline or while the data on screen came from the cache', async () => {
    const wrapper = mount(OfflineNotice, { global: { plugins: [i18n] } })
    const connectivity = useConnectivityStore()
    expect(wrapper.find('[data-test="offline-indicator"]').exists()).toBe(false)
    connectivity.setOnline(false)
    await flushPromises()
    expect(wrapper.get('[data-test="offline-indicator"]').text()).toContain('当前离线，显示的是上次的数据')
    connectivity.setOnline(true)
    await flushPromises()
    expect(wrapper.find('[data-test="offline-indicator"]').exists()).toBe(false)
    connectivity.note({ method: 'GET', path: '/claims', source: 'cache', savedAt: Date.parse('2026-11-21T02:30:00Z') })
    await flushPromises()
    expect(wrapper.get('[data-test="offline-indicator"]').text()).toContain('10:30')
    connectivity.note({ method: 'GET', path: '/claims', source: 'network' })
    await flushPromises()
    expect(wrapper.find('[data-test="offline-indicator"]').exists()).toBe(false)
  })
})

describe('flush triggers', () => {
  const noopOptions = { onSignedOut: vi.fn(), confirmDiscard: async () => true }

  it('flushes on start, on the online event, on becoming visible and on a timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    await queue('one')
    const outbox = useOutboxStore()
    const flush = vi.spyOn(outbox, 'flush').mockResolvedValue()
    const stop = startOffline(createPiniaFromActive(), { ...noopOptions, interval: 30_000 })
    await vi.waitFor(() => expect(flush).toHaveBeenCalledTimes(1)) // start
    await flushPromises()
    window.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(flush).toHaveBeenCalledTimes(2))
    await flushPromises()
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible')
    document.dispatchEvent(new Event('visibilitychange'))
    await vi.waitFor(() => expect(flush).toHaveBeenCalledTimes(3))
    await flushPromises()
    vi.advanceTimersByTime(30_000)
    await vi.waitFor(() => expect(flush).toHaveBeenCalledTimes(4))
    // Nothing waits: the timer stays quiet.
    await outbox.clearUser(7)
    vi.advanceTimersByTime(60_000)
    await flushPromises()
    expect(flush).toHaveBeenCalledTimes(4)
    stop()
  })

  it('ends an offline session when the network is back, or sends to sign-in if it was ended', async () => {
    const auth = useAuthStore()
    auth.accessToken = null
    auth.offlineSession = true
    vi.mocked(authApi.refresh).mockRejectedValue(new ApiError({ status: 401, code: 'invalid_refresh_token', title: 'x' }))
    const onSignedOut = vi.fn()
    const stop = startOffline(createPiniaFromActive(), { ...noopOptions, onSignedOut })
    await vi.waitFor(() => expect(onSignedOut).toHaveBeenCalledOnce())
    expect(auth.isAuthenticated).toBe(false)
    stop()
  })

  it('asks before sign-out deletes waiting claims', async () => {
    await queue('one')
    const confirmDiscard = vi.fn(async () => false)
    const stop = startOffline(createPiniaFromActive(), { ...noopOptions, confirmDiscard })
    const auth = useAuthStore()
    expect(await auth.logout()).toBe(false)
    expect(confirmDiscard).toHaveBeenCalledWith(1)
    confirmDiscard.mockResolvedValue(true)
    vi.mocked(authApi.logout).mockResolvedValue(undefined)
    expect(await auth.logout()).toBe(true)
    expect(await storage.outbox.list(7)).toEqual([])
    stop()
  })
})

describe('locks', () => {
  it('lets one holder in at a time, here and with the Web Locks API', async () => {
    let release!: () => void
    const first = tryLock('x', () => new Promise<string>((r) => (release = () => r('first'))))
    await expect(tryLock('x', async () => 'second')).resolves.toEqual({ acquired: false })
    release()
    await expect(first).resolves.toEqual({ acquired: true, value: 'first' })
    await expect(tryLock('x', async () => 'third')).resolves.toEqual({ acquired: true, value: 'third' })
  })

  it('respects a lock held by another tab', async () => {
    const locks = {
      request: vi.fn(async (_name: string, _options: unknown, callback: (lock: unknown) => Promise<unknown>) =>
        callback(null),
      ),
    }
    vi.spyOn(navigator, 'locks', 'get').mockReturnValue(locks as unknown as LockManager)
    await expect(tryLock('y', async () => 'mine')).resolves.toEqual({ acquired: false })
    expect(locks.request).toHaveBeenCalledWith('y', { ifAvailable: true }, expect.any(Function))
  })
})

describe('a new version', () => {
  it('notices typed text and marked forms', () => {
    document.body.innerHTML = '<input id="a" value=""><textarea id="b"></textarea>'
    expect(isFormDirty()).toBe(false)
    ;(document.getElementById('b') as HTMLTextAreaElement).value = '看望老人'
    expect(isFormDirty()).toBe(true)
    document.body.innerHTML = '<div data-dirty="true"></div>'
    expect(isFormDirty()).toBe(true)
  })

  it('reloads at once when idle, waits while busy, and moves over at the next navigation', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const reload = vi.fn()
    const navigate = vi.fn()
    let busy = true
    const router = makeRouter()
    await router.push('/')
    const handler = createUpdateHandler({ router, isBusy: () => busy, reload, navigate, isDirty: () => false })
    handler.needReload()
    expect(reload).not.toHaveBeenCalled()
    busy = false
    vi.advanceTimersByTime(5_000)
    expect(reload).toHaveBeenCalledOnce()

    // Someone is typing: no reload; leaving the page loads the target from the new version.
    const typing = createUpdateHandler({ router, isBusy: () => false, reload, navigate, isDirty: () => true })
    typing.needReload()
    vi.advanceTimersByTime(20_000)
    expect(reload).toHaveBeenCalledOnce()
    await router.push('/claims/new')
    expect(navigate).toHaveBeenCalledWith('/claims/new')
    expect(router.currentRoute.value.path).toBe('/')
  })
})

/** The active Pinia (the stores above already live in it). */
function createPiniaFromActive(): Pinia {
  return getActivePinia() as Pinia
}

/** The signed-in user as a member of branch 2 (member 3). */
function signInMember(userId = 7) {
  signIn(userId)
  const auth = useAuthStore()
  auth.me = {
    ...auth.me!,
    member: {
      id: 3,
      name: '王德福',
      phone: null,
      category: 'rural_community',
      branch_id: 2,
      branch_name: '青山社区党支部',
      status: 'active',
      joined_on: null,
      is_probationary: false,
    } as never,
  }
}

describe('offline data after sign-in', () => {
  const options = (warm: () => Promise<void>) => ({
    onSignedOut: vi.fn(),
    confirmDiscard: async () => true,
    warm,
    idle: (task: () => void) => task(),
  })

  it('is fetched once a member is signed in online, not again at once, and again after being offline', async () => {
    signInMember()
    const warm = vi.fn(async () => undefined)
    const stop = startOffline(createPiniaFromActive(), options(warm))
    await vi.waitFor(() => expect(warm).toHaveBeenCalledOnce())
    expect(warm).toHaveBeenCalledWith(expect.objectContaining({ id: 3, branch_id: 2 }))
    await flushPromises()
    // Visible again a moment later: what was fetched is fresh enough.
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible')
    document.dispatchEvent(new Event('visibilitychange'))
    await flushPromises()
    await flushPromises()
    expect(warm).toHaveBeenCalledOnce()
    // Back from showing cached data: fetched again.
    useConnectivityStore().showingCachedData = true
    window.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(warm).toHaveBeenCalledTimes(2))
    stop()
  })

  it('is not fetched offline, in an offline session, or for someone who is not a member', async () => {
    const warm = vi.fn(async () => undefined)
    online = false
    signInMember()
    let stop = startOffline(createPiniaFromActive(), options(warm))
    await flushPromises()
    stop()

    online = true
    const auth = useAuthStore()
    auth.accessToken = null
    auth.offlineSession = true
    vi.mocked(authApi.refresh).mockRejectedValue(new ApiError({ status: 0, code: 'network_error', title: 'x' }))
    stop = startOffline(createPiniaFromActive(), options(warm))
    await flushPromises()
    await flushPromises()
    stop()

    setActivePinia(createPinia())
    signIn()
    stop = startOffline(createPiniaFromActive(), options(warm))
    await flushPromises()
    await flushPromises()
    stop()
    expect(warm).not.toHaveBeenCalled()
  })
})

describe('my claims offline', () => {
  const period = currentPeriod()
  const claim = (id: number, status: string, month = period) => ({
    id,
    period: month,
    status,
    item: { id: 9, code: 'C01', title: '志愿服务' },
    occurred_on: `${month}-01`,
    quantity: 1,
    claimed_points: '1.0',
    granted_points: null,
    evidence_count: 0,
    decision_comment: null,
  })

  async function mountClaims(path = '/claims') {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/claims', name: 'claims', component: ClaimsPage },
        { path: '/claims/new', name: 'claim-new', component: { template: '<p>new</p>' } },
        { path: '/claims/:id', name: 'claim', component: { template: '<p>claim</p>' } },
      ],
    })
    await router.push(path)
    await router.isReady()
    const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [i18n, router] } })
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.get('[data-test="claims-count"]').attributes('data-loading')).toBe('false'))
    return wrapper
  }

  beforeEach(() => {
    signInMember()
    vi.mocked(claimsApi.listClaims).mockReset()
    vi.mocked(claimsApi.listClaims).mockRejectedValue(new ApiError({ status: 0, code: 'network_error', title: 'x' }))
  })

  it('shows the month (and state) out of the kept claims, counted as shown, marked as last data', async () => {
    const items = [claim(3, 'draft'), claim(2, 'submitted'), claim(1, 'approved', '2000-01')]
    await storage.cache.put(
      { key: cacheKey(7, myClaimsPath(3)), userId: 7, path: myClaimsPath(3), body: { items, total: 3, page: 1, page_size: 200 }, savedAt: 5 },
      200,
    )
    let wrapper = await mountClaims()
    expect(wrapper.findAll('[data-test^="claim-"]').map((c) => c.attributes('data-test'))).toEqual(['claim-3', 'claim-2'])
    expect(wrapper.get('[data-test="claims-count"]').text()).toBe('共 2 条申报')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(useConnectivityStore().showingCachedData).toBe(true)
    wrapper.unmount()

    wrapper = await mountClaims('/claims?status=submitted')
    expect(wrapper.findAll('[data-test^="claim-"]').map((c) => c.attributes('data-test'))).toEqual(['claim-2'])
    expect(wrapper.get('[data-test="claims-count"]').text()).toBe('共 1 条申报')
    wrapper.unmount()
  })

  it('says nothing is saved rather than showing 0, and never keeps another month’s claims on screen', async () => {
    vi.mocked(claimsApi.listClaims).mockResolvedValueOnce({ items: [claim(3, 'draft')] as never, total: 1, page: 1, page_size: 200 })
    const wrapper = await mountClaims()
    expect(wrapper.get('[data-test="claims-count"]').text()).toBe('共 1 条申报')
    // Offline, another month that was never loaded.
    await wrapper.get('[data-test="claims-month-prev"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.find('[data-test="claims-not-saved"]').exists()).toBe(true))
    expect(wrapper.findAll('[data-test^="claim-"]')).toHaveLength(0)
    const count = wrapper.get('[data-test="claims-count"]').text()
    expect(count).toContain('还没有这份列表')
    expect(count).not.toContain('共 0')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
