// The claim window (MONTHLY-CYCLE.md, "The window"): claims for month M are accepted from its
// first day until the end of the standard's deadline day of month M+1, in the standard's
// timezone (Beijing time by default), and never for a day after today.
import { computed, onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import { getRoom } from '@/api/claims'
import type { ItemRoom, MemberRoom } from '@/api/types'
import { previousPeriod } from '@/lib/format'

export const DEFAULT_DEADLINE_DAY = 5
export const DEFAULT_TIMEZONE = 'Asia/Shanghai'

// Formatters with a timezone are dear to build (the first loads the timezone data): one each.
const dayFormats = new Map<string, Intl.DateTimeFormat>()
const clockFormats = new Map<string, Intl.DateTimeFormat>()

function cached(
  formats: Map<string, Intl.DateTimeFormat>,
  locale: string,
  options: Intl.DateTimeFormatOptions & { timeZone: string },
): Intl.DateTimeFormat {
  let format = formats.get(options.timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options)
    formats.set(options.timeZone, format)
  }
  return format
}

/** The calendar date (YYYY-MM-DD) of an instant in a timezone. */
export function zonedToday(now: Date, timeZone: string = DEFAULT_TIMEZONE): string {
  return cached(dayFormats, 'en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now)
}

/** How far the timezone's wall clock is ahead of UTC at an instant, in milliseconds. */
export function zoneOffsetMs(at: Date, timeZone: string = DEFAULT_TIMEZONE): number {
  const parts = Object.fromEntries(
    cached(clockFormats, 'en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(at)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
  const whole = at.getTime() - at.getUTCMilliseconds()
  return wall - whole
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * The last accepted instant for claims of `period` (YYYY-MM): the end of `deadlineDay` of the
 * next month in the timezone, clamped to that month's last day.
 */
export function claimDeadline(
  period: string,
  deadlineDay: number = DEFAULT_DEADLINE_DAY,
  timeZone: string = DEFAULT_TIMEZONE,
): Date {
  const [y, m] = period.split('-').map(Number)
  const nextYear = m === 12 ? y + 1 : y
  const nextMonth = m === 12 ? 1 : m + 1
  const day = Math.min(deadlineDay, daysInMonth(nextYear, nextMonth))
  const wall = Date.UTC(nextYear, nextMonth - 1, day, 23, 59, 59, 999)
  // Two rounds find the offset in force at that wall-clock time, DST or not.
  let instant = wall - zoneOffsetMs(new Date(wall), timeZone)
  instant = wall - zoneOffsetMs(new Date(instant), timeZone)
  return new Date(instant)
}

export interface ClaimWindow {
  /** Today in the standard's timezone: the latest allowed date. */
  max: string
  /** The earliest allowed date: the first of last month while its deadline has not passed. */
  min: string
  currentPeriod: string
  previousPeriod: string
  /** Whether last month still takes claims (its window lasts and the branch has not closed it). */
  previousOpen: boolean
  previousDeadline: Date
  /** Months the branch has closed (月度审核锁定): they take no claims, whatever the window. */
  locked: string[]
  currentLocked: boolean
  previousLocked: boolean
  /** Whether any month takes claims now. */
  open: boolean
}

export function claimWindow(
  now: Date = new Date(),
  deadlineDay: number = DEFAULT_DEADLINE_DAY,
  timeZone: string = DEFAULT_TIMEZONE,
): ClaimWindow {
  const today = zonedToday(now, timeZone)
  const current = today.slice(0, 7)
  const previous = previousPeriod(current)
  const previousDeadline = claimDeadline(previous, deadlineDay, timeZone)
  const previousOpen = now.getTime() <= previousDeadline.getTime()
  return {
    max: today,
    min: `${previousOpen ? previous : current}-01`,
    currentPeriod: current,
    previousPeriod: previous,
    previousOpen,
    previousDeadline,
    locked: [],
    currentLocked: false,
    previousLocked: false,
    open: true,
  }
}

function lastDayOf(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return `${period}-${String(daysInMonth(y, m)).padStart(2, '0')}`
}

/**
 * The window without the months the branch has closed: a closed month is not offered, and
 * when this month is closed the dates end with last month (if its window still lasts).
 */
export function withLockedMonths(window: ClaimWindow, locked: readonly string[]): ClaimWindow {
  const previousLocked = window.previousOpen && locked.includes(window.previousPeriod)
  const currentLocked = locked.includes(window.currentPeriod)
  const previousOpen = window.previousOpen && !previousLocked
  const narrowed = { ...window, locked: [...locked], previousLocked, currentLocked, previousOpen }
  if (!currentLocked) {
    return { ...narrowed, min: `${previousOpen ? window.previousPeriod : window.currentPeriod}-01` }
  }
  if (!previousOpen) return { ...narrowed, open: false }
  return { ...narrowed, min: `${window.previousPeriod}-01`, max: lastDayOf(window.previousPeriod) }
}

export type DateProblem = 'required' | 'invalid' | 'future' | 'too_early' | 'locked'

/** Why a date (YYYY-MM-DD) is outside the window, or null when it is fine. */
export function checkClaimDate(date: string, window: ClaimWindow): DateProblem | null {
  if (!date) return 'required'
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    return 'invalid'
  }
  if (window.locked?.includes(date.slice(0, 7))) return 'locked'
  if (date > window.max) return 'future'
  if (date < window.min) return 'too_early'
  return null
}

/**
 * Days left until a deadline, counting today: 5 on the 1st for a deadline at the end of the 5th,
 * 1 on the 5th itself; null once it has passed.
 */
export function daysLeft(
  deadline: string | Date,
  now: Date = new Date(),
  timeZone: string = DEFAULT_TIMEZONE,
): number | null {
  const end = typeof deadline === 'string' ? new Date(deadline) : deadline
  if (Number.isNaN(end.getTime()) || now.getTime() > end.getTime()) return null
  const from = Date.parse(`${zonedToday(now, timeZone)}T00:00:00Z`)
  const to = Date.parse(`${zonedToday(end, timeZone)}T00:00:00Z`)
  return Math.round((to - from) / 86_400_000) + 1
}

/**
 * The window as it stands now, refreshed every minute while the page is open; without the
 * months in `locked` (closed by the branch) when given.
 */
export function useClaimWindow(
  deadlineDay: Ref<number | undefined>,
  timeZone: Ref<string | undefined>,
  locked?: Ref<readonly string[]>,
) {
  const now = ref(new Date())
  const timer = setInterval(() => (now.value = new Date()), 60_000)
  onBeforeUnmount(() => clearInterval(timer))
  return computed(() =>
    withLockedMonths(
      claimWindow(now.value, deadlineDay.value ?? DEFAULT_DEADLINE_DAY, timeZone.value || DEFAULT_TIMEZONE),
      locked?.value ?? [],
    ),
  )
}

/** The months a room answer reports closed by the branch. */
export function lockedMonths(room: MemberRoom | null | undefined): string[] {
  if (!room) return []
  const months = [room.month, ...room.months].filter((m) => m.locked).map((m) => m.period)
  return [...new Set(months)]
}

/**
 * What the form says of an item's room this month, as the server counts it (the same sums its
 * submit check reads): null for an item without caps. `year`: the yearly cap is the tighter.
 */
export interface RoomState {
  full: boolean
  times: number
  year: boolean
}

export function roomState(room: ItemRoom | null | undefined): RoomState | null {
  if (!room || room.times_left === null || room.times_left === undefined) return null
  const month = room.month_left === null ? Infinity : Number(room.month_left)
  const year = room.year_left !== null && Number(room.year_left) < month
  return { full: room.full, times: room.times_left, year }
}

/**
 * The member's room for the month of `period` (GET /members/{id}/room), loaded when the month
 * changes and again on `reload()` (after a refusal). A failed load (offline) leaves null: the
 * form then works as before and the server still decides.
 */
export function useClaimRoom(memberId: Ref<number | null | undefined>, period: Ref<string>) {
  const room = shallowRef<MemberRoom | null>(null)
  let ticket = 0
  async function reload(): Promise<void> {
    const id = memberId.value
    const month = period.value
    const mine = ++ticket
    if (!id || !/^\d{4}-\d{2}$/.test(month)) {
      room.value = null
      return
    }
    try {
      const answer = await getRoom(id, month, { silent: true })
      if (mine === ticket) room.value = answer
    } catch {
      if (mine === ticket) room.value = null
    }
  }
  watch([memberId, period], () => void reload(), { immediate: true })
  return { room, reload }
}
