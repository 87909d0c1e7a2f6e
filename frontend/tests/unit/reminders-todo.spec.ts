// The reviewer's to-do (card and shared state), the undeclared list with 提醒 / 全部提醒, and a
// member's reminder notice, against a mocked API.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'
import type { MonthView, Reminder, TodoBranch, UndeclaredMember } from '@/api/types'

vi.mock('@/api/reminders', () => ({
  getTodo: vi.fn(),
  listUndeclared: vi.fn(),
  sendReminders: vi.fn(),
  myReminders: vi.fn(),
  markReminderRead: vi.fn(),
}))
vi.mock('@/api/months', () => ({ getMonth: vi.fn() }))
vi.mock('vant', async (original) => ({
  ...(await original<typeof import('vant')>()),
  showConfirmDialog: vi.fn(),
  showToast: vi.fn(),
}))

const api = await import('@/api/reminders')
const monthsApi = await import('@/api/months')
const vant = await import('vant')
const { useAuthStore } = await import('@/stores/auth')
const { resetReviewBranch, useReviewBranch } = await import('@/composables/useReviewBranch')
const { deadlineText, loadTodo, pendingTotal, resetTodo, useTodo } = await import('@/composables/useTodo')
const { resetReminders, useMyReminders } = await import('@/composables/useMyReminders')
const { default: TodoCard } = await import('@/components/review/TodoCard.vue')
const { default: ReminderNotice } = await import('@/components/member/ReminderNotice.vue')
const { default: UndeclaredPage } = await import('@/pages/review/UndeclaredPage.vue')

function todoBranch(over: Partial<TodoBranch> = {}): TodoBranch {
  return {
    branch: { id: 2, name: '青山社区党支部' },
    is_secretary: true,
    period: '2026-11',
    pending: 3,
    undeclared: 4,
    members: 12,
    deadline: '2026-12-05T23:59:59.999999+08:00',
    deadline_day: '2026-12-05',
    days_left: 2,
    window_open: true,
    month_status: 'open',
    ...over,
  }
}

function undeclared(id: number, name: string, over: Partial<UndeclaredMember> = {}): UndeclaredMember {
  return {
    member: { id, name },
    is_probationary: false,
    has_account: true,
    reminders: 0,
    last_reminded_at: null,
    reminded_today: false,
    ...over,
  }
}

function month(over: Partial<MonthView> = {}): MonthView {
  return {
    branch_id: 2,
    period: '2026-11',
    status: 'open',
    deadline: '2026-12-05T23:59:59.999999+08:00',
    window_open: true,
    counts: {},
    entries: 0,
    approved_points: '0',
    can_close: false,
    blockers: [],
    warnings: [],
    closed_at: null,
    closed_by: null,
    reopened_at: null,
    reopen_reason: null,
    ...over,
  } as MonthView
}

const reminder: Reminder = {
  id: 9,
  period: '2026-11',
  branch: { id: 2, name: '青山社区党支部' },
  sender: { id: 2, name: '张建国' },
  sender_role: 'secretary',
  sent_at: '2026-12-03T02:00:00Z',
  read_at: null,
}

function signInAsSecretary() {
  const auth = useAuthStore()
  auth.accessToken = 't'
  auth.me = {
    user: { id: 2, username: 'secretary1', display_name: '张建国', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: null,
    roles: [
      { role: 'secretary', organisation_id: 2, organisation_name: '青山社区党支部', organisation_kind: 'branch' },
      { role: 'reviewer', organisation_id: 5, organisation_name: '河湾村党支部', organisation_kind: 'branch' },
    ],
  } as never
}

async function mountAt(path: string, component: object, props: Record<string, unknown> = {}) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
      { path: '/review', name: 'review', component: { template: '<p>review</p>' } },
      { path: '/branch', name: 'branch', component: { template: '<p>branch</p>' } },
      { path: '/claims/new', name: 'claim-new', component: { template: '<p>new</p>' } },
      { path: '/branch/undeclared', name: 'undeclared', component: { template: '<p>list</p>' } },
    ],
  })
  await router.push(path)
  const wrapper = mount(component, { props, global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  resetTodo()
  resetReminders()
  resetReviewBranch()
  for (const fn of [...Object.values(api), monthsApi.getMonth, vant.showConfirmDialog, vant.showToast]) {
    vi.mocked(fn as () => unknown).mockReset()
  }
  vi.mocked(monthsApi.getMonth).mockResolvedValue(month())
  vi.mocked(api.getTodo).mockResolvedValue({ branches: [] })
  signInAsSecretary()
  useReviewBranch().setBranch(2)
})

