// The branch's month, entries and the ranking (/api/v1/branches/{id}/...).
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type {
  CloseResult,
  Entry,
  EntryCreateBody,
  EntryDetail,
  MonthView,
  Page,
  Ranking,
} from './types'

export const getMonth = (branchId: number, period: string, options?: RequestOptions) =>
  http.get<MonthView>(`/branches/${branchId}/months/${period}`, options)

export const closeMonth = (branchId: number, period: string, options?: RequestOptions) =>
  http.post<CloseResult>(`/branches/${branchId}/months/${period}/close`, undefined, options)

export const reopenMonth = (
  branchId: number,
  period: string,
  reason: string,
  options?: RequestOptions,
) => http.post<MonthView>(`/branches/${branchId}/months/${period}/reopen`, { reason }, options)

export const getRanking = (branchId: number, period: string, options?: RequestOptions) =>
  http.get<Ranking>(`/branches/${branchId}/months/${period}/ranking`, options)

export const recordEntry = (branchId: number, body: EntryCreateBody, options?: RequestOptions) =>
  http.post<EntryDetail>(`/branches/${branchId}/entries`, body, options)

export const listEntries = (
  branchId: number,
  query: { month?: string; page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<Entry>>(`/branches/${branchId}/entries${queryString(query)}`, options)

export const getEntry = (branchId: number, entryId: number, options?: RequestOptions) =>
  http.get<EntryDetail>(`/branches/${branchId}/entries/${entryId}`, options)
