// Pure helpers of the audit trail screen: plain-language labels and times in Beijing time.
import type { AuditEvent, AuditFilters } from '@/api/audit'

type Translate = (key: string, params?: Record<string, unknown>) => string
type Exists = (key: string) => boolean

/** The action kinds offered as a filter, in the order an officer looks for them. */
export const ACTION_KINDS = [
  'sign_in',
  'sign_in_failed',
  'password_changed',
  'password_reset',
  'created',
  'updated',
  'transferred',
  'activated',
  'deactivated',
  'granted',
  'revoked',
  'submit',
  'approve',
  'reject',
  'return',
  'revert',
  'entry',
  'void',
  'close',
  'reopen',
  'published',
  'dry_run',
  'applied',
  'credentials_issued',
] as const

export const ENTITY_TYPES = [
  'user',
  'member',
  'role_assignment',
  'organisation',
  'standard',
  'claim',
  'branch_month',
  'branch_entry',
  'evaluation_round',
  'member_import',
] as const

/** An action in plain words; a code we have no words for is shown as it is. */
export function actionLabel(action: string, t: Translate, te: Exists): string {
  const key = `adminImport.audit.actions.${action}`
  return te(key) ? t(key) : action
}

export function entityLabel(entity: string, t: Translate, te: Exists): string {
  const key = `adminImport.audit.entities.${entity}`
  return te(key) ? t(key) : entity
}

// Events with no actor that a person not signed in caused (a failed sign-in, an activation).
const UNSIGNED_ACTIONS = new Set(['sign_in_failed', 'activated'])

/** Who acted: a person or service account by name, else "not signed in" / "system". */
export function actorLabel(event: AuditEvent, t: Translate): string {
  if (event.actor) return event.actor.name
  return UNSIGNED_ACTIONS.has(event.action) ? t('adminImport.audit.nobody') : t('adminImport.audit.system')
}

/** A state in words: ours, a claim's, or the code as it is. */
export function stateLabel(state: string | null, t: Translate, te: Exists): string {
  if (!state) return '—'
  for (const key of [`adminImport.audit.states.${state}`, `claimStatus.${state}`]) if (te(key)) return t(key)
  return state
}

const two = (n: number) => String(n).padStart(2, '0')

/** 2026-12-06 17:05:09 in Beijing time; the day only for events kept to the day (ballots). */
export function auditTime(event: Pick<AuditEvent, 'at' | 'at_precision'>): string {
  // Beijing has no daylight saving: UTC+8 all year.
  const local = new Date(new Date(event.at).getTime() + 8 * 3600_000)
  const day = `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`
  if (event.at_precision === 'day') return day
  return `${day} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`
}

/** The filters as the API takes them: empty ones left out. */
export function cleanFilters(filters: AuditFilters): AuditFilters {
  const out: AuditFilters = {}
  for (const [key, value] of Object.entries(filters) as [keyof AuditFilters, unknown][]) {
    if (value !== undefined && value !== null && value !== '') (out as Record<string, unknown>)[key] = value
  }
  return out
}

/** The CSV's file name, with the day range when one is set. */
export function csvName(filters: AuditFilters): string {
  const range = filters.from || filters.to ? `-${filters.from ?? ''}_${filters.to ?? ''}` : ''
  return `操作日志${range}.csv`
}
