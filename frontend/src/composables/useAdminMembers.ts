// Member search for the admin screens: text (name or phone), category, status and branch,
// numbered pages in the server's stable order; a newer search wins over a slower older one.
import { computed, reactive, ref } from 'vue'
import { searchMembers, type MemberListItem, type MemberQuery } from '@/api/members'
import type { MemberCategory } from '@/api/types'

export const MEMBER_PAGE_SIZE = 20

export interface MemberFilters {
  q: string
  category: MemberCategory | ''
  status: 'active' | 'inactive' | ''
  organisationId: number | null
}

/** The query a set of filters and a page ask the API for (empty filters left out). */
export function memberQuery(filters: MemberFilters, page: number, pageSize = MEMBER_PAGE_SIZE): MemberQuery {
  const q = filters.q.trim()
  return {
    q: q || undefined,
    category: filters.category || undefined,
    status: filters.status || undefined,
    organisation_id: filters.organisationId ?? undefined,
    page,
    page_size: pageSize,
  }
}

/** Filters from the page's URL query, so a search survives going to a member and back. */
export function filtersFromRoute(query: Record<string, unknown>): { filters: MemberFilters; page: number } {
  const text = (key: string) => (typeof query[key] === 'string' ? (query[key] as string) : '')
  const category = text('category') as MemberCategory | ''
  const status = text('status')
  const org = Number(text('org'))
  const page = Number(text('page'))
  return {
    filters: {
      q: text('q').slice(0, 50),
      category: ['rural_community', 'institution', 'new_org', 'mobile'].includes(category) ? category : '',
      status: status === 'active' || status === 'inactive' ? status : '',
      organisationId: Number.isInteger(org) && org > 0 ? org : null,
    },
    page: Number.isInteger(page) && page > 0 ? page : 1,
  }
}

/** The URL query for filters and a page (the reverse of filtersFromRoute). */
export function routeQuery(filters: MemberFilters, page: number): Record<string, string> {
  const out: Record<string, string> = {}
  if (filters.q.trim()) out.q = filters.q.trim()
  if (filters.category) out.category = filters.category
  if (filters.status) out.status = filters.status
  if (filters.organisationId) out.org = String(filters.organisationId)
  if (page > 1) out.page = String(page)
  return out
}

export function useAdminMembers(initial?: { filters: MemberFilters; page: number }) {
  const filters = reactive<MemberFilters>(
    initial?.filters ?? { q: '', category: '', status: '', organisationId: null },
  )
  const page = ref(initial?.page ?? 1)
  const items = ref<MemberListItem[]>([])
  const total = ref<number | null>(null)
  const loading = ref(false)
  const error = ref<unknown>(null)
  let generation = 0

  async function load() {
    const gen = ++generation
    loading.value = true
    error.value = null
    try {
      const result = await searchMembers(memberQuery(filters, page.value), { silent: true })
      if (gen !== generation) return
      items.value = result.items
      total.value = result.total
    } catch (caught) {
      if (gen === generation) error.value = caught
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** A new search starts again at page 1. */
  function search() {
    page.value = 1
    return load()
  }

  function goTo(target: number) {
    page.value = target
    return load()
  }

  const pages = computed(() => (total.value ? Math.ceil(total.value / MEMBER_PAGE_SIZE) : 0))
  return { filters, page, pages, items, total, loading, error, load, search, goTo }
}
