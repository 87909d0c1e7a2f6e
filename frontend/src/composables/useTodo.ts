// The reviewer's to-do (GET /me/todo), shared by the home card and the tab bar's badge: one
// read in flight at a time, and a fresh one only when the last is older than asked.
import { computed, shallowRef } from 'vue'
import { getTodo } from '@/api/reminders'
import type { Todo, TodoBranch } from '@/api/types'

const todo = shallowRef<Todo | null>(null)
const failed = shallowRef(false)
let loadedAt = 0
let inFlight: Promise<Todo | null> | null = null

/** Read the to-do unless the last answer is younger than maxAge ms (0: always read). */
export function loadTodo(maxAge = 0): Promise<Todo | null> {
  if (inFlight) return inFlight
  if (todo.value && Date.now() - loadedAt < maxAge) return Promise.resolve(todo.value)
  inFlight = getTodo({ silent: true })
    .then((value) => {
      todo.value = value
      failed.value = false
      loadedAt = Date.now()
      return value
    })
    .catch(() => {
      failed.value = true
      return todo.value
    })
    .finally(() => {
      inFlight = null
    })
  return inFlight
}

/** Claims waiting in every branch one reviews: the review tab's badge. */
export function pendingTotal(value: Todo | null): number {
  return (value?.branches ?? []).reduce((sum, b) => sum + b.pending, 0)
}

/** The line under the deadline: 今天截止 / 还剩 n 天 / 已截止, as an i18n key and count. */
export function deadlineText(branch: TodoBranch): { key: string; n: number } {
  if (branch.month_status === 'locked') return { key: 'review.todo.locked', n: 0 }
  if (!branch.window_open || branch.days_left === null || branch.days_left === undefined) {
    return { key: 'review.todo.windowClosed', n: 0 }
  }
  if (branch.days_left === 0) return { key: 'review.todo.lastDay', n: 0 }
  return { key: 'review.todo.daysLeft', n: branch.days_left }
}

export function useTodo() {
  const pending = computed(() => pendingTotal(todo.value))
  return { todo, failed, pending, load: loadTodo }
}

/** For tests: forget what was read. */
export function resetTodo(): void {
  todo.value = null
  failed.value = false
  loadedAt = 0
  inFlight = null
}
