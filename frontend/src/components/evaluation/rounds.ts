// The secretary's screens of the quarterly evaluation (群众评议): quarters, windows, the code
// sheet's file name, rates as percentages and the API's refusals in the reader's language.
import { isApiError } from '@/api/http'
import { errorMessage } from '@/api/messages'
import type { RoundPhase, RoundProgress } from '@/api/types'

type Translate = (key: string, params?: Record<string, unknown>) => string

/** The most codes one batch may have (CodesIssue on the server). */
export const MAX_CODES = 1000
/** The sheet holds 8 codes an A4 page; five pages is a village hall's usual turnout. */
export const CODES_PER_PAGE = 8
export const DEFAULT_CODE_COUNT = 40
/** A new round's window: today and the next two weeks. */
export const DEFAULT_WINDOW_DAYS = 14
/** The server refuses a window of this many days or more (rules.LONGEST_WINDOW_DAYS). */
export const LONGEST_WINDOW_DAYS = 92

export const PHASES: readonly RoundPhase[] = ['scheduled', 'open', 'ended', 'closed']

/** The quarter (1–4) of a YYYY-MM-DD date, with its year. */
export function quarterOf(isoDate: string): { year: number; quarter: number } {
  const [year, month] = isoDate.split('-').map(Number)
  return { year, quarter: Math.floor((month - 1) / 3) + 1 }
}

/** YYYY-MM-DD moved by whole days (no timezone: a date is a day). */
export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

/** Days from one YYYY-MM-DD to another. */
export function daysBetween(from: string, to: string): number {
  const day = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number)
    return Date.UTC(y, m - 1, d) / 86_400_000
  }
  return day(to) - day(from)
}

/** What a new round starts from: this quarter, today to two weeks on. */
export function newRoundDefaults(today: string) {
  return { ...quarterOf(today), opens_on: today, closes_on: addDays(today, DEFAULT_WINDOW_DAYS) }
}

/**
 * The window's fault the server would name (window_invalid, window_passed, window_too_long),
 * checked before sending; null when it is fine.
 */
export function windowProblem(opensOn: string, closesOn: string, today: string): string | null {
  if (!opensOn || !closesOn) return 'window_missing'
  if (opensOn > closesOn) return 'window_invalid'
  if (closesOn < today) return 'window_passed'
  if (daysBetween(opensOn, closesOn) >= LONGEST_WINDOW_DAYS) return 'window_too_long'
  return null
}

/** What to tell the secretary about the window before sending (windowProblem's words); '' when fine. */
export function windowFault(opensOn: string, closesOn: string, today: string, t: Translate): string {
  const problem = windowProblem(opensOn, closesOn, today)
  if (!problem) return ''
  return problem === 'window_missing' ? t('rounds.form.windowMissing') : t(`errors.${problem}`)
}

/** What to tell the secretary about a failed call (the evaluation API's refusals are among the
 *  codes errorMessage knows, each with its own message in locales `errors`). */
export function roundError(error: unknown, t: Translate): string {
  return isApiError(error) ? errorMessage(error, t) : t('common.loadFailed')
}

/** The count field's number, or null when it is not a whole number in 1..MAX_CODES. */
export function parseCount(value: string | number): number | null {
  const text = String(value).trim()
  if (!/^\d{1,4}$/.test(text)) return null
  const n = Number(text)
  return n >= 1 && n <= MAX_CODES ? n : null
}

/** 0.8333… → "83.3%"; null (too few ratings) → null. */
export function ratePercent(rate: string | null | undefined): string | null {
  if (rate === null || rate === undefined || rate === '') return null
  const n = Number(rate)
  if (!Number.isFinite(n)) return null
  const tenths = Math.round(n * 1000)
  return `${tenths / 10}%`
}

/** The sheet's file name, e.g. 评议码-2026年第4季度-第2批.pdf for the round's second batch. */
export function codeSheetName(t: Translate, progress: RoundProgress): string {
  const name = t('rounds.codes.fileName', {
    year: progress.year,
    quarter: progress.quarter,
    batch: progress.batches + 1,
  })
  return name.replace(/[\\/:*?"<>|]+/g, '_')
}

/** A branch id from the query (?branch=3), or null. */
export function branchFromQuery(value: unknown): number | null {
  const text = Array.isArray(value) ? value[0] : value
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) return null
  const n = Number(text)
  return n > 0 ? n : null
}

/** The Vant tag type of a phase. */
export function phaseTagType(phase: RoundPhase): 'primary' | 'success' | 'warning' | 'default' {
  if (phase === 'open') return 'success'
  if (phase === 'ended') return 'warning'
  if (phase === 'scheduled') return 'primary'
  return 'default'
}
