// Members and their roles for the administrators' screens (/api/v1/members, /role-assignments).
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'
import type { MemberCategory, Page } from './types'

type Schemas = components['schemas']
export type MemberListItem = Schemas['MemberListItem']
export type MemberRecord = Schemas['MemberPublic']
export type MemberCreateBody = Schemas['MemberCreate']
export type MemberUpdateBody = Schemas['MemberUpdate']
export type MemberCreated = Schemas['MemberCreated']
export type AccountCredentials = Schemas['AccountCredentials']
export type MemberTransfer = Schemas['TransferPublic']
export type MemberRole = Schemas['MemberRolePublic']
export type AssignableRole = Schemas['RoleAssignmentCreate']['role']

export interface MemberQuery {
  q?: string
  organisation_id?: number
  category?: MemberCategory
  status?: 'active' | 'inactive'
  page?: number
  page_size?: number
}

export const searchMembers = (query: MemberQuery = {}, options?: RequestOptions) =>
  http.get<Page<MemberListItem>>(`/members${queryString(query)}`, { ...options, noStore: true })

export const readMember = (id: number, options?: RequestOptions) =>
  http.get<MemberRecord>(`/members/${id}`, options)

export const createMember = (body: MemberCreateBody, options?: RequestOptions) =>
  http.post<MemberCreated>('/members', body, options)

export const updateMember = (id: number, body: MemberUpdateBody, options?: RequestOptions) =>
  http.patch<MemberRecord>(`/members/${id}`, body, options)

export const deactivateMember = (id: number, reason: string, options?: RequestOptions) =>
  http.post<MemberRecord>(`/members/${id}/deactivate`, { reason }, options)

export const reactivateMember = (id: number, reason: string, options?: RequestOptions) =>
  http.post<MemberRecord>(`/members/${id}/reactivate`, { reason }, options)

export const transferMember = (
  id: number,
  body: { to_branch_id: number; reason: string; transferred_on?: string | null },
  options?: RequestOptions,
) => http.post<MemberTransfer>(`/members/${id}/transfer`, body, options)

export const memberTransfers = (id: number, options?: RequestOptions) =>
  http.get<MemberTransfer[]>(`/members/${id}/transfers`, options)

export const resetMemberPassword = (id: number, options?: RequestOptions) =>
  http.post<AccountCredentials>(`/members/${id}/reset-password`, undefined, options)

export const memberRoles = (id: number, options?: RequestOptions) =>
  http.get<Page<MemberRole>>(`/members/${id}/roles${queryString({ page_size: 200 })}`, options)

export const assignRole = (
  body: { user_id: number; role: AssignableRole; organisation_id: number },
  options?: RequestOptions,
) => http.post<Schemas['RoleAssignmentPublic']>('/role-assignments', body, options)

export const revokeRole = (assignmentId: number, options?: RequestOptions) =>
  http.delete<void>(`/role-assignments/${assignmentId}`, options)
