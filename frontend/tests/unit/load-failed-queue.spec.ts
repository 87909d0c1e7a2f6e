// A failed load of the review queue says 加载失败 with a retry, and no longer 加载中… above it.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'

vi.mock('@/api/claims', async (original) => ({
  ...(await original<typeof import('@/api/claims')>()),
  listClaims: vi.fn(),
}))
vi.mock('@/api/points', () => ({ listMembers: vi.fn(), standardInForce: vi.fn() }))

const claimsApi = await import('@/api/claims')
const pointsApi = await import('@/api/points')
const { useAuthStore } = await import('@/stores/auth')
const { resetReviewBranch } = await import('@/composables/useReviewBranch')
const { clearBranchData } = await import('@/composables/useBranchData')
const { default: ReviewQueuePage } = await import('@/pages/review/ReviewQueuePage.vue')

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  resetReviewBranch()
  clearBranchData()
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.me = {
    user: { id: 2, username: 'reviewer1', display_name: '王芳', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: null,
    roles: [{ role: 'reviewer', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' }],
  }
  vi.mocked(pointsApi.listMembers).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 200 })
  vi.mocked(pointsApi.standardInForce).mockRejectedValue(new Error('none'))
})

describe('the review queue when its load fails', () => {
  it('shows the failure and a retry, not 加载中…, until the retry starts', async () => {
    let fail!: (cause: Error) => void
    vi.mocked(claimsApi.listClaims).mockReturnValueOnce(new Promise((_, reject) => (fail = reject)))
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/review', name: 'review', component: ReviewQueuePage },
        { path: '/review/:id', name: 'review-claim', component: { template: '<p>claim</p>' } },
      ],
    })
    await router.push('/review')
    const wrapper = mount(ReviewQueuePage, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.get('[data-test="queue-count"]').text()).toBe('加载中…')

    fail(new Error('offline'))
    await flushPromises()
    expect(wrapper.text()).toContain('加载失败')
    expect(wrapper.text()).not.toContain('加载中')
    expect(wrapper.get('[data-test="queue-count"]').text()).toBe('')

    vi.mocked(claimsApi.listClaims).mockReturnValueOnce(new Promise(() => undefined))
    await wrapper.get('.review-queue__failed button').trigger('click')
    await flushPromises()
    expect(wrapper.text()).not.toContain('加载失败')
    expect(wrapper.get('[data-test="queue-count"]').text()).toBe('加载中…')
    wrapper.unmount()
  })
})
