// The branch's month, entries and the ranking (/api/v1/branches/{id}/...).
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'
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

/** Lock the month; before its deadline only an org admin may, with a reason. */
export const closeMonth = (
  branchId: number,
  period: string,
  reason?: string,
  options?: RequestOptions,
) =>
  http.post<CloseResult>(
    `/branches/${branchId}/months/${period}/close`,
    reason ? { reason } : undefined,
    options,
  )

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

/** Void an entry while its month is open: its points are taken back by reversing rows. */
export const voidEntry = (branchId: number, entryId: number, reason: string, options?: RequestOptions) =>
  http.post<EntryDetail>(`/branches/${branchId}/entries/${entryId}/void`, { reason }, options)

export const getEntry = (branchId: number, entryId: number, options?: RequestOptions) =>
  http.get<EntryDetail>(`/branches/${branchId}/entries/${entryId}`, options)

// ---- The months of a subtree (an org admin's overview) --------------------------------------

type Schemas = components['schemas']
export type MonthsOverview = Schemas['MonthsOverview']
export type OverviewBranch = Schemas['OverviewBranch']
export type OverviewMonth = Schemas['OverviewMonth']
export type OverviewPeriod = Schemas['OverviewPeriod']
export type OverviewState = OverviewMonth['state']

export interface MonthsOverviewQuery {
  year: number
  q?: string
  /** Only branches that have not closed this month (YYYY-MM of the year). */
  not_closed?: string
  page?: number
  page_size?: number
}

/** Which branches of the organisation's subtree have closed which months of the year. */
export const getMonthsOverview = (orgId: number, query: MonthsOverviewQuery, options?: RequestOptions) =>
  http.get<MonthsOverview>(`/organisations/${orgId}/months${queryString({ ...query })}`, options)
