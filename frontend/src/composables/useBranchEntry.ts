// The 支部记分 form's rules: which items the branch records, which dates are allowed, the
// attendee search and the points each member gets.
import type { MemberSummary, Standard, StandardItem } from '@/api/types'

export interface EntryItemGroups {
  /** Items the branch records (三会一课, 主题党日, 党费 …). */
  bonus: StandardItem[]
  /** Deductions (X01 …), reason required. */
  deduction: StandardItem[]
}

const byPosition = (a: StandardItem, b: StandardItem) => a.position - b.position || a.code.localeCompare(b.code)

export function entryItemGroups(standard: Standard | null): EntryItemGroups {
  const items = standard?.items ?? []
  return {
    bonus: items.filter((i) => i.source === 'branch' && i.kind !== 'deduction').sort(byPosition),
    deduction: items.filter((i) => i.kind === 'deduction').sort(byPosition),
  }
}

function firstOfMonth(period: string): string {
  return `${period}-01`
}

function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

function lastOfMonth(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return `${period}-${String(new Date(y, m, 0).getDate()).padStart(2, '0')}`
}

export interface DateRange {
  min: string
  max: string
}

/**
 * Dates an entry may carry: this month and last month while each is still open (not locked),
 * never after today. Null when both are locked.
 */
export function entryDateRange(
  today: string,
  open: { current: boolean; previous: boolean },
): DateRange | null {
  const current = today.slice(0, 7)
  const previous = previousMonth(current)
  if (open.current) return { min: firstOfMonth(open.previous ? previous : current), max: today }
  if (open.previous) return { min: firstOfMonth(previous), max: lastOfMonth(previous) }
  return null
}

/** The date a new entry starts with: today, or the last open day when this month is locked. */
export function defaultEntryDate(range: DateRange | null): string {
  return range ? range.max : ''
}

export function dateInRange(value: string, range: DateRange): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= range.min && value <= range.max
}

/** Members whose name (or phone) contains the query; all of them for an empty query. */
export function filterMembers<T extends Pick<MemberSummary, 'name' | 'phone'>>(members: T[], query: string): T[] {
  const q = query.trim().toLowerCase()
  if (!q) return members
  return members.filter((m) => m.name.toLowerCase().includes(q) || (m.phone ?? '').includes(q))
}

/** Points per member: the item's points × quantity, exact to a tenth ("0.3" × 2 → "0.6"). */
export function pointsEach(item: Pick<StandardItem, 'points'> | null, quantity: number): string {
  if (!item) return '0'
  const tenths = Math.round(Number(item.points) * 10) * quantity
  return (tenths / 10).toFixed(1)
}

export interface EntryForm {
  item: StandardItem | null
  date: string
  quantity: number | string
  reason: string
  memberIds: number[]
}

export type EntryErrors = Partial<Record<'item' | 'date' | 'quantity' | 'reason' | 'members', string>>

/** Field → i18n key of the problem, for the fields that have one. */
export function validateEntry(form: EntryForm, range: DateRange | null): EntryErrors {
  const errors: EntryErrors = {}
  if (!form.item) errors.item = 'review.entry.itemRequired'
  if (!form.date) errors.date = 'review.entry.dateRequired'
  else if (!range || !dateInRange(form.date, range)) errors.date = 'review.entry.dateOutOfRange'
  const q = Number(form.quantity)
  if (!Number.isInteger(q) || q < 1 || q > 100) errors.quantity = 'review.entry.quantityInvalid'
  if (form.item?.kind === 'deduction' && !form.reason.trim()) errors.reason = 'review.entry.reasonRequired'
  if (!form.memberIds.length) errors.members = 'review.entry.membersRequired'
  return errors
}

/** "张三、李四、王五 等 8 人" style list of names for a confirmation. */
export function nameList(names: string[], max = 3): string {
  if (names.length <= max) return names.join('、')
  return `${names.slice(0, max).join('、')} …（${names.length}）`
}
