// The standards editor: forms for a draft's settings and items (only what changed is sent),
// where each problem of the validation points to, and the state of one version being edited
// (the version, its validation refreshed after every change, publishing).
import { computed, ref, shallowRef } from 'vue'
import {
  addItem,
  deleteItem,
  getStandard,
  publishStandard,
  standardDiff,
  updateItem,
  updateStandard,
  validateStandard,
  type ItemCreateBody,
  type ItemUpdateBody,
  type Standard,
  type StandardDiff,
  type StandardItem,
  type StandardProblem,
  type StandardSettingsBody,
  type StandardSummary,
  type StandardValidation,
} from '@/api/standards'
import type { Dimension, MemberCategory } from '@/api/types'

export const BONUS_DIMENSIONS = ['political', 'discipline', 'morality', 'contribution'] as const
export type BonusDimension = (typeof BONUS_DIMENSIONS)[number]
export const ALL_DIMENSIONS: Dimension[] = [...BONUS_DIMENSIONS, 'deduction']
export const CATEGORIES: MemberCategory[] = ['rural_community', 'institution', 'new_org', 'mobile']
export const GRADES = ['qualified', 'basically_qualified', 'unqualified'] as const
export type Grade = (typeof GRADES)[number]
/** Code letters of the shipped default standard, by dimension (P01, D01, M01, C01, X01). */
export const CODE_PREFIX: Record<Dimension, string> = {
  political: 'P',
  discipline: 'D',
  morality: 'M',
  contribution: 'C',
  deduction: 'X',
}

// -- numbers -----------------------------------------------------------------------------------

/** A points value as the API takes it: a positive or zero number with at most one decimal. */
export function isPoints(value: string, { allowZero = false } = {}): boolean {
  const text = value.trim()
  if (!/^\d{1,4}(\.\d)?$/.test(text)) return false
  const n = Number(text)
  return (allowZero ? n >= 0 : n > 0) && n <= 1000
}

/** "8.0" → "8", "0.50" → "0.5": how numbers are compared and shown. */
export function plainNumber(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  const n = Number(value)
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : String(value)
}

const sameNumber = (a: string | number | null | undefined, b: string | number | null | undefined) =>
  plainNumber(a) === plainNumber(b)

// -- settings ----------------------------------------------------------------------------------

export interface SettingsForm {
  name: string
  base_score: string
  caps: Record<BonusDimension, string>
  evaluation_points: string
  threshold_excellent: string
  threshold_qualified: string
  threshold_basically_qualified: string
  excellent_quota: string
  deadline_day: string
  min_ratings: string
}

export const SCORE_FIELDS = [
  'base_score',
  'evaluation_points',
  'threshold_excellent',
  'threshold_qualified',
  'threshold_basically_qualified',
] as const

export function settingsForm(standard: StandardSummary): SettingsForm {
  const caps = standard.dimension_caps as Record<string, string | number>
  return {
    name: standard.name,
    base_score: plainNumber(standard.base_score),
    caps: Object.fromEntries(BONUS_DIMENSIONS.map((d) => [d, plainNumber(caps[d])])) as Record<
      BonusDimension,
      string
    >,
    evaluation_points: plainNumber(standard.evaluation_points),
    threshold_excellent: plainNumber(standard.threshold_excellent),
    threshold_qualified: plainNumber(standard.threshold_qualified),
    threshold_basically_qualified: plainNumber(standard.threshold_basically_qualified),
    excellent_quota: standard.excellent_quota,
    deadline_day: String(standard.deadline_day),
    min_ratings: String(standard.min_ratings),
  }
}

/** Fields of the form that are not acceptable as typed, as keys like `base_score`, `caps.political`. */
export function settingsFormErrors(form: SettingsForm): string[] {
  const bad: string[] = []
  if (!form.name.trim() || form.name.trim().length > 100) bad.push('name')
  for (const field of SCORE_FIELDS) if (!isPoints(form[field], { allowZero: true })) bad.push(field)
  for (const d of BONUS_DIMENSIONS) if (!isPoints(form.caps[d], { allowZero: true })) bad.push(`caps.${d}`)
  if (!isQuota(form.excellent_quota)) bad.push('excellent_quota')
  const day = Number(form.deadline_day)
  if (!/^\d+$/.test(form.deadline_day.trim()) || day < 1 || day > 28) bad.push('deadline_day')
  const ratings = Number(form.min_ratings)
  if (!/^\d+$/.test(form.min_ratings.trim()) || ratings < 1 || ratings > 1000) bad.push('min_ratings')
  return bad
}

