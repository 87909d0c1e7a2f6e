// A branch's grading run as its secretary and the organisation above work on it: the step it is
// at, the excellent quota, a final grade's faults before sending, the reasons in words, what
// stands before finalizing, the export's file name, and the run loaded with its actions.
import { computed, ref, type Ref } from 'vue'
import {
  exportGrading,
  getGrading,
  STEPS,
  type Grade,
  type GradeReason,
  type GradingResult,
  type GradingRun,
  type GradingRunSummary,
  type GradingStep,
  type BranchGradeSummary,
} from '@/api/grading'
import { isApiError } from '@/api/http'
import { errorMessage } from '@/api/messages'
import { saveBlob } from '@/composables/useRankingExport'

type Translate = (key: string, params?: Record<string, unknown>) => string

/** The notice's days: 5 unless the secretary says otherwise, 1 to 30 (rules.py). */
export const DEFAULT_PUBLICITY_DAYS = 5
export const LONGEST_PUBLICITY_DAYS = 30

/** The step's place in the run, 0 (draft) to 5 (approved). */
export function stepIndex(step: GradingStep): number {
  return STEPS.indexOf(step)
}

/** How a step shows in the stepper: done, the current one, or still to come. */
export function stepState(step: GradingStep, current: GradingStep): 'done' | 'current' | 'todo' {
  const a = stepIndex(step)
  const b = stepIndex(current)
  // The last step, once reached, is done: nothing follows it.
  if (a < b || (a === b && a === STEPS.length - 1)) return 'done'
  return a === b ? 'current' : 'todo'
}

/** Graded members by score (highest first, the order the quota goes by), then those not graded. */
export function byScore<T extends Pick<GradingResult, 'graded' | 'total' | 'member'>>(results: readonly T[]): T[] {
  return [...results].sort(
    (a, b) =>
      Number(b.graded) - Number(a.graded) ||
      Number(b.total) - Number(a.total) ||
      a.member.name.localeCompare(b.member.name, 'zh-CN'),
  )
}

/** Excellent final grades, counting `change` (a member's grade about to be saved) instead of theirs. */
export function excellentCount(
  results: readonly Pick<GradingResult, 'member' | 'graded' | 'final_grade'>[],
  change?: { memberId: number; grade: Grade },
): number {
  return results.filter((r) => {
    if (!r.graded) return false
    const grade = change && r.member.id === change.memberId ? change.grade : r.final_grade
    return grade === 'excellent'
  }).length
}

/**
 * What the server would refuse about a final grade, checked before sending: a departure from the
 * computed grade without a reason ('reason'), an excellent beyond the places ('quota').
 */
export function finalGradeProblem(
  run: Pick<GradingRun, 'results' | 'excellent_slots'>,
  result: Pick<GradingResult, 'member' | 'computed_grade'>,
  grade: Grade,
  reason: string,
): 'reason' | 'quota' | null {
  if (grade !== result.computed_grade && !reason.trim()) return 'reason'
  if (grade === 'excellent' && excellentCount(run.results, { memberId: result.member.id, grade }) > run.excellent_slots) {
    return 'quota'
  }
  return null
}

/** A reason the rules gave for a computed grade, in the reader's language. */
export function reasonText(reason: GradeReason, t: Translate): string {
  const grade = reason.grade ? t(`grading.grades.${reason.grade}`) : ''
  return t(`grading.branch.reason.${reason.code}`, {
    grade,
    line: reason.line ?? '',
    item: reason.item_code ?? '',
    count: reason.count ?? '',
    trigger: reason.trigger_count ?? '',
    slots: reason.slots ?? '',
    months: reason.months ?? '',
  })
}

/** What stands before finalizing a run in its notice: the term not over, objections unanswered. */
export function finalizeBlockers(
  run: Pick<GradingRun, 'publicity_ends_on' | 'objections'>,
  today: string,
): { termRunning: boolean; unanswered: number } {
  return {
    termRunning: !!run.publicity_ends_on && today <= run.publicity_ends_on,
    unanswered: run.objections.filter((o) => !o.answer).length,
  }
}

