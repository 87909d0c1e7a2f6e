// Member import from a spreadsheet (/member-imports): template, dry run, apply, the one-time
// credentials sheet, and the public activation an imported member does before signing in.
import { http, request, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'
import type { Page } from './types'

export type ImportJob = components['schemas']['ImportPublic']
export type ImportRow = components['schemas']['ImportRowPublic']
export type ImportStatus = ImportJob['status']
export type RowAction = ImportRow['action']
export type ActivationBody = components['schemas']['ActivationRequest']

export const templateSheet = (format: 'xlsx' | 'csv', options?: RequestOptions) =>
  http.get<Blob>(`/member-imports/template${queryString({ format })}`, { ...options, responseType: 'blob' })

/** Upload a sheet: the dry run judges every row; nothing changes until apply. */
export function uploadSheet(file: File, options?: RequestOptions): Promise<ImportJob> {
  const body = new FormData()
  body.append('file', file, file.name)
  return request<ImportJob>('POST', '/member-imports', { ...options, body })
}

export const getImport = (id: number, options?: RequestOptions) =>
  http.get<ImportJob>(`/member-imports/${id}`, { ...options, noStore: true })

export const importRows = (
  id: number,
  query: { action?: RowAction; page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<ImportRow>>(`/member-imports/${id}/rows${queryString(query)}`, { ...options, noStore: true })

export const reportSheet = (id: number, options?: RequestOptions) =>
  http.get<Blob>(`/member-imports/${id}/report.xlsx`, { ...options, responseType: 'blob' })

export const applyImport = (id: number, options?: RequestOptions) =>
  http.post<ImportJob>(`/member-imports/${id}/apply`, undefined, options)

/** The activation codes, once: a second request is 410 credentials_gone. */
export const credentialsSheet = (id: number, options?: RequestOptions) =>
  http.get<Blob>(`/member-imports/${id}/credentials.xlsx`, { ...options, responseType: 'blob' })

/** No sign-in: set the first password with the activation code (204). */
export const activate = (body: ActivationBody, options?: RequestOptions) =>
  http.post<void>('/member-imports/activation', body, { ...options, auth: false })
