// Dates, months and points formatted for the reader's language.
import { i18n } from '@/locales'

function locale(): string {
  return i18n.global.locale.value === 'en' ? 'en-GB' : 'zh-CN'
}

/** "0.5" → "0.5"; "2.0" → "2" (points are decimal strings from the API). */
export function formatPoints(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '0'
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isFinite(n)) return String(value)
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(n)
}

/** A calendar date (YYYY-MM-DD) as the reader writes it. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return ''
  const [y, m, d] = value.slice(0, 10).split('-').map(Number)
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', day: 'numeric' }).format(
    new Date(y, m - 1, d),
  )
}

/** An instant in Beijing time, e.g. 11月20日 10:05. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return ''
  return new Intl.DateTimeFormat(locale(), {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Asia/Shanghai',
  }).format(new Date(value))
}

/** "2026-11" → 2026年11月 / November 2026. */
export function formatPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long' }).format(
    new Date(y, m - 1, 1),
  )
}

/** The current month (YYYY-MM) and today (YYYY-MM-DD) in Beijing time. */
export function beijingToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now)
}

export function currentPeriod(now: Date = new Date()): string {
  return beijingToday(now).slice(0, 7)
}

export function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}
