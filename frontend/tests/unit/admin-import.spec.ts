// The member import screens: row verdicts in words, the progress bar polling the job until it
// ends, and the credentials sheet downloadable once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/http'
import { i18n } from '@/locales'
import type { ImportJob, ImportRow } from '@/api/imports'

vi.mock('@/api/imports', () => ({
  templateSheet: vi.fn(),
  uploadSheet: vi.fn(),
  getImport: vi.fn(),
  importRows: vi.fn(),
  reportSheet: vi.fn(),
  applyImport: vi.fn(),
  credentialsSheet: vi.fn(),
  activate: vi.fn(),
}))
vi.mock('@/composables/useRankingExport', () => ({ saveBlob: vi.fn() }))

const api = await import('@/api/imports')
const { saveBlob } = await import('@/composables/useRankingExport')
const { useImportJob, POLL_MS } = await import('@/components/admin/import/useImportJob')
const format = await import('@/components/admin/import/importFormat')
const { default: ImportJobPage } = await import('@/pages/admin/ImportJobPage.vue')
const { default: ImportPage } = await import('@/pages/admin/ImportPage.vue')

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string
const te = i18n.global.te as (key: string) => boolean

function job(over: Partial<ImportJob> = {}): ImportJob {
  return {
    id: 7,
    status: 'dry_run',
    filename: 'members.csv',
    file_format: 'csv',
    counts: { create: 2, update: 1, unchanged: 0, refuse: 1 },
    progress: { done: 0, total: 4 },
    error: null,
    created_at: '2026-12-06T02:00:00Z',
    applied_at: null,
    credentials_available: false,
    rows: [],
    rows_total: 4,
    ...over,
  }
}

const refused: ImportRow = {
  row: 3,
  action: 'refuse',
  member_id: null,
  name: '王五',
  phone: null,
  branch_id: null,
  category: null,
  joined_on: null,
  is_probationary: null,
  gender: null,
  cells: { name: '王五', phone: 'abc', branch: '不存在支部', category: '党员' },
  reasons: [
    { code: 'bad_phone', field: 'phone', message: '手机号应为 6 到 15 位数字' },
    { code: 'unknown_branch', field: 'branch', message: '在您管理的组织中找不到该支部' },
  ],
}
const created: ImportRow = { ...refused, row: 2, action: 'create', name: '李四', cells: { name: '李四', phone: '13900000001', branch: '第一党支部' }, reasons: [] }

beforeEach(() => {
  for (const fn of Object.values(api)) if (typeof fn === 'function' && 'mockReset' in fn) (fn as ReturnType<typeof vi.fn>).mockReset()
  vi.mocked(saveBlob).mockReset()
})
afterEach(() => vi.useRealTimers())

describe('importFormat', () => {
  it('explains a refusal in the reader language, falling back to the server text', () => {
    expect(format.reasonText({ code: 'duplicate_phone', message: 'x' }, t, te)).toBe('该手机号在表中出现多次')
    expect(format.reasonText({ code: 'something_new', message: '服务器的说明' }, t, te)).toBe('服务器的说明')
  })

  it('refuses files by type and size before sending them', () => {
    expect(format.fileProblem({ name: 'a.xls', size: 10 })).toBe('wrongType')
    expect(format.fileProblem({ name: 'A.XLSX', size: format.MAX_UPLOAD_BYTES + 1 })).toBe('tooLarge')
    expect(format.fileProblem({ name: '名单.csv', size: 1000 })).toBeNull()
  })

  it('computes the progress percent and is full once applied', () => {
    expect(format.progressPercent({ status: 'applying', progress: { done: 1, total: 3 } })).toBe(33)
    expect(format.progressPercent({ status: 'applying', progress: { done: 0, total: 0 } })).toBe(0)
    expect(format.progressPercent({ status: 'applied', progress: { done: 0, total: 3 } })).toBe(100)
  })

  it('normalises activation codes typed with spaces or lower case', () => {
    expect(format.normaliseCode(' abcd-efgh jkmn ')).toBe('ABCD-EFGHJKMN')
  })
})

