// The audit trail on screen: filters, the newest events first, "load more" by cursor, the CSV
// of the same filters.
import { computed, reactive, ref } from 'vue'
import { auditCsv, listAuditEvents, type AuditEvent, type AuditFilters } from '@/api/audit'
import type { ApiError } from '@/api/http'
import { saveBlob } from '@/composables/useRankingExport'
import { cleanFilters, csvName } from './auditFormat'

export const AUDIT_PAGE = 50

export function useAuditTrail() {
  const filters = reactive<AuditFilters>({})
  /** The name of the actor filtered on, to show in the filter chip. */
  const actorName = ref('')
  const events = ref<AuditEvent[]>([])
  const cursor = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<ApiError | Error | null>(null)
  const exporting = ref(false)
  let generation = 0

  const hasMore = computed(() => cursor.value !== null)
  const active = computed(() => Object.keys(cleanFilters(filters)).length > 0)

  /** The first page for the current filters (reset) or the next page. */
  async function load(reset = true): Promise<void> {
    const gen = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await listAuditEvents(cleanFilters(filters), reset ? null : cursor.value, AUDIT_PAGE, {
        silent: true,
      })
      if (gen !== generation) return
      events.value = reset ? page.items : [...events.value, ...page.items]
      cursor.value = page.next_cursor
      loaded.value = true
    } catch (cause) {
      if (gen === generation) error.value = cause as Error
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  async function setFilter<K extends keyof AuditFilters>(key: K, value: AuditFilters[K] | undefined) {
    if (value === undefined || value === null || value === '') delete filters[key]
    else filters[key] = value
    await load(true)
  }

  async function filterActor(actor: { id: number; name: string } | null) {
    actorName.value = actor?.name ?? ''
    await setFilter('actor', actor?.id)
  }

  async function clear() {
    for (const key of Object.keys(filters) as (keyof AuditFilters)[]) delete filters[key]
    actorName.value = ''
    await load(true)
  }

  async function exportCsv(): Promise<void> {
    exporting.value = true
    try {
      const current = cleanFilters(filters)
      saveBlob(await auditCsv(current, { silent: true }), csvName(current))
    } finally {
      exporting.value = false
    }
  }

  return {
    filters,
    actorName,
    events,
    loading,
    loaded,
    error,
    exporting,
    hasMore,
    active,
    load,
    setFilter,
    filterActor,
    clear,
    exportCsv,
  }
}
