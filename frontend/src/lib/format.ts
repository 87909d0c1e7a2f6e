// Dates, months and points formatted for the reader's language.
import { i18n } from '@/locales'

function locale(): string {
  return i18n.global.locale.value === 'en' ? 'en-GB' : 'zh-CN'
}

// Building an Intl formatter is far dearer than using one (on a slow phone, a few milliseconds
// each, more for the first with a timezone): each kind is built once per language.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>()

function numberFormat(): Intl.NumberFormat {
  const key = `points:${locale()}`
  let format = formatters.get(key) as Intl.NumberFormat | undefined
  if (!format) {
    format = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 })
    formatters.set(key, format)
  }
  return format
}

function dateFormat(kind: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${kind}:${locale()}`
  let format = formatters.get(key) as Intl.DateTimeFormat | undefined
  if (!format) {
    format = new Intl.DateTimeFormat(locale(), options)
    formatters.set(key, format)
  }
  return format
}

/**
 * Both languages write points alike (1,234.5), as Intl would with at most one decimal. Spelled out
 * here because the first Intl formatter of a page load costs a slow phone about 100 ms (it loads
 * the locale data), and the home page would pay it for nothing.
 */
function plainPoints(n: number): string | null {
  // Intl rounds the shortest decimal form of the number, half away from zero: 0.15 → 0.2.
  const text = String(Math.abs(n))
  if (!/^\d{1,13}(\.\d+)?$/.test(text)) return null
  const [whole, fraction = ''] = text.split('.')
  const tenths = Number(whole) * 10 + Number(fraction[0] ?? 0) + (fraction[1] >= '5' ? 1 : 0)
  const grouped = String(Math.floor(tenths / 10)).replace(/\B(?=(\d{3})+$)/g, ',')
  const sign = n < 0 || Object.is(n, -0) ? '-' : ''
  return `${sign}${grouped}${tenths % 10 ? `.${tenths % 10}` : ''}`
}

/** "0.5" → "0.5"; "2.0" → "2" (points are decimal strings from the API). */
export function formatPoints(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '0'
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isFinite(n)) return String(value)
  return plainPoints(n) ?? numberFormat().format(n)
}

/** A calendar date (YYYY-MM-DD) as the reader writes it. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return ''
  const [y, m, d] = value.slice(0, 10).split('-').map(Number)
  const date = new Date(y, m - 1, d)
  // What Intl writes for zh-CN, without loading its data (see plainPoints).
  if (locale() === 'zh-CN' && date.getFullYear() > 0) {
    return `${date.getFullYear()}年${date.getMonth() + 1}月${date.getDate()}日`
  }
  return dateFormat('date', { year: 'numeric', month: 'long', day: 'numeric' }).format(date)
}

/** Beijing time is UTC+8 all year round (China has had no summer time since 1991). */
const BEIJING_OFFSET_MS = 8 * 3_600_000

/** An instant in Beijing time, e.g. 11月20日 10:05. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return ''
  const instant = new Date(value)
  // What Intl writes for zh-CN, without loading its timezone data (see beijingToday).
  if (locale() === 'zh-CN' && Number.isFinite(instant.getTime())) {
    const beijing = new Date(instant.getTime() + BEIJING_OFFSET_MS)
    const clock = `${String(beijing.getUTCHours()).padStart(2, '0')}:${String(beijing.getUTCMinutes()).padStart(2, '0')}`
    return `${beijing.getUTCMonth() + 1}月${beijing.getUTCDate()}日 ${clock}`
  }
  return dateFormat('datetime', {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Asia/Shanghai',
  }).format(instant)
}

/** "2026-11" → 2026年11月 / November 2026. */
export function formatPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number)
  const date = new Date(y, m - 1, 1)
  // What Intl writes for zh-CN, without loading its data (see plainPoints).
  if (locale() === 'zh-CN' && date.getFullYear() > 0) return `${date.getFullYear()}年${date.getMonth() + 1}月`
  return dateFormat('period', { year: 'numeric', month: 'long' }).format(date)
}

/**
 * The current month (YYYY-MM) and today (YYYY-MM-DD) in Beijing time. Plain arithmetic, not
 * Intl with a timezone: pages ask at start-up, when loading the timezone data would cost a slow
 * phone about 100 ms.
 */
export function beijingToday(now: Date = new Date()): string {
  return new Date(now.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
}

export function currentPeriod(now: Date = new Date()): string {
  return beijingToday(now).slice(0, 7)
}

export function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}