describe('useImportJob', () => {
  function harness() {
    let state!: ReturnType<typeof useImportJob>
    const wrapper = mount(
      defineComponent({
        setup() {
          state = useImportJob(ref(7))
          return () => h('div')
        },
      }),
    )
    return { state, wrapper }
  }

  it('polls an applying job until it ends, then stops', async () => {
    vi.useFakeTimers()
    vi.mocked(api.applyImport).mockResolvedValue(job({ status: 'applying' }))
    vi.mocked(api.getImport)
      .mockResolvedValueOnce(job({ status: 'applying', progress: { done: 2, total: 4 } }))
      .mockResolvedValueOnce(job({ status: 'applied', credentials_available: true, progress: { done: 4, total: 4 } }))
    const { state, wrapper } = harness()
    await state.apply()
    expect(state.job.value?.status).toBe('applying')
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(state.job.value?.progress.done).toBe(2)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(state.job.value?.status).toBe('applied')
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(api.getImport).toHaveBeenCalledTimes(2)
    expect(state.credentials.value).toBe('available')
    wrapper.unmount()
  })

  it('stops polling when the page goes away', async () => {
    vi.useFakeTimers()
    vi.mocked(api.getImport).mockResolvedValue(job({ status: 'applying' }))
    const { state, wrapper } = harness()
    await state.load()
    wrapper.unmount()
    await vi.advanceTimersByTimeAsync(POLL_MS * 5)
    expect(api.getImport).toHaveBeenCalledTimes(1)
  })

  it('downloads the credentials once; a second try learns they are gone', async () => {
    vi.mocked(api.getImport).mockResolvedValue(job({ status: 'applied', credentials_available: true }))
    vi.mocked(api.credentialsSheet)
      .mockResolvedValueOnce(new Blob(['x']))
      .mockRejectedValueOnce(new ApiError({ status: 410, code: 'credentials_gone', title: 'Gone' }))
    const { state, wrapper } = harness()
    await state.load()
    await state.downloadCredentials()
    expect(saveBlob).toHaveBeenCalledWith(expect.any(Blob), '激活码-7.xlsx')
    expect(state.credentials.value).toBe('downloaded')
    await state.downloadCredentials()
    expect(state.credentials.value).toBe('gone')
    wrapper.unmount()
  })

  it('says no codes are needed when the import created nobody', async () => {
    vi.mocked(api.getImport).mockResolvedValue(
      job({ status: 'applied', counts: { create: 0, update: 2, unchanged: 0, refuse: 0 } }),
    )
    const { state, wrapper } = harness()
    await state.load()
    expect(state.credentials.value).toBe('none')
    wrapper.unmount()
  })

  it('filters rows by action and loads more pages', async () => {
    vi.mocked(api.importRows)
      .mockResolvedValueOnce({ items: [refused], total: 2, page: 1, page_size: 50 })
      .mockResolvedValueOnce({ items: [{ ...refused, row: 9 }], total: 2, page: 2, page_size: 50 })
    const { state, wrapper } = harness()
    await state.setFilter('refuse')
    expect(api.importRows).toHaveBeenLastCalledWith(7, { action: 'refuse', page: 1, page_size: 50 }, { silent: true })
    expect(state.hasMoreRows.value).toBe(true)
    await state.loadRows(false)
    expect(state.rows.value.map((r) => r.row)).toEqual([3, 9])
    expect(state.hasMoreRows.value).toBe(false)
    wrapper.unmount()
  })
})

async function mountJobPage() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/admin/imports', name: 'admin-imports', component: ImportPage },
      { path: '/admin/imports/:id', name: 'admin-import', component: ImportJobPage },
    ],
  })
  await router.push('/admin/imports/7')
  const wrapper = mount(ImportJobPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

describe('ImportJobPage', () => {
  it('shows each row verdict with its reasons and the counts', async () => {
    vi.mocked(api.getImport).mockResolvedValue(job())
    vi.mocked(api.importRows).mockResolvedValue({ items: [created, refused], total: 2, page: 1, page_size: 50 })
    const { wrapper } = await mountJobPage()
    expect(wrapper.find('[data-test="import-status"]').text()).toBe('待确认')
    expect(wrapper.find('[data-test="filter-refuse"]').text()).toContain('1')
    const row = wrapper.find('[data-test="import-row-3"]')
    expect(row.attributes('data-action')).toBe('refuse')
    expect(row.text()).toContain('手机号应为 6 到 15 位数字')
    expect(row.text()).toContain('在您管理的组织中找不到该支部')
    expect(wrapper.find('[data-test="apply-hint"]').text()).toContain('将新增 2 人、更新 1 人')
    wrapper.unmount()
  })

  it('warns that the credentials sheet is given only once', async () => {
    vi.mocked(api.getImport).mockResolvedValue(job({ status: 'applied', credentials_available: true }))
    vi.mocked(api.importRows).mockResolvedValue({ items: [], total: 0, page: 1, page_size: 50 })
    const { wrapper } = await mountJobPage()
    expect(wrapper.find('[data-test="import-progress"]').text()).toContain('导入完成')
    expect(wrapper.find('[data-test="credentials-warning"]').text()).toContain('只能下载一次')
    wrapper.unmount()
  })

  it('offers nothing to apply when every row is refused', async () => {
    vi.mocked(api.getImport).mockResolvedValue(job({ counts: { create: 0, update: 0, unchanged: 0, refuse: 2 } }))
    vi.mocked(api.importRows).mockResolvedValue({ items: [refused], total: 1, page: 1, page_size: 50 })
    const { wrapper } = await mountJobPage()
    expect(wrapper.find('[data-test="import-apply"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="apply-nothing"]').exists()).toBe(true)
    wrapper.unmount()
  })
})
