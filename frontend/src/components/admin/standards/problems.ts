// Problems of the standard's validation and fields of the diff, in the reader's language.
import type { FieldChange, StandardProblem } from '@/api/standards'
import { formatPoints } from '@/lib/format'

type Translate = (key: string, params?: Record<string, unknown>) => string
type Has = (key: string) => boolean

/** The problem's sentence: its code's message with the dimension named, else the server's. */
export function problemText(problem: StandardProblem, t: Translate, te: Has): string {
  const key = `adminStandards.problem.${problem.code}`
  if (!te(key)) return problem.message
  const params: Record<string, unknown> = { ...problem.params }
  if (typeof params.dimension === 'string') params.dimension = t(`dimension.${params.dimension}`)
  return t(key, params)
}

/** A field's name: a setting, an item field, or one dimension's cap (`dimension_caps.political`). */
export function fieldLabel(field: string | null, t: Translate, te: Has): string {
  if (!field) return t('adminStandards.validation.general')
  const [name, dimension] = field.split('.')
  if (name === 'dimension_caps' && dimension) {
    return t('adminStandards.field.capOf', { dimension: t(`dimension.${dimension}`) })
  }
  const key = `adminStandards.field.${name}`
  return te(key) ? t(key) : field
}

/** Where a problem is: 标准设置 · 基础分, or 项目 P01 · 每月上限. */
export function problemPlace(problem: StandardProblem, t: Translate, te: Has): string {
  if (problem.item_code) {
    return t('adminStandards.validation.item', { code: problem.item_code, field: fieldLabel(problem.field, t, te) })
  }
  if (problem.field) return t('adminStandards.validation.setting', { field: fieldLabel(problem.field, t, te) })
  return t('adminStandards.validation.general')
}

const NUMERIC = new Set([
  'base_score',
  'evaluation_points',
  'threshold_excellent',
  'threshold_qualified',
  'threshold_basically_qualified',
  'points',
  'max_per_month',
  'max_per_year',
])

/** One value of a diff as a reader sees it. */
export function changeValue(field: string, value: FieldChange['before'], t: Translate): string {
  if (value === null || value === undefined) {
    if (field === 'categories') return t('adminStandards.value.all')
    if (field === 'max_per_month' || field === 'max_per_year') return t('adminStandards.items.none')
    return t('adminStandards.value.empty')
  }
  if (typeof value === 'boolean') return value ? t('adminStandards.value.yes') : t('adminStandards.value.no')
  if (Array.isArray(value)) return value.map((c) => t(`category.${c}`)).join('、')
  if (field === 'dimension') return t(`dimension.${value}`)
  if (field === 'grade_ceiling') return t(`adminStandards.grade.${value}`)
  if (field === 'source') {
    return value === 'self' ? t('adminStandards.item.sourceSelf') : t('adminStandards.item.sourceBranch')
  }
  if (field === 'kind') return String(value)
  if (NUMERIC.has(field) || field.startsWith('dimension_caps.')) return formatPoints(String(value))
  return String(value)
}
