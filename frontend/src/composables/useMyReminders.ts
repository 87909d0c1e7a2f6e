// A member's unread reminders to declare (GET /me/reminders?unread=true), shared by the home
// notice and the home tab's badge; dismissing one marks it read on the server.
import { shallowRef } from 'vue'
import { markReminderRead, myReminders } from '@/api/reminders'
import type { Reminder } from '@/api/types'

const unread = shallowRef<Reminder[]>([])
const total = shallowRef(0)
let inFlight: Promise<void> | null = null
let loadedAt = 0

/** Read the unread reminders unless the last answer is younger than maxAge ms. */
export function loadReminders(maxAge = 0): Promise<void> {
  if (inFlight) return inFlight
  if (loadedAt && Date.now() - loadedAt < maxAge) return Promise.resolve()
  inFlight = myReminders({ unread: true, page_size: 5 }, { silent: true })
    .then((page) => {
      unread.value = page.items
      total.value = page.total
      loadedAt = Date.now()
    })
    .catch(() => undefined)
    .finally(() => {
      inFlight = null
    })
  return inFlight
}

/** Dismiss one: it leaves the list at once; a failure puts it back. */
export async function dismissReminder(id: number): Promise<boolean> {
  const before = unread.value
  const totalBefore = total.value
  unread.value = before.filter((r) => r.id !== id)
  total.value = Math.max(0, totalBefore - (before.length - unread.value.length))
  try {
    await markReminderRead(id, { silent: true })
    return true
  } catch {
    unread.value = before
    total.value = totalBefore
    return false
  }
}

export function useMyReminders() {
  return { unread, total, load: loadReminders, dismiss: dismissReminder }
}

/** For tests: forget what was read. */
export function resetReminders(): void {
  unread.value = []
  total.value = 0
  inFlight = null
  loadedAt = 0
}
