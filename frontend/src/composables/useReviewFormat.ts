// Short forms for dense review lists: "11月17日", "+0.3" / "−2" points.
import { i18n } from '@/locales'
import { formatPoints } from '@/lib/format'

function locale(): string {
  return i18n.global.locale.value === 'en' ? 'en-GB' : 'zh-CN'
}

/** A calendar date (YYYY-MM-DD) without the year: 11月17日 / 17 Nov. */
export function shortDate(value: string | null | undefined): string {
  if (!value) return ''
  const [y, m, d] = value.slice(0, 10).split('-').map(Number)
  return new Intl.DateTimeFormat(locale(), { month: 'short', day: 'numeric' }).format(new Date(y, m - 1, d))
}

/** Points with their sign for a deduction item: "−2", else "0.3". */
export function signedPoints(points: string | number, kind: 'bonus' | 'deduction'): string {
  const text = formatPoints(points)
  return kind === 'deduction' ? `−${text}` : text
}