/** A quota such as 1/3 or 0.3, between 0 and 1. */
export function isQuota(value: string): boolean {
  const text = value.trim()
  let n: number
  const fraction = /^(\d+)\s*\/\s*(\d+)$/.exec(text)
  if (fraction) {
    if (Number(fraction[2]) === 0) return false
    n = Number(fraction[1]) / Number(fraction[2])
  } else if (/^\d+(\.\d+)?$/.test(text)) {
    n = Number(text)
  } else {
    return false
  }
  return n >= 0 && n <= 1 && text.length <= 16
}

/** The PATCH body: only the settings that differ from the saved version. */
export function settingsChanges(standard: StandardSummary, form: SettingsForm): StandardSettingsBody {
  const body: StandardSettingsBody = {}
  if (form.name.trim() !== standard.name) body.name = form.name.trim()
  for (const field of SCORE_FIELDS) {
    if (!sameNumber(form[field], standard[field])) body[field] = Number(form[field])
  }
  const caps = standard.dimension_caps as Record<string, string | number>
  if (BONUS_DIMENSIONS.some((d) => !sameNumber(form.caps[d], caps[d]))) {
    body.dimension_caps = Object.fromEntries(
      BONUS_DIMENSIONS.map((d) => [d, Number(form.caps[d])]),
    ) as StandardSettingsBody['dimension_caps']
  }
  if (form.excellent_quota.trim() !== standard.excellent_quota) body.excellent_quota = form.excellent_quota.trim()
  if (Number(form.deadline_day) !== standard.deadline_day) body.deadline_day = Number(form.deadline_day)
  if (Number(form.min_ratings) !== standard.min_ratings) body.min_ratings = Number(form.min_ratings)
  return body
}

/** The best score possible with the form's values: base + caps + evaluation. */
export function formMaxScore(form: SettingsForm): number {
  const caps = BONUS_DIMENSIONS.reduce((sum, d) => sum + Math.round(Number(form.caps[d] || 0) * 10), 0)
  return (Math.round(Number(form.base_score || 0) * 10) + caps + Math.round(Number(form.evaluation_points || 0) * 10)) / 10
}

// -- items -------------------------------------------------------------------------------------

export interface ItemForm {
  code: string
  dimension: Dimension
  title: string
  description: string
  points: string
  max_per_month: string
  max_per_year: string
  source: 'self' | 'branch'
  requires_evidence: boolean
  /** Empty: every category. */
  categories: MemberCategory[]
  grade_ceiling: Grade | ''
  ceiling_trigger_count: string
}

export const kindOf = (dimension: Dimension) => (dimension === 'deduction' ? 'deduction' : 'bonus')

/** The next free code of a dimension: P11 after P01…P10. */
export function nextCode(items: Pick<StandardItem, 'code'>[], dimension: Dimension): string {
  const prefix = CODE_PREFIX[dimension]
  const used = new Set(items.map((i) => i.code))
  let n = 1 + items.filter((i) => i.code.startsWith(prefix)).length
  while (used.has(`${prefix}${String(n).padStart(2, '0')}`)) n++
  return `${prefix}${String(n).padStart(2, '0')}`
}

export function itemForm(item: StandardItem | null, items: StandardItem[] = [], dimension: Dimension = 'political'): ItemForm {
  if (!item) {
    return {
      code: nextCode(items, dimension),
      dimension,
      title: '',
      description: '',
      points: '',
      max_per_month: '',
      max_per_year: '',
      source: dimension === 'deduction' ? 'branch' : 'self',
      requires_evidence: dimension !== 'deduction',
      categories: [],
      grade_ceiling: '',
      ceiling_trigger_count: '1',
    }
  }
  return {
    code: item.code,
    dimension: item.dimension,
    title: item.title,
    description: item.description,
    points: plainNumber(item.points),
    max_per_month: plainNumber(item.max_per_month),
    max_per_year: plainNumber(item.max_per_year),
    source: item.source,
    requires_evidence: item.requires_evidence,
    categories: [...(item.categories ?? [])],
    grade_ceiling: (item.grade_ceiling as Grade | null) ?? '',
    ceiling_trigger_count: String(item.ceiling_trigger_count),
  }
}

