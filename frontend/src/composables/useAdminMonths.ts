// 各支部月度锁定: which organisations an org admin oversees, how a branch's month reads in the
// grid, and the rules of a post-lock adjustment (调整积分) before it is sent.
import { computed, ref } from 'vue'
import type { LocationQuery } from 'vue-router'
import type { OverviewMonth, OverviewPeriod } from '@/api/months'
import { useAuthStore } from '@/stores/auth'
import type { EntryCreateBody, RoleAssignment } from '@/api/types'

export interface AdminOrganisation {
  id: number
  name: string
}

/** The organisations the person is org admin of, each once, by name. */
export function adminOrganisations(roles: RoleAssignment[]): AdminOrganisation[] {
  const byId = new Map<number, AdminOrganisation>()
  for (const r of roles) {
    if (r.role === 'org_admin' && !byId.has(r.organisation_id)) {
      byId.set(r.organisation_id, { id: r.organisation_id, name: r.organisation_name })
    }
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
}

/** The organisation asked in the address (?org=) when the admin has it, else their first. */
export function chosenOrganisation(organisations: readonly AdminOrganisation[], query: LocationQuery): number | null {
  return organisations.find((o) => o.id === Number(query.org))?.id ?? organisations[0]?.id ?? null
}

/** The organisations the signed-in admin oversees, and the one chosen (chosenOrganisation). */
export function useAdminOrganisation(query: LocationQuery) {
  const auth = useAuthStore()
  const organisations = computed(() => adminOrganisations(auth.roles))
  const orgId = ref<number | null>(chosenOrganisation(organisations.value, query))
  return { organisations, orgId }
}

/** This year and the two before it. */
export function yearOptions(current: number): number[] {
  return [current, current - 1, current - 2]
}

/** A year from the query (?year=2026), or null. */
export function parseYear(value: unknown): number | null {
  const text = Array.isArray(value) ? value[0] : value
  if (typeof text !== 'string' || !/^\d{4}$/.test(text)) return null
  const year = Number(text)
  return year >= 2000 && year <= 2100 ? year : null
}

/**
 * How a branch's month reads: closed (已锁定); not closed although its window has ended (待锁定);
 * members still declaring (申报中); not begun yet (未开始); before the branch was set up here
 * with nothing recorded (未建立).
 */
export type CellKind = 'locked' | 'due' | 'open' | 'future' | 'before'

export function cellKind(
  cell: Pick<OverviewMonth, 'state' | 'period'>,
  period: Pick<OverviewPeriod, 'begun' | 'deadline_passed'>,
  since = '',
): CellKind {
  if (cell.state === 'locked') return 'locked'
  if (!period.begun) return 'future'
  if (cell.state === 'not_started' && cell.period < since) return 'before'
  return period.deadline_passed ? 'due' : 'open'
}

export const CELL_TAG: Record<CellKind, 'success' | 'warning' | 'primary' | 'default'> = {
  locked: 'success',
  due: 'warning',
  open: 'primary',
  future: 'default',
  before: 'default',
}

/** The month's share of closed branches, "2/3". */
export function closedShare(period: Pick<OverviewPeriod, 'locked' | 'branches'>): string {
  return `${period.locked}/${period.branches}`
}

/** The month the phone view shows first: the latest month whose window has ended, else the first. */
export function defaultPeriod(periods: Pick<OverviewPeriod, 'period' | 'deadline_passed' | 'begun'>[]): string {
  const due = periods.filter((p) => p.deadline_passed)
  if (due.length) return due[due.length - 1].period
  const begun = periods.filter((p) => p.begun)
  return (begun[begun.length - 1] ?? periods[0])?.period ?? ''
}

/** The last day of the month, or today when the month is the current one (YYYY-MM-DD). */
export function adjustmentDate(period: string, today: string): string {
  const [y, m] = period.split('-').map(Number)
  const last = `${period}-${String(new Date(y, m, 0).getDate()).padStart(2, '0')}`
  return last < today ? last : today
}

export interface AdjustmentForm {
  memberId: number | null
  itemId: number | null
  points: string
  reason: string
  date: string
}

export type AdjustmentErrors = Partial<Record<'member' | 'item' | 'points' | 'reason' | 'date', string>>

const POINTS = /^[+-]?\d{1,4}(\.\d)?$/

/** Field → i18n key of its problem; an empty object when the adjustment may be sent. */
export function validateAdjustment(form: AdjustmentForm, period: string, today: string): AdjustmentErrors {
  const errors: AdjustmentErrors = {}
  if (!form.memberId) errors.member = 'adminMonths.adjust.memberRequired'
  if (!form.itemId) errors.item = 'adminMonths.adjust.itemRequired'
  const points = form.points.trim()
  if (!POINTS.test(points) || Number(points) === 0 || Math.abs(Number(points)) > 1000) {
    errors.points = 'adminMonths.adjust.pointsInvalid'
  }
  const reason = form.reason.trim()
  if (!reason) errors.reason = 'adminMonths.adjust.reasonRequired'
  else if (reason.length > 500) errors.reason = 'adminMonths.adjust.reasonTooLong'
  if (!form.date.startsWith(`${period}-`) || form.date > today) errors.date = 'adminMonths.adjust.dateInvalid'
  return errors
}

/** The entry the API records as an adjustment of a locked month (one member, signed points). */
export function adjustmentBody(form: AdjustmentForm): EntryCreateBody {
  return {
    item_id: form.itemId as number,
    occurred_on: form.date,
    member_ids: [form.memberId as number],
    quantity: 1,
    reason: form.reason.trim(),
    points: form.points.trim().replace(/^\+/, ''),
    confirm_duplicate: false,
  }
}

/** A reopening's reason: required, at most 500 characters; the i18n key of the problem or null. */
export function reopenReasonError(reason: string): string | null {
  const text = reason.trim()
  if (!text) return 'adminMonths.reopen.reasonRequired'
  if (text.length > 500) return 'adminMonths.reopen.reasonTooLong'
  return null
}
