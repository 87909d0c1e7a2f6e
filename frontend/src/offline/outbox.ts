// Sending a composed claim, online or not: `sendClaim` sends it now when it can, and otherwise
// keeps it (photos included) in the outbox in IndexedDB, to be sent when the network returns,
// exactly once (the steps and why they are safe to repeat: send.ts; the outbox: stores/outbox.ts).
import { useOutboxStore, type SendOptions } from '@/stores/outbox'
import type { ClaimDraft, SendResult } from './send'

export {
  classifyFailure,
  fromStoredError,
  newSendState,
  runSend,
  type ClaimDraft,
  type PhotoFile,
  type SendProgress,
  type SendResult,
  type SendState,
} from './send'
export type { SendOptions } from '@/stores/outbox'

/**
 * Send a composed claim: {status:'sent', claim} when it reached the server, {status:'queued',
 * localId} when it waits in the outbox (offline, or the network or server failed on the way; it
 * is sent later by itself). A refusal (4xx, e.g. claim_window_closed) rejects with the ApiError;
 * if the claim had already been created, `error.claimId` names it.
 */
export function sendClaim(draft: ClaimDraft, options: SendOptions = {}): Promise<SendResult> {
  return useOutboxStore().send(draft, options)
}
