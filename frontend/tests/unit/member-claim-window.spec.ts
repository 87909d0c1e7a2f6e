// The claim window in Beijing time: this month always, last month until the end of the 5th,
// never a day after today; and the countdown on the home page.
import { describe, expect, it } from 'vitest'
import {
  checkClaimDate,
  claimDeadline,
  claimWindow,
  daysLeft,
  lockedMonths,
  roomState,
  withLockedMonths,
  zonedToday,
} from '@/composables/useClaimWindow'
import type { ItemRoom, MemberRoom, MonthState } from '@/api/types'

/** An instant given as Beijing wall-clock time. */
const beijing = (local: string) => new Date(`${local}+08:00`)

describe('claimDeadline', () => {
  it('ends at 23:59:59.999 Beijing time on the 5th of the next month', () => {
    expect(claimDeadline('2026-11').toISOString()).toBe('2026-12-05T15:59:59.999Z')
  })

  it('rolls December over into January of the next year', () => {
    expect(claimDeadline('2026-12').toISOString()).toBe('2027-01-05T15:59:59.999Z')
  })

  it('clamps a deadline day past the end of a short month', () => {
    expect(claimDeadline('2027-01', 31).toISOString()).toBe('2027-02-28T15:59:59.999Z')
  })

  it('follows another timezone, summer time included', () => {
    // Berlin in June is UTC+2.
    expect(claimDeadline('2026-05', 5, 'Europe/Berlin').toISOString()).toBe('2026-06-05T21:59:59.999Z')
  })
})

describe('claimWindow', () => {
  it('takes last month as well until its deadline', () => {
    const w = claimWindow(beijing('2026-12-05T23:59:00'))
    expect(w).toMatchObject({ min: '2026-11-01', max: '2026-12-05', previousOpen: true, previousPeriod: '2026-11' })
  })

  it('takes only this month once last month has closed', () => {
    const w = claimWindow(beijing('2026-12-06T00:00:00'))
    expect(w).toMatchObject({ min: '2026-12-01', max: '2026-12-06', previousOpen: false })
  })

  it('uses the Beijing date, not the phone’s UTC date', () => {
    // 2026-11-30 17:00 UTC is already 1 December in Beijing.
    const w = claimWindow(new Date('2026-11-30T17:00:00Z'))
    expect(w.max).toBe('2026-12-01')
    expect(w.currentPeriod).toBe('2026-12')
    expect(zonedToday(new Date('2026-11-30T17:00:00Z'))).toBe('2026-12-01')
  })

  it('crosses the year in January', () => {
    const w = claimWindow(beijing('2027-01-03T09:00:00'))
    expect(w).toMatchObject({ min: '2026-12-01', max: '2027-01-03', previousPeriod: '2026-12', previousOpen: true })
  })

  it('honours a standard’s own deadline day', () => {
    expect(claimWindow(beijing('2026-12-08T10:00:00'), 10).previousOpen).toBe(true)
    expect(claimWindow(beijing('2026-12-08T10:00:00'), 7).previousOpen).toBe(false)
  })
})

describe('checkClaimDate', () => {
  const w = claimWindow(beijing('2026-12-03T10:00:00'))

  it('accepts days inside the window, both ends included', () => {
    expect(checkClaimDate('2026-11-01', w)).toBeNull()
    expect(checkClaimDate('2026-12-03', w)).toBeNull()
  })

  it('refuses tomorrow', () => {
    expect(checkClaimDate('2026-12-04', w)).toBe('future')
  })

  it('refuses the month before last', () => {
    expect(checkClaimDate('2026-10-31', w)).toBe('too_early')
  })

  it('refuses an empty or malformed date', () => {
    expect(checkClaimDate('', w)).toBe('required')
    expect(checkClaimDate('2026-13-45', w)).toBe('invalid')
  })
})

