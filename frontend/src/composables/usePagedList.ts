// A list read a page at a time with "load more": a reload starts again from the first page and
// wins over answers still on their way; a later page adds only the items not shown yet.
import { computed, ref, type Ref } from 'vue'
import type { Page } from '@/api/types'

export function usePagedList<T extends { id: number }>(
  /** The page's request, or null when there is nothing to read (no branch, no right). */
  fetchPage: (page: number, pageSize: number) => Promise<Page<T>> | null,
  /** What to tell the person about a failed read. */
  describe: (error: unknown) => string,
  pageSize = 20,
) {
  const items = ref([]) as Ref<T[]>
  const total = ref<number | null>(null)
  const loading = ref(false)
  const loadError = ref<string | null>(null)
  const more = computed(() => total.value !== null && items.value.length < total.value)
  let generation = 0

  async function load(reset = true) {
    const page = reset ? 1 : Math.floor(items.value.length / pageSize) + 1
    const request = fetchPage(page, pageSize)
    if (!request) return
    const gen = reset ? ++generation : generation
    loading.value = true
    loadError.value = null
    try {
      const result = await request
      if (gen !== generation) return
      const known = new Set(reset ? [] : items.value.map((item) => item.id))
      items.value = [...(reset ? [] : items.value), ...result.items.filter((item) => !known.has(item.id))]
      total.value = result.total
    } catch (error) {
      if (gen === generation) loadError.value = describe(error)
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  function clear() {
    items.value = []
    total.value = null
  }

  return { items, total, loading, loadError, more, load, clear }
}