describe('the to-do state', () => {
  it('adds the waiting claims of every branch for the tab badge', () => {
    expect(pendingTotal(null)).toBe(0)
    expect(pendingTotal({ branches: [todoBranch(), todoBranch({ pending: 4 })] })).toBe(7)
  })

  it('says the days left, the last day, or that the window has closed', () => {
    expect(deadlineText(todoBranch())).toEqual({ key: 'review.todo.daysLeft', n: 2 })
    expect(deadlineText(todoBranch({ days_left: 0 })).key).toBe('review.todo.lastDay')
    expect(deadlineText(todoBranch({ window_open: false, days_left: null })).key).toBe('review.todo.windowClosed')
    expect(deadlineText(todoBranch({ month_status: 'locked', window_open: false })).key).toBe('review.todo.locked')
  })

  it('shares one read between the card and the badge, and reads again only when stale', async () => {
    vi.mocked(api.getTodo).mockResolvedValue({ branches: [todoBranch()] })
    await Promise.all([loadTodo(), loadTodo(15_000)])
    expect(api.getTodo).toHaveBeenCalledTimes(1)
    await loadTodo(15_000)
    expect(api.getTodo).toHaveBeenCalledTimes(1)
    expect(useTodo().pending.value).toBe(3)
    await loadTodo()
    expect(api.getTodo).toHaveBeenCalledTimes(2)
  })
})

describe('the to-do card', () => {
  it('shows the counts and leads to the queue and to the list of the branch tapped', async () => {
    const branches = [todoBranch(), todoBranch({ branch: { id: 5, name: '河湾村党支部' }, pending: 0, undeclared: 1 })]
    const { wrapper, router } = await mountAt('/', TodoCard, { branches })
    const counts = wrapper.findAll('[data-test="todo-pending-count"]').map((w) => w.text())
    expect(counts).toEqual(['3', '0'])
    expect(wrapper.find('[data-test="todo-days"]').text()).toBe('还剩 2 天')
    const links = wrapper.findAll('[data-test="todo-undeclared"]')
    expect(links[1].attributes('href')).toBe('/branch/undeclared?period=2026-11')
    await links[1].trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('undeclared')
    expect(useReviewBranch().branchId.value).toBe(5)
    for (const tile of wrapper.findAll('.todo-tile')) expect(tile.element.tagName).toBe('A')
    wrapper.unmount()
  })
})

describe('the reminder notice', () => {
  it('names the sender by role and the month, and dismisses', async () => {
    const { wrapper } = await mountAt('/', ReminderNotice, { reminders: [reminder] })
    expect(wrapper.text()).toContain('支部书记张建国提醒您申报2026年11月积分')
    await wrapper.find('[data-test="reminder-dismiss"]').trigger('click')
    expect(wrapper.emitted('dismiss')).toEqual([[9]])
    wrapper.unmount()
  })

  it('marks a dismissed reminder read, and brings it back when that fails', async () => {
    vi.mocked(api.myReminders).mockResolvedValue({ items: [reminder], total: 1, page: 1, page_size: 5 })
    const state = useMyReminders()
    await state.load()
    expect(state.total.value).toBe(1)
    vi.mocked(api.markReminderRead).mockResolvedValueOnce({ ...reminder, read_at: '2026-12-03T03:00:00Z' })
    expect(await state.dismiss(9)).toBe(true)
    expect(state.unread.value).toEqual([])
    expect(state.total.value).toBe(0)

    resetReminders()
    await state.load()
    vi.mocked(api.markReminderRead).mockRejectedValueOnce(new ApiError({ status: 0, code: 'network', title: '' }))
    expect(await state.dismiss(9)).toBe(false)
    expect(state.unread.value.map((r) => r.id)).toEqual([9])
    expect(state.total.value).toBe(1)
  })
})

