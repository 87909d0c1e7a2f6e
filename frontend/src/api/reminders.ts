// Following up a month's declarations: the reviewer's to-do, members who have not declared,
// reminders to them, and a member's own reminders (/api/v1/.../undeclared, /reminders, /me/...).
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { Page, Reminder, ReminderSendBody, ReminderSendResult, Todo, UndeclaredMember } from './types'

export const getTodo = (options?: RequestOptions) => http.get<Todo>('/me/todo', options)

export const listUndeclared = (
  branchId: number,
  period: string,
  query: { page?: number; page_size?: number } = {},
  options?: RequestOptions,
) =>
  http.get<Page<UndeclaredMember>>(
    `/branches/${branchId}/months/${period}/undeclared${queryString(query)}`,
    options,
  )

export const sendReminders = (
  branchId: number,
  period: string,
  body: ReminderSendBody,
  options?: RequestOptions,
) => http.post<ReminderSendResult>(`/branches/${branchId}/months/${period}/reminders`, body, options)

export const myReminders = (
  query: { unread?: boolean; page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<Reminder>>(`/me/reminders${queryString(query)}`, options)

export const markReminderRead = (id: number, options?: RequestOptions) =>
  http.post<Reminder>(`/me/reminders/${id}/read`, undefined, options)
