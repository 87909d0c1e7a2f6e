// Sending a composed claim: create (with an Idempotency-Key), upload its photos, submit (with a
// second key). Every step is safe to repeat, so a send interrupted anywhere can simply be run
// again and the claim is still created exactly once:
//
// - create: the same key replays the first answer (the server keeps keys 24 hours);
// - upload: the server keeps a file sent twice once, and `uploaded` says where to go on;
// - submit: the same key replays; a claim already submitted (by an attempt whose answer was
//   lost) is success.
import { createClaim, getClaim, listClaims, submitClaim, uploadEvidence } from '@/api/claims'
import { ApiError, isApiError } from '@/api/http'
import type { ClaimCreateBody, ClaimDetail } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import type { PhotoFile, SendState, StoredError } from './storage'

export type { PhotoFile, SendState } from './storage'

export interface ClaimDraft {
  body: Omit<ClaimCreateBody, 'submit'>
  /** Submit once created and the photos are up; otherwise keep a draft. */
  submit: boolean
  photos: PhotoFile[]
}

export interface SendProgress {
  stage: 'creating' | 'uploading' | 'submitting' | 'done'
  /** Index of the photo going up, while uploading. */
  photo?: number
  /** 0..1 over the whole send. */
  fraction: number
}

/**
 * Why a claim waits in the outbox: 'offline' (no network, or the server failing), or
 * 'signed-out' (the sign-in has expired: it is sent once the member signs in again).
 */
export type QueueReason = 'offline' | 'signed-out'

export type SendResult =
  | { status: 'sent'; claim: ClaimDetail }
  | { status: 'queued'; localId: string; reason: QueueReason }

/** Idempotency keys are kept 24 hours; after this long a create's key may be forgotten. */
export const KEY_TRUST_MS = 23 * 60 * 60 * 1000

export function newSendState(): SendState {
  return { createKey: crypto.randomUUID(), submitKey: crypto.randomUUID(), uploaded: 0 }
}

/**
 * Whether a failed step is worth trying again later ('retry': no network, the server busy or
 * failing, the session to be renewed) or the server refused the claim ('refused': the member
 * has to see why).
 */
export function classifyFailure(error: unknown): 'retry' | 'refused' {
  if (!isApiError(error)) return 'retry'
  if (error.status === 0 || error.status >= 500) return 'retry'
  if ([401, 408, 425, 429].includes(error.status)) return 'retry'
  if (error.code === 'idempotency_request_in_flight') return 'retry'
  if (error.code === 'password_change_required') return 'retry'
  return 'refused'
}

/**
 * The server refused the session (401 once the refresh failed too): the sign-in has expired, the
 * network is fine. The claim waits for the next sign-in, not for a network.
 */
export function sessionExpired(error: unknown): boolean {
  return isApiError(error) && error.status === 401
}

/** Why a claim whose send failed this way waits in the outbox. */
export function queueReason(error: unknown): QueueReason {
  return sessionExpired(error) ? 'signed-out' : 'offline'
}

/** The request may have been done even though its answer never came. */
function outcomeUnknown(error: unknown): boolean {
  return (
    isApiError(error) &&
    (error.status === 0 || error.status >= 500 || error.code === 'idempotency_request_in_flight')
  )
}

export function toStoredError(error: unknown): StoredError {
  if (isApiError(error)) {
    return { status: error.status, code: error.code, title: error.title, detail: error.detail }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { status: 0, code: 'unexpected', title: message, detail: null }
}

export function fromStoredError(stored: StoredError): ApiError {
  return new ApiError(stored)
}

/**
 * A create whose answer was lost more than a day ago: its key may be forgotten, so look for the
 * claim it may have made (same item, date, quantity and description, made since then).
 */
export async function findEarlierCreate(
  draft: ClaimDraft,
  since: number,
): Promise<ClaimDetail | null> {
  const auth = useAuthStore()
  const page = await listClaims(
    { member: auth.me?.member?.id, item: draft.body.item_id, order: 'newest', page_size: 50 },
    { silent: true },
  )
  const match = page.items.find(
    (c) =>
      c.description === draft.body.description &&
      c.occurred_on === draft.body.occurred_on &&
      c.quantity === draft.body.quantity &&
      Date.parse(c.created_at) >= since - 10 * 60 * 1000,
  )
  return match ? getClaim(match.id, { silent: true }) : null
}

/** States a claim reaches only once it has been submitted. */
const SUBMITTED: ClaimDetail['status'][] = ['submitted', 'approved', 'rejected', 'returned']

/** Run (or resume) the steps of one send; `state` is updated as each step completes. */
export async function runSend(
  draft: ClaimDraft,
  state: SendState,
  onProgress?: (progress: SendProgress) => void,
  onStep?: (state: SendState) => void | Promise<void>,
  now: () => number = Date.now,
): Promise<ClaimDetail> {
  const auth = useAuthStore()
  const steps = 1 + draft.photos.length + (draft.submit ? 1 : 0)
  const report = (stage: SendProgress['stage'], done: number, photo?: number) =>
    onProgress?.({ stage, photo, fraction: Math.min(1, done / steps) })
  report('creating', 0)
  if (state.claimId === undefined && state.createUnknownSince !== undefined) {
    if (now() - state.createUnknownSince > KEY_TRUST_MS) {
      const earlier = await findEarlierCreate(draft, state.createUnknownSince)
      if (earlier) {
        state.claimId = earlier.id
        state.createUnknownSince = undefined
        await onStep?.(state)
      }
    }
  }
  if (state.claimId === undefined) {
    let created: ClaimDetail
    try {
      created = await createClaim({ ...draft.body, submit: false }, state.createKey, {
        silent: true,
      })
    } catch (error) {
      if (outcomeUnknown(error)) state.createUnknownSince ??= now()
      throw error
    }
    state.claimId = created.id
    state.createUnknownSince = undefined
    await onStep?.(state)
  }
  const claimId = state.claimId
  for (let i = state.uploaded; i < draft.photos.length; i++) {
    const photo = draft.photos[i]
    await uploadEvidence(claimId, photo.blob, photo.name, {
      getToken: () => auth.accessToken,
      onProgress: (f) => report('uploading', 1 + i + f, i),
    })
    state.uploaded = i + 1
    await onStep?.(state)
  }
  let claim: ClaimDetail
  if (draft.submit) {
    report('submitting', 1 + draft.photos.length)
    try {
      claim = await submitClaim(claimId, state.submitKey, { silent: true })
    } catch (error) {
      // Submitted by an earlier attempt whose answer was lost: that is success.
      if (!(isApiError(error) && error.code === 'invalid_transition')) throw error
      claim = await getClaim(claimId, { silent: true })
      if (!SUBMITTED.includes(claim.status)) throw error
    }
  } else {
    claim = await getClaim(claimId, { silent: true })
  }
  report('done', steps)
  return claim
}
