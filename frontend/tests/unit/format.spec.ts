// The home page formats points and dates without Intl in Chinese (lib/format.ts): the result must
// be exactly what Intl writes.
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '@/locales'
import { beijingToday, formatDate, formatDateTime, formatPeriod, formatPoints } from '@/lib/format'

const intlPoints = (locale: string, n: number) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(n)

describe('format', () => {
  afterEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('writes points as Intl does, rounding included', () => {
    const values = ['0.0', '-0.0', '0.05', '0.15', '0.25', '-0.05', '-0.04', '0.95', '2.0', '14.3', '999.95', '1234.5', '-1234567.89', '12.345']
    for (let i = -3000; i <= 3000; i += 7) values.push(String(i / 100), String(i * 37.77), String(i / 1000))
    for (const value of values) {
      expect(formatPoints(value), value).toBe(intlPoints('zh-CN', Number(value)))
    }
    i18n.global.locale.value = 'en'
    for (const value of values) {
      expect(formatPoints(value), value).toBe(intlPoints('en-GB', Number(value)))
    }
    expect(formatPoints('1e21')).toBe(intlPoints('en-GB', 1e21))
    expect(formatPoints(null)).toBe('0')
    expect(formatPoints('abc')).toBe('abc')
  })

  it('writes months and dates in Chinese as Intl does', () => {
    const period = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'long' })
    const day = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'long', day: 'numeric' })
    for (let m = 1; m <= 12; m++) {
      const mm = String(m).padStart(2, '0')
      expect(formatPeriod(`2026-${mm}`)).toBe(period.format(new Date(2026, m - 1, 1)))
      expect(formatDate(`2026-${mm}-09`)).toBe(day.format(new Date(2026, m - 1, 9)))
    }
    expect(formatDate('2026-02-30')).toBe(day.format(new Date(2026, 1, 30)))
  })

  it('writes an instant in Beijing time in Chinese as Intl does', () => {
    const options = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai' } as const
    const intl = new Intl.DateTimeFormat('zh-CN', options)
    const instants = ['2026-11-20T02:05:00Z', '2026-12-31T15:59:59Z', '2026-12-31T16:00:00Z', '2026-03-04T00:00:00+08:00', '2024-02-29T23:30:00.123456+08:00']
    for (let h = 0; h < 24 * 400; h += 37) instants.push(new Date(Date.UTC(2026, 0, 1) + h * 3_600_000 + h * 61_000).toISOString())
    for (const value of instants) expect(formatDateTime(value), value).toBe(intl.format(new Date(value)))
    expect(formatDateTime(null)).toBe('')
    i18n.global.locale.value = 'en'
    const english = new Intl.DateTimeFormat('en-GB', options)
    expect(formatDateTime('2026-11-20T02:05:00Z')).toBe(english.format(new Date('2026-11-20T02:05:00Z')))
  })

  it('tells the day in Beijing', () => {
    expect(beijingToday(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11-30')
    expect(beijingToday(new Date('2026-11-30T16:00:00Z'))).toBe('2026-12-01')
    expect(beijingToday(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01')
  })
})
