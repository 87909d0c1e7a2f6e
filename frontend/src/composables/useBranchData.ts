// The branch's active members and the standard in force, loaded once per branch (and year) and
// shared by the queue filters, the entry form and the claim page.
import { ref, watch, type Ref } from 'vue'
import { listMembers, standardInForce } from '@/api/points'
import type { MemberSummary, Standard } from '@/api/types'

const memberCache = new Map<number, Promise<MemberSummary[]>>()
const standardCache = new Map<string, Promise<Standard | null>>()

/** Every active member of the branch (pages of 200 until all are in), by name. */
export function loadBranchMembers(branchId: number, { fresh = false } = {}): Promise<MemberSummary[]> {
  if (fresh) memberCache.delete(branchId)
  let pending = memberCache.get(branchId)
  if (!pending) {
    pending = (async () => {
      const all: MemberSummary[] = []
      for (let page = 1; page <= 50; page++) {
        const result = await listMembers(
          { organisation_id: branchId, status: 'active', page, page_size: 200 },
          { silent: true },
        )
        all.push(...result.items)
        if (all.length >= result.total || result.items.length === 0) break
      }
      return all
    })()
    pending.catch(() => memberCache.delete(branchId))
    memberCache.set(branchId, pending)
  }
  return pending
}

/** The published standard that applies to the branch in `year`, or null when there is none. */
export function loadStandard(branchId: number, year: number): Promise<Standard | null> {
  const key = `${branchId}:${year}`
  let pending = standardCache.get(key)
  if (!pending) {
    pending = standardInForce(branchId, year, { silent: true }).catch(() => {
      standardCache.delete(key)
      return null
    })
    standardCache.set(key, pending)
  }
  return pending
}

/** Reactive members of the branch in `branchId` (reloaded when it changes). */
export function useBranchMembers(branchId: Ref<number | null>) {
  const members = ref<MemberSummary[]>([])
  const loading = ref(false)
  const failed = ref(false)
  async function load(fresh = false) {
    const id = branchId.value
    if (!id) {
      members.value = []
      return
    }
    loading.value = true
    failed.value = false
    try {
      const list = await loadBranchMembers(id, { fresh })
      if (branchId.value === id) members.value = list
    } catch {
      if (branchId.value === id) failed.value = true
    } finally {
      loading.value = false
    }
  }
  watch(branchId, () => void load(), { immediate: true })
  return { members, loading, failed, reload: () => load(true) }
}

/** Reactive standard in force for the branch and year. */
export function useBranchStandard(branchId: Ref<number | null>, year: Ref<number>) {
  const standard = ref<Standard | null>(null)
  const loading = ref(false)
  async function load() {
    const id = branchId.value
    const y = year.value
    if (!id) {
      standard.value = null
      return
    }
    loading.value = true
    try {
      const result = await loadStandard(id, y)
      if (branchId.value === id && year.value === y) standard.value = result
    } finally {
      loading.value = false
    }
  }
  watch([branchId, year], () => void load(), { immediate: true })
  return { standard, loading }
}

/** For tests: forget what was loaded. */
export function clearBranchData(): void {
  memberCache.clear()
  standardCache.clear()
}
