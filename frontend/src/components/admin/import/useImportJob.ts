// One import job on screen: its dry run, the rows by action a page at a time, apply with a
// progress bar that polls until the job ends, and the one-time credentials sheet.
import { computed, onUnmounted, ref, type Ref } from 'vue'
import {
  applyImport,
  credentialsSheet,
  getImport,
  importRows,
  reportSheet,
  type ImportJob,
  type ImportRow,
  type RowAction,
} from '@/api/imports'
import { isApiError, type ApiError } from '@/api/http'
import { saveBlob } from '@/composables/useRankingExport'
import { sheetName } from './importFormat'

export const POLL_MS = 1000
export const ROWS_PAGE = 50

export type CredentialsState = 'available' | 'downloaded' | 'gone' | 'none'

export function useImportJob(id: Ref<number>) {
  const job = ref<ImportJob | null>(null)
  const loadError = ref<ApiError | Error | null>(null)
  const loading = ref(false)
  const filter = ref<RowAction | null>(null)
  const rows = ref<ImportRow[]>([])
  const rowsTotal = ref(0)
  const rowsPage = ref(0)
  const rowsLoading = ref(false)
  const rowsError = ref<ApiError | Error | null>(null)
  const credentials = ref<CredentialsState>('available')
  let timer: ReturnType<typeof setTimeout> | undefined
  let rowsGeneration = 0
  let stopped = false

  const hasMoreRows = computed(() => rows.value.length < rowsTotal.value)

  function setJob(next: ImportJob) {
    job.value = next
    if (next.status === 'applied' && credentials.value === 'available' && !next.credentials_available) {
      credentials.value = 'gone'
    }
    if (next.status === 'applied' && next.counts.create === 0) credentials.value = 'none'
    schedulePoll()
  }

  function schedulePoll() {
    clearTimeout(timer)
    if (!stopped && job.value?.status === 'applying') timer = setTimeout(() => void load(), POLL_MS)
  }

  async function load(): Promise<void> {
    loading.value = true
    try {
      setJob(await getImport(id.value, { silent: true }))
      loadError.value = null
    } catch (error) {
      loadError.value = error as Error
      // A poll that failed (a blip in the network) tries again.
      schedulePoll()
    } finally {
      loading.value = false
    }
  }

  /** The first page of rows for the filter (the job's own first rows when unfiltered). */
  async function loadRows(reset = true): Promise<void> {
    const gen = ++rowsGeneration
    const page = reset ? 1 : rowsPage.value + 1
    rowsLoading.value = true
    rowsError.value = null
    try {
      const result = await importRows(
        id.value,
        { action: filter.value ?? undefined, page, page_size: ROWS_PAGE },
        { silent: true },
      )
      if (gen !== rowsGeneration) return
      rows.value = reset ? result.items : [...rows.value, ...result.items]
      rowsTotal.value = result.total
      rowsPage.value = page
    } catch (error) {
      if (gen === rowsGeneration) rowsError.value = error as Error
    } finally {
      if (gen === rowsGeneration) rowsLoading.value = false
    }
  }

  async function setFilter(next: RowAction | null): Promise<void> {
    filter.value = next
    await loadRows(true)
  }

  async function apply(): Promise<void> {
    setJob(await applyImport(id.value, { silent: true }))
  }

  async function downloadReport(): Promise<void> {
    saveBlob(await reportSheet(id.value), sheetName('report', id.value))
  }

  /** The codes sheet, once; a second try learns it is gone (410). */
  async function downloadCredentials(): Promise<void> {
    try {
      const blob = await credentialsSheet(id.value, { silent: true })
      saveBlob(blob, sheetName('codes', id.value))
      credentials.value = 'downloaded'
    } catch (error) {
      if (isApiError(error) && error.code === 'credentials_gone') {
        credentials.value = 'gone'
        return
      }
      throw error
    }
  }

  function stop() {
    stopped = true
    clearTimeout(timer)
  }
  onUnmounted(stop)

  return {
    job,
    loading,
    loadError,
    filter,
    rows,
    rowsTotal,
    rowsLoading,
    rowsError,
    hasMoreRows,
    credentials,
    load,
    loadRows,
    setFilter,
    apply,
    downloadReport,
    downloadCredentials,
    stop,
  }
}
