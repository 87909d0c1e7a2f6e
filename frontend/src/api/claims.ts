// Claims: declare, edit, submit, review, evidence and history (/api/v1/claims).
import { http, API_BASE, refreshOnce, toApiError, ApiError, type RequestOptions } from './http'
import type {
  BulkDecision,
  BulkReviewResult,
  Claim,
  ClaimCreateBody,
  ClaimDetail,
  ClaimStatus,
  ClaimUpdateBody,
  Evidence,
  MemberRoom,
  Page,
  Points,
  TimelineEvent,
} from './types'

export interface ClaimQuery {
  member?: number
  branch?: number
  month?: string
  status?: ClaimStatus
  item?: number
  unseen?: boolean
  order?: 'newest' | 'oldest'
  page?: number
  page_size?: number
}

export function queryString(query: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** Options carrying an Idempotency-Key, so a retried request is done once. */
export function withKey(key: string | undefined, options: RequestOptions = {}): RequestOptions {
  return key ? { ...options, headers: { ...options.headers, 'Idempotency-Key': key } } : options
}

export const listClaims = (query: ClaimQuery = {}, options?: RequestOptions) =>
  http.get<Page<Claim>>(`/claims${queryString(query)}`, options)

export const getClaim = (id: number, options?: RequestOptions) =>
  http.get<ClaimDetail>(`/claims/${id}`, options)

export const createClaim = (body: ClaimCreateBody, key?: string, options?: RequestOptions) =>
  http.post<ClaimDetail>('/claims', body, withKey(key, options))

export const updateClaim = (id: number, body: ClaimUpdateBody, options?: RequestOptions) =>
  http.patch<ClaimDetail>(`/claims/${id}`, body, options)

export const deleteClaim = (id: number, options?: RequestOptions) =>
  http.delete<void>(`/claims/${id}`, options)

export const submitClaim = (id: number, key?: string, options?: RequestOptions) =>
  http.post<ClaimDetail>(`/claims/${id}/submit`, undefined, withKey(key, options))

export const withdrawClaim = (id: number, key?: string, options?: RequestOptions) =>
  http.post<ClaimDetail>(`/claims/${id}/withdraw`, undefined, withKey(key, options))

export const approveClaim = (
  id: number,
  body: { points?: Points; comment?: string } = {},
  key?: string,
  options?: RequestOptions,
) => http.post<ClaimDetail>(`/claims/${id}/approve`, body, withKey(key, options))

export const rejectClaim = (id: number, comment: string, key?: string, options?: RequestOptions) =>
  http.post<ClaimDetail>(`/claims/${id}/reject`, { comment }, withKey(key, options))

export const returnClaim = (id: number, comment: string, key?: string, options?: RequestOptions) =>
  http.post<ClaimDetail>(`/claims/${id}/return`, { comment }, withKey(key, options))

/** Undo a decision while the month is open: the claim awaits a new decision. */
export const revertClaim = (id: number, reason: string, key?: string, options?: RequestOptions) =>
  http.post<ClaimDetail>(`/claims/${id}/revert`, { reason }, withKey(key, options))

export const bulkReview = (decisions: BulkDecision[], key?: string, options?: RequestOptions) =>
  http.post<BulkReviewResult>('/claims/bulk-review', { decisions }, withKey(key, options))

export const claimTimeline = (id: number, options?: RequestOptions) =>
  http.get<TimelineEvent[]>(`/claims/${id}/timeline`, options)

/** What the member may still claim in a month (each item's caps) and which months take claims. */
export const getRoom = (memberId: number, period?: string, options?: RequestOptions) =>
  http.get<MemberRoom>(`/members/${memberId}/room${queryString({ period })}`, options)

export const markSeen = (claimIds: number[], options?: RequestOptions) =>
  http.post<{ marked: number }>('/claims/seen', { claim_ids: claimIds }, options)

export const deleteEvidence = (claimId: number, evidenceId: number, options?: RequestOptions) =>
  http.delete<void>(`/claims/${claimId}/evidence/${evidenceId}`, options)

/** An evidence file as a Blob (the API needs the access token, so no plain <img src>). */
export function evidenceBlob(evidence: Evidence, options?: RequestOptions): Promise<Blob> {
  const path = evidence.url.startsWith(API_BASE) ? evidence.url.slice(API_BASE.length) : evidence.url
  return http.get<Blob>(path, { ...options, responseType: 'blob' })
}

export interface UploadOptions {
  /** Called with 0..1 as the file goes up. */
  onProgress?: (fraction: number) => void
  /** The access token to send; the caller's auth store provides it. */
  getToken: () => string | null
  signal?: AbortSignal
}

function xhrUpload(url: string, form: FormData, token: string | null, options: UploadOptions) {
  return new Promise<{ status: number; response: Response }>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total)
    }
    xhr.onload = () => {
      const headers = new Headers()
      const type = xhr.getResponseHeader('Content-Type')
      if (type) headers.set('Content-Type', type)
      const retry = xhr.getResponseHeader('Retry-After')
      if (retry) headers.set('Retry-After', retry)
      resolve({
        status: xhr.status,
        response: new Response(xhr.status === 204 ? null : xhr.responseText, {
          status: xhr.status,
          headers,
        }),
      })
    }
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network_error', title: 'Network error' }))
    xhr.onabort = () => reject(new DOMException('Upload aborted', 'AbortError'))
    options.signal?.addEventListener('abort', () => xhr.abort())
    xhr.send(form)
  })
}

/**
 * Upload one evidence file with progress (fetch cannot report upload progress). The server
 * keeps a file sent twice once, so retrying an interrupted upload is safe.
 */
export async function uploadEvidence(
  claimId: number,
  file: Blob,
  filename: string,
  options: UploadOptions,
): Promise<Evidence> {
  const form = new FormData()
  form.append('file', file, filename)
  const url = `${API_BASE}/claims/${claimId}/evidence`
  let result = await xhrUpload(url, form, options.getToken(), options)
  if (result.status === 401) {
    const fresh = await refreshOnce()
    if (fresh) result = await xhrUpload(url, form, fresh, options)
  }
  if (result.status >= 400) throw await toApiError(result.response)
  options.onProgress?.(1)
  return (await result.response.json()) as Evidence
}