describe('daysLeft', () => {
  const deadline = '2026-12-05T23:59:59.999999+08:00'

  it('counts today: five days on the 1st', () => {
    expect(daysLeft(deadline, beijing('2026-12-01T08:00:00'))).toBe(5)
  })

  it('is one on the last day', () => {
    expect(daysLeft(deadline, beijing('2026-12-05T22:00:00'))).toBe(1)
  })

  it('is null once the deadline has passed', () => {
    expect(daysLeft(deadline, beijing('2026-12-06T00:00:01'))).toBeNull()
  })

  it('counts Beijing days even late at night UTC', () => {
    // 2026-12-01 17:00 UTC is 2 December 01:00 in Beijing: four days left.
    expect(daysLeft(deadline, new Date('2026-12-01T17:00:00Z'))).toBe(4)
  })
})

describe('withLockedMonths', () => {
  const both = claimWindow(beijing('2026-12-03T10:00:00'))

  it('changes nothing while no month is closed', () => {
    expect(withLockedMonths(both, [])).toMatchObject({ min: '2026-11-01', max: '2026-12-03', open: true, previousOpen: true })
  })

  it('drops last month once the branch has closed it', () => {
    const w = withLockedMonths(both, ['2026-11'])
    expect(w).toMatchObject({ min: '2026-12-01', max: '2026-12-03', previousOpen: false, previousLocked: true, open: true })
    expect(checkClaimDate('2026-11-20', w)).toBe('locked')
    expect(checkClaimDate('2026-12-02', w)).toBeNull()
  })

  it('offers only last month when this month is closed early', () => {
    const w = withLockedMonths(both, ['2026-12'])
    expect(w).toMatchObject({ min: '2026-11-01', max: '2026-11-30', currentLocked: true, open: true })
    expect(checkClaimDate('2026-12-02', w)).toBe('locked')
    expect(checkClaimDate('2026-11-30', w)).toBeNull()
  })

  it('offers no month when this month is closed and last month’s window has ended', () => {
    const w = withLockedMonths(claimWindow(beijing('2026-12-10T10:00:00')), ['2026-12'])
    expect(w).toMatchObject({ currentLocked: true, open: false })
  })

  it('ignores a closed month the window does not offer anyway', () => {
    const w = withLockedMonths(claimWindow(beijing('2026-12-10T10:00:00')), ['2026-11'])
    expect(w).toMatchObject({ min: '2026-12-01', previousLocked: false, open: true })
  })
})

function month(period: string, extra: Partial<MonthState> = {}): MonthState {
  return { period, deadline: null, started: true, window_closed: false, locked: false, has_standard: true, open: true, ...extra }
}

function itemRoom(extra: Partial<ItemRoom>): ItemRoom {
  return {
    item_id: 1,
    code: 'M05',
    points: '0.5',
    max_per_month: '1.0',
    max_per_year: '2.0',
    month_used: '0.0',
    year_used: '0.0',
    month_left: '1.0',
    year_left: '2.0',
    left: '1.0',
    times_left: 2,
    full: false,
    ...extra,
  }
}

describe('the room of an item', () => {
  it('lists the months the answer reports closed', () => {
    const room = {
      month: month('2026-10', { locked: true, open: false }),
      months: [month('2026-11', { locked: true, open: false }), month('2026-12')],
    } as MemberRoom
    expect(lockedMonths(room)).toEqual(['2026-10', '2026-11'])
    expect(lockedMonths(null)).toEqual([])
  })

  it('counts the occurrences left, and says when the yearly cap is the tighter', () => {
    expect(roomState(itemRoom({}))).toEqual({ full: false, times: 2, year: false })
    expect(roomState(itemRoom({ month_left: '0.0', left: '0.0', times_left: 0, full: true }))).toEqual({
      full: true,
      times: 0,
      year: false,
    })
    expect(roomState(itemRoom({ year_left: '0.5', left: '0.5', times_left: 1 }))).toEqual({ full: false, times: 1, year: true })
    expect(roomState(itemRoom({ max_per_month: null, month_left: null, year_left: '0.0', left: '0.0', times_left: 0, full: true }))).toEqual({
      full: true,
      times: 0,
      year: true,
    })
  })

  it('is nothing to say for an item without caps', () => {
    expect(roomState(itemRoom({ max_per_month: null, max_per_year: null, month_left: null, year_left: null, left: null, times_left: null }))).toBeNull()
    expect(roomState(null)).toBeNull()
  })
})
