// Sending a composed claim: create (with an Idempotency-Key), upload its photos, submit (with a
// second key). Every step is safe to repeat, so a send interrupted anywhere can simply be run
// again and the claim is still created exactly once.
//
// This first version sends straight away; the offline outbox (IndexedDB, retry when back
// online, the list of what is waiting) builds on the same steps and the same interface.
import { createClaim, getClaim, submitClaim, uploadEvidence } from '@/api/claims'
import { isApiError } from '@/api/http'
import type { ClaimCreateBody, ClaimDetail } from '@/api/types'
import { useAuthStore } from '@/stores/auth'

export interface PhotoFile {
  blob: Blob
  name: string
}

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

export type SendResult =
  | { status: 'sent'; claim: ClaimDetail }
  | { status: 'queued'; localId: string }

/** What a send remembers between attempts so a retry continues where it stopped. */
export interface SendState {
  createKey: string
  submitKey: string
  claimId?: number
  uploaded: number
}

export function newSendState(): SendState {
  return { createKey: crypto.randomUUID(), submitKey: crypto.randomUUID(), uploaded: 0 }
}

/** Run (or resume) the steps of one send; `state` is updated as each step completes. */
export async function runSend(
  draft: ClaimDraft,
  state: SendState,
  onProgress?: (progress: SendProgress) => void,
  onStep?: (state: SendState) => void | Promise<void>,
): Promise<ClaimDetail> {
  const auth = useAuthStore()
  const steps = 1 + draft.photos.length + (draft.submit ? 1 : 0)
  const report = (stage: SendProgress['stage'], done: number, photo?: number) =>
    onProgress?.({ stage, photo, fraction: Math.min(1, done / steps) })
  report('creating', 0)
  if (state.claimId === undefined) {
    const created = await createClaim({ ...draft.body, submit: false }, state.createKey, {
      silent: true,
    })
    state.claimId = created.id
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
      if (claim.status !== 'submitted') throw error
    }
  } else {
    claim = await getClaim(claimId, { silent: true })
  }
  report('done', steps)
  return claim
}

/** Send a composed claim now. */
export async function sendClaim(
  draft: ClaimDraft,
  options: { onProgress?: (progress: SendProgress) => void } = {},
): Promise<SendResult> {
  const claim = await runSend(draft, newSendState(), options.onProgress)
  return { status: 'sent', claim }
}
