// Small formatters of the peer screens: a closing day as 12月20日 / 20 Dec (without Intl, which
// costs a slow phone its locale data on the home page) and a rate as a percentage.
import type { Rating } from '@/api/types'
import { i18n } from '@/locales'

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** 2026-12-20 → 12月20日 (zh-CN) or 20 Dec (en); anything else is returned as it is. */
export function formatMonthDay(day: string, locale: string = i18n.global.locale.value): string {
  const match = /^\d{4}-(\d{2})-(\d{2})/.exec(day)
  if (!match) return day
  const month = Number(match[1])
  const date = Number(match[2])
  return locale === 'en' ? `${date} ${EN_MONTHS[month - 1]}` : `${month}月${date}日`
}

/** A rate from the API ("0.8750") as a percentage with at most one decimal ("87.5%"); — for none. */
export function formatRate(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const n = Number(value)
  if (!Number.isFinite(n)) return '—'
  const tenths = Math.round(n * 1000)
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`
}

/** One fellow member's answer on the ballot: a rating (or none yet) and an optional comment. */
export interface PeerAnswer {
  rating: Rating | null
  comment: string
}

/** The ratings to send: the members given a rating, with their comment when there is one. */
export function ballotRatings(answers: Record<number, PeerAnswer>) {
  return Object.entries(answers)
    .filter(([, answer]) => answer.rating !== null)
    .map(([id, answer]) => {
      const comment = answer.comment.trim()
      return {
        member_id: Number(id),
        rating: answer.rating as Rating,
        ...(comment ? { comment } : {}),
      }
    })
}
