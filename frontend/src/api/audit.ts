// The audit trail (/audit-events): who did what when in the caller's subtree, newest first,
// a cursor page at a time, and the same list as CSV.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'

export type AuditEvent = components['schemas']['AuditEventOut']
export type AuditPage = components['schemas']['AuditPage']

/** The filters the API takes; `from`/`to` are days (YYYY-MM-DD), both inclusive. */
export interface AuditFilters {
  organisation_id?: number
  actor?: number
  entity_type?: string
  entity_id?: number
  action?: string
  from?: string
  to?: string
}

export const listAuditEvents = (
  filters: AuditFilters,
  cursor: string | null = null,
  limit = 50,
  options?: RequestOptions,
) => http.get<AuditPage>(`/audit-events${queryString({ ...filters, cursor, limit })}`, { ...options, noStore: true })

/** The CSV for Excel (UTF-8 with a BOM), with the same filters. */
export const auditCsv = (filters: AuditFilters, options?: RequestOptions) =>
  http.get<Blob>(`/audit-events.csv${queryString(filters)}`, { ...options, responseType: 'blob' })
