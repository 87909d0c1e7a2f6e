// A member's points, the standard in force, and the branch's member list.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { MemberSummary, Page, PointsSummary, Standard, TimelineEvent } from './types'

export const getPoints = (memberId: number, year: number, options?: RequestOptions) =>
  http.get<PointsSummary>(`/members/${memberId}/points?year=${year}`, options)

export const memberTimeline = (memberId: number, year: number, options?: RequestOptions) =>
  http.get<TimelineEvent[]>(`/members/${memberId}/timeline?year=${year}`, options)

export const standardInForce = (organisationId: number, year: number, options?: RequestOptions) =>
  http.get<Standard>(`/standards/in-force${queryString({ organisation_id: organisationId, year })}`, options)

export const listMembers = (
  query: { organisation_id?: number; q?: string; status?: 'active' | 'inactive'; page?: number; page_size?: number },
  options?: RequestOptions,
) => http.get<Page<MemberSummary>>(`/members${queryString(query)}`, options)
