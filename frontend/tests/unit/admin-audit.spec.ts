// The audit trail: actions in plain Chinese, times in Beijing, filters, "load more" by cursor,
// and the CSV with the filters on screen.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { i18n } from '@/locales'
import type { AuditEvent } from '@/api/audit'

vi.mock('@/api/audit', () => ({ listAuditEvents: vi.fn(), auditCsv: vi.fn() }))
vi.mock('@/api/orgs', () => ({ listOrganisations: vi.fn() }))
vi.mock('@/composables/useRankingExport', () => ({ saveBlob: vi.fn() }))

const api = await import('@/api/audit')
const orgs = await import('@/api/orgs')
const { saveBlob } = await import('@/composables/useRankingExport')
const format = await import('@/components/admin/audit/auditFormat')
const { useAuditTrail } = await import('@/components/admin/audit/useAuditTrail')
const { default: AuditPage } = await import('@/pages/admin/AuditPage.vue')

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string
const te = i18n.global.te as (key: string) => boolean

function event(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 1,
    at: '2026-12-05T16:30:05Z',
    at_precision: 'second',
    actor: { id: 4, name: '组织部王干事' },
    actor_kind: 'user',
    organisation: { id: 2, name: '城关街道党工委' },
    entity_type: 'member_import',
    entity_id: 12,
    action: 'applied',
    from_state: 'applying',
    to_state: 'applied',
    comment: null,
    ...over,
  }
}

beforeEach(() => {
  vi.mocked(api.listAuditEvents).mockReset()
  vi.mocked(api.auditCsv).mockReset()
  vi.mocked(saveBlob).mockReset()
  vi.mocked(orgs.listOrganisations).mockReset()
})

describe('auditFormat', () => {
  it('names actions and objects in plain Chinese, unknown codes as they are', () => {
    expect(format.actionLabel('dry_run', t, te)).toBe('上传导入表（预检）')
    expect(format.actionLabel('approve', t, te)).toBe('审核通过')
    expect(format.actionLabel('brand_new', t, te)).toBe('brand_new')
    expect(format.entityLabel('member_import', t, te)).toBe('党员导入')
  })

  it('gives times in Beijing, and only the day for ballots', () => {
    expect(format.auditTime({ at: '2026-12-05T16:30:05Z', at_precision: 'second' })).toBe('2026-12-06 00:30:05')
    expect(format.auditTime({ at: '2026-12-05T16:00:00Z', at_precision: 'day' })).toBe('2026-12-06')
  })

  it('names who acted, or says nobody was signed in', () => {
    expect(format.actorLabel(event(), t)).toBe('组织部王干事')
    expect(format.actorLabel(event({ actor: null, actor_kind: 'none', action: 'sign_in_failed' }), t)).toBe('未登录用户')
    expect(format.actorLabel(event({ actor: null, actor_kind: 'none', action: 'expire' }), t)).toBe('系统')
  })

  it('leaves empty filters out and names the CSV by its days', () => {
    expect(format.cleanFilters({ action: '', actor: 3, from: undefined })).toEqual({ actor: 3 })
    expect(format.csvName({ from: '2026-12-01', to: '2026-12-06' })).toBe('操作日志-2026-12-01_2026-12-06.csv')
    expect(format.csvName({})).toBe('操作日志.csv')
  })
})

describe('useAuditTrail', () => {
  function harness() {
    let trail!: ReturnType<typeof useAuditTrail>
    const wrapper = mount(defineComponent({ setup: () => ((trail = useAuditTrail()), () => h('div')) }))
    return { trail, wrapper }
  }

  it('loads more with the cursor and starts over when a filter changes', async () => {
    vi.mocked(api.listAuditEvents)
      .mockResolvedValueOnce({ items: [event({ id: 3 })], next_cursor: 'c1' })
      .mockResolvedValueOnce({ items: [event({ id: 2 })], next_cursor: null })
      .mockResolvedValueOnce({ items: [event({ id: 9, action: 'sign_in' })], next_cursor: null })
    const { trail, wrapper } = harness()
    await trail.load()
    expect(trail.hasMore.value).toBe(true)
    await trail.load(false)
    expect(api.listAuditEvents).toHaveBeenLastCalledWith({}, 'c1', 50, { silent: true })
    expect(trail.events.value.map((e) => e.id)).toEqual([3, 2])
    expect(trail.hasMore.value).toBe(false)
    await trail.filterActor({ id: 4, name: '组织部王干事' })
    expect(api.listAuditEvents).toHaveBeenLastCalledWith({ actor: 4 }, null, 50, { silent: true })
    expect(trail.events.value.map((e) => e.id)).toEqual([9])
    expect(trail.actorName.value).toBe('组织部王干事')
    wrapper.unmount()
  })

  it('exports the CSV with the filters on screen', async () => {
    vi.mocked(api.listAuditEvents).mockResolvedValue({ items: [], next_cursor: null })
    vi.mocked(api.auditCsv).mockResolvedValue(new Blob(['x']))
    const { trail, wrapper } = harness()
    await trail.setFilter('action', 'dry_run')
    await trail.setFilter('from', '2026-12-01')
    await trail.exportCsv()
    expect(api.auditCsv).toHaveBeenCalledWith({ action: 'dry_run', from: '2026-12-01' }, { silent: true })
    expect(saveBlob).toHaveBeenCalledWith(expect.any(Blob), '操作日志-2026-12-01_.csv')
    await trail.clear()
    expect(trail.active.value).toBe(false)
    wrapper.unmount()
  })
})

describe('AuditPage', () => {
  it('lists events in words and narrows to a person when their name is tapped', async () => {
    vi.mocked(orgs.listOrganisations).mockResolvedValue({
      items: [
        { id: 2, name: '城关街道党工委', depth: 0 },
        { id: 3, name: '第一党支部', depth: 1 },
      ],
      total: 2,
      page: 1,
      page_size: 200,
    } as never)
    vi.mocked(api.listAuditEvents)
      .mockResolvedValueOnce({ items: [event(), event({ id: 2, action: 'dry_run', to_state: 'dry_run', from_state: null })], next_cursor: null })
      .mockResolvedValueOnce({ items: [event()], next_cursor: null })
    const wrapper = mount(AuditPage, { global: { plugins: [i18n] } })
    await flushPromises()
    const rows = wrapper.findAll('[data-test="audit-event"]')
    expect(rows).toHaveLength(2)
    expect(rows[0].text()).toContain('执行导入')
    expect(rows[1].text()).toContain('上传导入表（预检）')
    expect(wrapper.find('[data-test="audit-filter-org"]').exists()).toBe(true)
    await wrapper.find('[data-test="audit-actor"]').trigger('click')
    await flushPromises()
    expect(api.listAuditEvents).toHaveBeenLastCalledWith({ actor: 4 }, null, 50, { silent: true })
    expect(wrapper.find('[data-test="audit-filter-actor"]').text()).toContain('只看 组织部王干事')
    wrapper.unmount()
  })
})
