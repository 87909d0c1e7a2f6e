// A member's points, the standard in force, and the branch's member list.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type {
  AttendanceRow,
  LedgerPage,
  MemberSummary,
  Page,
  PointsSummary,
  Standard,
  TimelineEvent,
  YearRanking,
} from './types'

export const getPoints = (memberId: number, year: number, options?: RequestOptions) =>
  http.get<PointsSummary>(`/members/${memberId}/points?year=${year}`, options)

export const memberTimeline = (
  memberId: number,
  query: { year: number; page?: number; page_size?: number },
  options?: RequestOptions,
) => http.get<Page<TimelineEvent>>(`/members/${memberId}/timeline${queryString(query)}`, options)

/** 积分明细: the year's ledger rows with the score after each, month subtotals, the year's total. */
export const memberLedger = (
  memberId: number,
  query: { year: number; page?: number; page_size?: number; order?: 'asc' | 'desc' },
  options?: RequestOptions,
) => http.get<LedgerPage>(`/members/${memberId}/ledger${queryString(query)}`, options)

/** The branch-recorded items (meetings, 党课…) the member was included in, newest first. */
export const memberAttendance = (
  memberId: number,
  query: { year: number; page?: number; page_size?: number },
  options?: RequestOptions,
) => http.get<Page<AttendanceRow>>(`/members/${memberId}/attendance${queryString(query)}`, options)

/** 年度亮分: the branch's ranking over the year's closed months. */
export const yearRanking = (branchId: number, year: number, options?: RequestOptions) =>
  http.get<YearRanking>(`/branches/${branchId}/ranking?year=${year}`, options)

/** 亮分公示: the month's ranking as an XLSX file. */
export const rankingXlsx = (branchId: number, period: string, options?: RequestOptions) =>
  http.get<Blob>(`/branches/${branchId}/months/${period}/ranking.xlsx`, { ...options, responseType: 'blob' })

export const getMember = (memberId: number, options?: RequestOptions) =>
  http.get<MemberSummary>(`/members/${memberId}`, options)

export const standardInForce = (organisationId: number, year: number, options?: RequestOptions) =>
  http.get<Standard>(`/standards/in-force${queryString({ organisation_id: organisationId, year })}`, options)

export const listMembers = (
  query: { organisation_id?: number; q?: string; status?: 'active' | 'inactive'; page?: number; page_size?: number },
  options?: RequestOptions,
) => http.get<Page<MemberSummary>>(`/members${queryString(query)}`, options)