/** The notice's days from the field, or null when not a whole number of 1 to 30. */
export function parseDays(value: string | number): number | null {
  const text = String(value).trim()
  if (!/^\d{1,2}$/.test(text)) return null
  const n = Number(text)
  return n >= 1 && n <= LONGEST_PUBLICITY_DAYS ? n : null
}

/** The year a secretary grades by default: the last one until the end of March, then this one. */
export function defaultGradingYear(today: string): number {
  const [year, month] = today.split('-').map(Number)
  return month <= 3 ? year - 1 : year
}

/**
 * What the list offers for a year: start it; carry on with its run under way; or, once it is
 * approved, a correction with a reason. The latest run of the year decides.
 */
export function yearAction(
  runs: readonly Pick<GradingRunSummary, 'year' | 'status' | 'id'>[],
  year: number,
): { kind: 'start' } | { kind: 'open'; runId: number } | { kind: 'correct' } {
  const latest = runs.filter((r) => r.year === year).sort((a, b) => b.id - a.id)[0]
  if (!latest) return { kind: 'start' }
  return latest.status === 'approved' ? { kind: 'correct' } : { kind: 'open', runId: latest.id }
}

/** Branches whose run awaits approval first, then by the step (furthest first), then by name. */
export function awaitingFirst(branches: readonly BranchGradeSummary[]): BranchGradeSummary[] {
  const rank = (b: BranchGradeSummary) => (b.status === 'finalized' ? -1 : b.status ? 5 - stepIndex(b.status) : 6)
  return [...branches].sort((a, b) => rank(a) - rank(b) || a.branch.name.localeCompare(b.branch.name, 'zh-CN'))
}

/** "0.3333" → "33.3%"; null (no graded members) → "—". */
export function sharePercent(share: string | null | undefined): string {
  if (share === null || share === undefined || share === '') return '—'
  const n = Number(share)
  return Number.isFinite(n) ? `${Math.round(n * 1000) / 10}%` : '—'
}

/** The file's name as saved: 青山社区党支部-2026年度定级.xlsx (no characters a file system refuses). */
export function gradingFileName(name: string, year: number, format: 'xlsx' | 'csv'): string {
  const safe = name.replace(/[\\/:*?"<>|\s]+/g, '_')
  return `${safe}-${year}年度定级.${format}`
}

/** What to say about a failed call: the API's code in the reader's language. */
export function gradingError(error: unknown, t: Translate): string {
  return isApiError(error) ? errorMessage(error, t) : t('common.loadFailed')
}

/** The run's sheet, downloaded. */
export async function downloadGrading(run: Pick<GradingRun, 'id' | 'year' | 'branch'>, format: 'xlsx' | 'csv') {
  const blob = await exportGrading(run.id, format, { silent: true })
  const name = gradingFileName(run.branch.name, run.year, format)
  saveBlob(blob, name)
  return name
}

/** One run, loaded, with its actions: each answers with the run, which replaces the one shown. */
export function useGradingRun(runId: Ref<number>, t: Translate) {
  const run = ref<GradingRun | null>(null)
  const loading = ref(false)
  const loadError = ref<string | null>(null)
  const busy = ref(false)
  const actionError = ref<string | null>(null)
  let generation = 0

  async function load(): Promise<boolean> {
    const id = runId.value
    if (!Number.isInteger(id) || id <= 0) return false
    const gen = ++generation
    loading.value = true
    loadError.value = null
    try {
      const result = await getGrading(id, { silent: true })
      if (gen !== generation) return false
      run.value = result
      return true
    } catch (error) {
      if (gen === generation) loadError.value = gradingError(error, t)
      return false
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** Runs an action; its answer becomes the run. Refusals show in actionError, and the run reloads. */
  async function act(call: () => Promise<GradingRun>): Promise<boolean> {
    if (busy.value) return false
    busy.value = true
    actionError.value = null
    try {
      run.value = await call()
      return true
    } catch (error) {
      actionError.value = gradingError(error, t)
      void load()
      return false
    } finally {
      busy.value = false
    }
  }

  const step = computed(() => run.value?.status ?? null)
  return { run, step, loading, loadError, busy, actionError, load, act }
}