/** Fields of an item form not acceptable as typed (the API would refuse them). */
export function itemFormErrors(form: ItemForm, isNew: boolean): string[] {
  const bad: string[] = []
  if (isNew && !/^[A-Z]{1,3}[0-9]{1,3}$/.test(form.code.trim())) bad.push('code')
  if (!form.title.trim() || form.title.trim().length > 100) bad.push('title')
  if (form.description.length > 1000) bad.push('description')
  if (!isPoints(form.points)) bad.push('points')
  if (form.max_per_month.trim() && !isPoints(form.max_per_month)) bad.push('max_per_month')
  if (form.max_per_year.trim() && !isPoints(form.max_per_year)) bad.push('max_per_year')
  const trigger = Number(form.ceiling_trigger_count)
  if (!/^\d+$/.test(form.ceiling_trigger_count.trim()) || trigger < 1 || trigger > 100) {
    bad.push('ceiling_trigger_count')
  }
  return bad
}

const optionalPoints = (value: string) => (value.trim() ? Number(value) : null)
const categoriesOf = (list: MemberCategory[]) =>
  list.length === 0 || list.length === CATEGORIES.length ? null : CATEGORIES.filter((c) => list.includes(c))

/** The body of a new item. */
export function newItemBody(form: ItemForm): ItemCreateBody {
  const deduction = form.dimension === 'deduction'
  return {
    code: form.code.trim(),
    dimension: form.dimension,
    kind: kindOf(form.dimension),
    title: form.title.trim(),
    description: form.description.trim(),
    points: Number(form.points),
    max_per_month: optionalPoints(form.max_per_month),
    max_per_year: optionalPoints(form.max_per_year),
    source: form.source,
    requires_evidence: form.requires_evidence,
    categories: categoriesOf(form.categories),
    grade_ceiling: deduction && form.grade_ceiling ? form.grade_ceiling : null,
    ceiling_trigger_count: Number(form.ceiling_trigger_count),
  }
}

/** The PATCH body of an item: only what changed (the kind follows the dimension). */
export function itemChanges(item: StandardItem, form: ItemForm): ItemUpdateBody {
  const next = newItemBody(form)
  const body: ItemUpdateBody = {}
  if (next.dimension !== item.dimension) {
    body.dimension = next.dimension
    body.kind = next.kind
  }
  if (next.title !== item.title) body.title = next.title
  if (next.description !== item.description) body.description = next.description
  if (!sameNumber(next.points, item.points)) body.points = next.points
  if (!sameNumber(next.max_per_month, item.max_per_month)) body.max_per_month = next.max_per_month
  if (!sameNumber(next.max_per_year, item.max_per_year)) body.max_per_year = next.max_per_year
  if (next.source !== item.source) body.source = next.source
  if (next.requires_evidence !== item.requires_evidence) body.requires_evidence = next.requires_evidence
  const before = item.categories && item.categories.length < CATEGORIES.length ? [...item.categories].sort() : null
  const after = next.categories ? [...next.categories].sort() : null
  if (JSON.stringify(before) !== JSON.stringify(after)) body.categories = next.categories
  if ((next.grade_ceiling ?? null) !== (item.grade_ceiling ?? null)) body.grade_ceiling = next.grade_ceiling
  if (next.ceiling_trigger_count !== item.ceiling_trigger_count) {
    body.ceiling_trigger_count = next.ceiling_trigger_count
  }
  return body
}

export interface ItemGroup {
  dimension: Dimension
  items: StandardItem[]
}

/** Every dimension, in order, with its items (empty groups kept so an item can be added). */
export function itemGroups(items: StandardItem[]): ItemGroup[] {
  return ALL_DIMENSIONS.map((dimension) => ({
    dimension,
    items: items
      .filter((i) => i.dimension === dimension)
      .sort((a, b) => a.position - b.position || a.code.localeCompare(b.code)),
  }))
}

// -- problems ----------------------------------------------------------------------------------

/** The element id a problem jumps to: an item's row, or a setting's field. */
export function problemAnchor(problem: Pick<StandardProblem, 'item_id' | 'field'>): string {
  if (problem.item_id !== null) return `std-item-${problem.item_id}`
  if (problem.field) return `std-setting-${problem.field.replace('.', '-')}`
  return 'std-validation'
}

