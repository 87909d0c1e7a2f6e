// What to tell a person about a failed API call, in their language.
import type { ApiError } from './http'
import type { MessageSchema } from '@/locales'
import adminPeopleErrors from '@/locales/errors.adminPeople.zh-CN'
import adminImportErrors from '@/locales/errors.adminImport.zh-CN'
import adminStandardsErrors from '@/locales/errors.adminStandards.zh-CN'
import adminMonthsErrors from '@/locales/errors.adminMonths.zh-CN'
import gradingErrors from '@/locales/errors.grading.zh-CN'

type Translate = (key: string, params?: Record<string, unknown>) => string

const KNOWN_CODES = new Set<string>([
  'invalid_credentials',
  'account_inactive',
  'wrong_password',
  'password_change_required',
  'invalid_refresh_token',
  'validation_error',
  'network_error',
  'invalid_transition',
  'claim_window_closed',
  'month_locked',
  'evidence_required',
  'item_month_limit_reached',
  'item_year_limit_reached',
  'claim_changed',
  'member_inactive',
  'invalid_period',
  'quantity_over_limit',
  'occurred_in_future',
  'item_not_self_declared',
  'item_not_for_category',
  'item_not_in_standard',
  'no_standard_in_force',
  'self_review',
  'not_your_claim',
  'comment_required',
  'points_over_claimed',
  'claims_pending',
  'deadline_not_passed',
  'month_not_started',
  'ranking_not_published',
  'reason_required',
  'item_self_declared',
  'members_not_in_branch',
  'evidence_limit',
  'unsupported_file_type',
  'file_too_large',
  'image_too_large',
  'pdf_active_content',
  'weak_password',
  'cross_origin',
  'file_corrupt',
  'idempotency_request_in_flight',
  'not_a_member',
  'round_exists',
  'round_closed',
  'round_ended',
  'round_not_started',
  'round_open',
  'round_not_found',
  'window_passed',
  'window_invalid',
  'window_too_long',
  'code_malformed',
  'code_unknown',
  'code_spent',
  'code_other_round',
  'already_voted',
  'self_rating',
  'not_in_branch',
  'members_only',
  'not_rateable',
  'duplicate_rating',
  // Every code a screen family's errors file names (locales/errors.*.ts).
  ...(Object.keys({
    ...adminPeopleErrors,
    ...adminImportErrors,
    ...adminStandardsErrors,
    ...adminMonthsErrors,
    ...gradingErrors,
  }) as (keyof MessageSchema['errors'])[]),
] satisfies (keyof MessageSchema['errors'])[])

/** "Try again in …": seconds under a minute, whole minutes (rounded up) from a minute on. */
export function tooManyAttempts(seconds: number, t: Translate): string {
  const wait =
    seconds < 60 ? t('errors.waitSeconds', { n: seconds }) : t('errors.waitMinutes', { n: Math.ceil(seconds / 60) })
  return t('errors.too_many_attempts', { wait })
}

/**
 * Map an ApiError to a sentence: a known `code` has its own message, an unknown one shows the
 * server's `detail` (or `title`), and a bare status falls back to a generic message.
 */
export function errorMessage(error: ApiError, t: Translate): string {
  if (error.code === 'too_many_attempts') {
    return error.retryAfter !== null ? tooManyAttempts(error.retryAfter, t) : t('errors.too_many_attempts_later')
  }
  if (KNOWN_CODES.has(error.code)) return t(`errors.${error.code}`)
  if (error.detail) return error.detail
  if (error.status >= 500) return t('errors.server_error')
  if (!error.code.startsWith('http_') && error.title) return error.title
  if (error.status === 403) return t('errors.forbidden')
  if (error.status === 404) return t('errors.not_found')
  if (error.status === 409) return t('errors.conflict')
  return t('errors.unknown', { status: error.status })
}