describe('the undeclared list', () => {
  const rows = [undeclared(11, '李明'), undeclared(12, '王芳', { reminders: 1, reminded_today: true })]

  it('lists the members and reminds one with a tap', async () => {
    vi.mocked(api.listUndeclared).mockResolvedValue({ items: rows, total: 2, page: 1, page_size: 50 })
    vi.mocked(api.sendReminders).mockResolvedValue({
      period: '2026-11',
      sent: 1,
      skipped: 0,
      sent_member_ids: [11],
      skipped_members: [],
    })
    const { wrapper } = await mountAt('/branch/undeclared?period=2026-11', UndeclaredPage)
    expect(api.listUndeclared).toHaveBeenCalledWith(2, '2026-11', { page: 1, page_size: 50 }, { silent: true })
    expect(wrapper.find('[data-test="undeclared-summary"]').text()).toBe('2026年11月未申报 2 人')
    const buttons = wrapper.findAll('[data-test="remind-one"]')
    expect(buttons[1].text()).toBe('今日已提醒')
    expect(buttons[1].attributes('disabled')).toBeDefined()
    await buttons[0].trigger('click')
    await flushPromises()
    expect(api.sendReminders).toHaveBeenCalledWith(2, '2026-11', { member_ids: [11], all: false }, { silent: true })
    expect(wrapper.findAll('[data-test="remind-one"]')[0].text()).toBe('今日已提醒')
    expect(vant.showToast).toHaveBeenCalledWith({ type: 'success', message: '已提醒 1 人' })
    wrapper.unmount()
  })

  it('reminds all after a confirmation and says who was left out', async () => {
    vi.mocked(api.listUndeclared).mockResolvedValue({ items: rows, total: 2, page: 1, page_size: 50 })
    vi.mocked(vant.showConfirmDialog).mockResolvedValue('confirm')
    vi.mocked(api.sendReminders).mockResolvedValue({
      period: '2026-11',
      sent: 1,
      skipped: 1,
      sent_member_ids: [11],
      skipped_members: [{ member_id: 12, reason: 'reminded_today' }],
    })
    const { wrapper } = await mountAt('/branch/undeclared?period=2026-11', UndeclaredPage)
    await wrapper.find('[data-test="remind-all"]').trigger('click')
    await flushPromises()
    expect(vant.showConfirmDialog).toHaveBeenCalledOnce()
    expect(api.sendReminders).toHaveBeenCalledWith(2, '2026-11', { all: true }, { silent: true })
    expect(vant.showToast).toHaveBeenCalledWith({ type: 'success', message: '已提醒 1 人，1 人今天已提醒过或已申报' })
    wrapper.unmount()
  })

  it('offers no reminders once the month’s window has closed', async () => {
    vi.mocked(monthsApi.getMonth).mockResolvedValue(month({ window_open: false }))
    vi.mocked(api.listUndeclared).mockResolvedValue({ items: rows, total: 2, page: 1, page_size: 50 })
    const { wrapper } = await mountAt('/branch/undeclared?period=2026-11', UndeclaredPage)
    expect(wrapper.find('[data-test="remind-one"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="remind-all"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="undeclared-closed"]').text()).toContain('申报已截止')
    wrapper.unmount()
  })

  it('takes the month being declared from the to-do when the link names none', async () => {
    vi.mocked(api.getTodo).mockResolvedValue({ branches: [todoBranch({ period: '2026-10' })] })
    await loadTodo()
    vi.mocked(api.listUndeclared).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 50 })
    const { wrapper, router } = await mountAt('/branch/undeclared', UndeclaredPage)
    expect(api.listUndeclared).toHaveBeenCalledWith(2, '2026-10', expect.anything(), expect.anything())
    expect(wrapper.find('[data-test="undeclared-empty"]').exists()).toBe(true)
    await flushPromises()
    expect(router.currentRoute.value.query.period).toBe('2026-10')
    wrapper.unmount()
  })
})