/** Problems by item id, for the marks on the item rows and the item editor. */
export function problemsByItem(problems: StandardProblem[]): Map<number, StandardProblem[]> {
  const map = new Map<number, StandardProblem[]>()
  for (const p of problems) {
    if (p.item_id === null) continue
    map.set(p.item_id, [...(map.get(p.item_id) ?? []), p])
  }
  return map
}

/** Problems that concern a setting (field of the settings form) rather than an item. */
export function settingProblems(problems: StandardProblem[], field: string): StandardProblem[] {
  return problems.filter(
    (p) => p.item_id === null && p.field !== null && (p.field === field || p.field.startsWith(`${field}.`)),
  )
}

/** How many differences a diff lists (0: the draft is the version in force, copied as is). */
export function diffCount(diff: Pick<StandardDiff, 'settings' | 'added' | 'removed' | 'changed'>): number {
  return diff.settings.length + diff.added.length + diff.removed.length + diff.changed.length
}

/** The version to copy for a year: the latest published before it, else the latest at all. */
export function defaultSource(versions: StandardSummary[], year: number): StandardSummary | null {
  const published = versions.filter((v) => v.status === 'published')
  const before = published.filter((v) => v.year < year).sort((a, b) => b.year - a.year || b.id - a.id)
  if (before.length) return before[0]
  return [...published].sort((a, b) => b.year - a.year || b.id - a.id)[0] ?? null
}

// -- the version being edited ------------------------------------------------------------------

export function useStandardEditor() {
  const standard = shallowRef<Standard | null>(null)
  const validation = shallowRef<StandardValidation | null>(null)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  let currentId = 0

  const draft = computed(() => standard.value?.status === 'draft')
  const problems = computed(() => validation.value?.problems ?? [])
  const byItem = computed(() => problemsByItem(problems.value))

  async function refreshValidation() {
    if (!currentId) return
    const id = currentId
    const result = await validateStandard(id, { silent: true })
    if (id === currentId) validation.value = result
  }

  async function load(id: number) {
    currentId = id
    loading.value = true
    error.value = null
    try {
      const [loaded, checked] = await Promise.all([
        getStandard(id, { silent: true }),
        validateStandard(id, { silent: true }),
      ])
      if (id !== currentId) return
      standard.value = loaded
      validation.value = checked
    } catch (cause) {
      if (id === currentId) error.value = cause
    } finally {
      if (id === currentId) loading.value = false
    }
  }

  async function saveSettings(body: StandardSettingsBody) {
    if (!standard.value || Object.keys(body).length === 0) return
    standard.value = await updateStandard(standard.value.id, body, { silent: true })
    await refreshValidation()
  }

  function replaceItem(item: StandardItem) {
    if (!standard.value) return
    const items = standard.value.items.filter((i) => i.id !== item.id)
    standard.value = { ...standard.value, items: [...items, item] }
  }

  async function saveItem(item: StandardItem | null, form: ItemForm): Promise<StandardItem | null> {
    if (!standard.value) return null
    const id = standard.value.id
    if (item === null) {
      const created = await addItem(id, newItemBody(form), { silent: true })
      replaceItem(created)
      await refreshValidation()
      return created
    }
    const body = itemChanges(item, form)
    if (Object.keys(body).length === 0) return item
    const saved = await updateItem(id, item.id, body, { silent: true })
    replaceItem(saved)
    await refreshValidation()
    return saved
  }

  async function removeItem(item: StandardItem) {
    if (!standard.value) return
    await deleteItem(standard.value.id, item.id, { silent: true })
    standard.value = { ...standard.value, items: standard.value.items.filter((i) => i.id !== item.id) }
    await refreshValidation()
  }

  async function differences(): Promise<StandardDiff | null> {
    if (!standard.value) return null
    return standardDiff(standard.value.id, undefined, { silent: true })
  }

  async function publish() {
    if (!standard.value) return
    try {
      standard.value = await publishStandard(standard.value.id, { silent: true })
    } finally {
      await refreshValidation()
    }
  }

  return {
    standard,
    validation,
    problems,
    byItem,
    draft,
    loading,
    error,
    load,
    refreshValidation,
    saveSettings,
    saveItem,
    removeItem,
    differences,
    publish,
  }
}
