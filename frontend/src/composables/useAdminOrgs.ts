// The admin's organisation tree: every organisation the caller may read (all pages), shaped as
// a tree in path order, with search that keeps the way down to each match, and the choices the
// forms need (branches for a member, parents for a new or moved organisation).
import { computed, ref } from 'vue'
import { listOrganisations, type OrganisationItem } from '@/api/orgs'
import type { OrganisationKind } from '@/api/types'

/** What an admin does to an organisation from the tree. */
export type OrgAction = 'create' | 'rename' | 'move' | 'archive'

export interface OrgNode {
  org: OrganisationItem
  /** Depth below the shallowest organisation shown (0 for the caller's own roots). */
  level: number
  /** Names from the caller's root down to the parent, for pickers ("党工委 / 总支"). */
  trail: string[]
  children: number
}

/** The organisations in tree order (path order puts parents before children), with levels. */
export function buildTree(items: OrganisationItem[]): OrgNode[] {
  const sorted = [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const byId = new Map(sorted.map((org) => [org.id, org]))
  const minDepth = Math.min(...sorted.map((org) => org.depth))
  const children = new Map<number, number>()
  for (const org of sorted) {
    if (org.parent_id !== null && byId.has(org.parent_id)) {
      children.set(org.parent_id, (children.get(org.parent_id) ?? 0) + 1)
    }
  }
  return sorted.map((org) => {
    const trail: string[] = []
    let parent = org.parent_id !== null ? byId.get(org.parent_id) : undefined
    while (parent) {
      trail.unshift(parent.name)
      parent = parent.parent_id !== null ? byId.get(parent.parent_id) : undefined
    }
    return { org, level: org.depth - minDepth, trail, children: children.get(org.id) ?? 0 }
  })
}

/** The nodes whose name contains the text, with their ancestors so the tree still reads. */
export function filterTree(nodes: OrgNode[], text: string): OrgNode[] {
  const needle = text.trim().toLowerCase()
  if (!needle) return nodes
  const matches = nodes.filter((node) => node.org.name.toLowerCase().includes(needle))
  const keep = new Set<number>()
  for (const node of matches) {
    for (const part of node.org.path.split('/').filter(Boolean)) keep.add(Number(part))
  }
  return nodes.filter((node) => keep.has(node.org.id))
}

/** Where an organisation may move: an active committee or general branch outside its subtree. */
export function moveTargets(nodes: OrgNode[], org: OrganisationItem): OrgNode[] {
  return nodes.filter(
    (node) =>
      node.org.kind !== 'branch' &&
      node.org.archived_at === null &&
      !node.org.path.startsWith(org.path) &&
      node.org.id !== org.parent_id,
  )
}

/** The kinds an organisation of this kind may contain (a branch contains none). */
export function childKinds(kind: OrganisationKind): OrganisationKind[] {
  return kind === 'branch' ? [] : ['general_branch', 'branch']
}

export function useAdminOrgs() {
  const items = ref<OrganisationItem[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  const loaded = ref(false)
  const includeArchived = ref(false)
  let generation = 0

  async function load() {
    const gen = ++generation
    loading.value = true
    error.value = null
    try {
      const all: OrganisationItem[] = []
      for (let page = 1; ; page++) {
        const result = await listOrganisations(
          { include_archived: includeArchived.value, page, page_size: 200 },
          { silent: true },
        )
        all.push(...result.items)
        if (all.length >= result.total || result.items.length === 0) break
      }
      if (gen !== generation) return
      items.value = all
      loaded.value = true
    } catch (caught) {
      if (gen === generation) error.value = caught
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  const nodes = computed(() => (items.value.length ? buildTree(items.value) : []))
  const byId = computed(() => new Map(items.value.map((org) => [org.id, org])))
  const branches = computed(() =>
    nodes.value.filter((node) => node.org.kind === 'branch' && node.org.archived_at === null),
  )
  const containers = computed(() =>
    nodes.value.filter((node) => node.org.kind !== 'branch' && node.org.archived_at === null),
  )

  return { items, nodes, byId, branches, containers, loading, loaded, error, includeArchived, load }
}
