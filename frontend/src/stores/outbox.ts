// The outbox: claims composed without a network (photos included) wait in IndexedDB and are
// sent when the network returns, each exactly once (see offline/send.ts). This store lists the
// signed-in user's waiting claims and sends them; the app shell flushes it on start, on the
// 'online' event, when the page becomes visible again and every 30 seconds while claims wait
// (offline/lifecycle.ts). It does not rely on Background Sync, which iPhones lack.
//
// For screens: `items`, `count`, `waitingCount`, `failedCount`, `flush()`, `retry(localId)`,
// `remove(localId)`, `draft(localId)`; `sentCount` goes up each time a waiting claim reaches the
// server (watch it to reload a list). Sending a new claim: `sendClaim` in offline/outbox.ts.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, isNetworkError } from '@/api/http'
import type { ClaimDetail } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { FLUSH_LOCK, itemLock, tryLock } from '@/offline/locks'
import {
  classifyFailure,
  newSendState,
  queueReason,
  runSend,
  toStoredError,
  type ClaimDraft,
  type SendProgress,
  type SendResult,
} from '@/offline/send'
import {
  offlineStorage,
  type OutboxRecord,
  type PhotoFile,
  type StoredError,
} from '@/offline/storage'

export type OutboxItemStatus = 'waiting' | 'sending' | 'failed'

/** A waiting claim as screens show it. */
export interface OutboxItem {
  localId: string
  /** The item's title when the composer passed it, else the start of the description. */
  title: string
  description: string
  itemId: number
  occurredOn: string
  quantity: number
  /** Submit once sent (false: keep as a draft on the server). */
  submit: boolean
  photoCount: number
  /** When it was composed (ms since epoch). */
  createdAt: number
  status: OutboxItemStatus
  /** 0..1 while sending. */
  progress: number | null
  /** Why the server refused it (status 'failed'); show with errorMessage(fromStoredError(e)). */
  error: StoredError | null
  /** The server's claim, once created (a failed item may be opened there). */
  claimId: number | null
}

export interface SendOptions {
  onProgress?: (progress: SendProgress) => void
  /** The item's title, for the list of waiting claims. */
  title?: string
}

type Attempt =
  | { status: 'sent'; claim: ClaimDetail }
  | { status: 'waiting' | 'failed'; error: unknown }
  | { status: 'removed' }

/** The member removed the item while it was being sent. */
class Removed extends Error {}

const CHANNEL = 'vanguard-outbox'

function isOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false
}

function titleOf(record: OutboxRecord): string {
  if (record.title) return record.title
  const text = record.body.description.trim()
  return text.length > 24 ? `${text.slice(0, 24)}…` : text
}

export const useOutboxStore = defineStore('outbox', () => {
  const records = ref<OutboxRecord[]>([])
  /** Items this tab is sending from the list, with their progress. */
  const progress = ref<Record<string, number>>({})
  /** Items `send` is sending straight away: the composer shows those, not the list. */
  const direct = ref<Set<string>>(new Set())
  const flushing = ref(false)
  const sentCount = ref(0)
  const lastSent = ref<ClaimDetail | null>(null)
  let loadedFor: number | null = null
  let flushPromise: Promise<void> | null = null
  let channel: BroadcastChannel | null = null

  const items = computed<OutboxItem[]>(() =>
    records.value
      .filter((r) => !direct.value.has(r.localId))
      .map((r) => ({
        localId: r.localId,
        title: titleOf(r),
        description: r.body.description,
        itemId: r.body.item_id,
        occurredOn: r.body.occurred_on,
        quantity: r.body.quantity,
        submit: r.submit,
        photoCount: r.photoCount,
        createdAt: r.createdAt,
        status:
          r.localId in progress.value ? 'sending' : r.status === 'failed' ? 'failed' : 'waiting',
        progress: progress.value[r.localId] ?? null,
        error: r.status === 'failed' ? r.error : null,
        claimId: r.state.claimId ?? null,
      })),
  )
  const count = computed(() => items.value.length)
  const failedCount = computed(() => items.value.filter((i) => i.status === 'failed').length)
  const waitingCount = computed(() => count.value - failedCount.value)
  /** Something is being sent from this tab (a list item or a claim just composed). */
  const busy = computed(
    () => flushing.value || direct.value.size > 0 || Object.keys(progress.value).length > 0,
  )

  function storage() {
    return offlineStorage().outbox
  }

  function announce(): void {
    try {
      channel?.postMessage('changed')
    } catch {
      // Another tab will see the change at its next load.
    }
  }

  /** Reload the signed-in user's items from storage. */
  async function load(): Promise<void> {
    const uid = useAuthStore().userId
    loadedFor = uid
    if (uid === null) {
      records.value = []
      return
    }
    try {
      const list = await storage().list(uid)
      if (useAuthStore().userId === uid) records.value = list
    } catch {
      // Storage unavailable: nothing to show.
    }
  }

  /** Listen to other tabs' changes (once). */
  function connect(): void {
    if (channel || typeof BroadcastChannel === 'undefined') return
    try {
      channel = new BroadcastChannel(CHANNEL)
      channel.onmessage = () => void load()
    } catch {
      channel = null
    }
  }

  async function save(record: OutboxRecord, persistent: boolean): Promise<void> {
    if (!persistent) return
    record.updatedAt = Date.now()
    // Removed by the member meanwhile: stop, and do not bring it back.
    if (!(await storage().get(record.localId))) throw new Removed()
    await storage().put(record)
  }

  /** One attempt at sending an item; its state is saved after every completed step. */
  async function attempt(
    record: OutboxRecord,
    photos: PhotoFile[],
    persistent: boolean,
    onProgress?: (p: SendProgress) => void,
  ): Promise<Attempt> {
    record.attempts += 1
    const draft: ClaimDraft = { body: record.body, submit: record.submit, photos }
    try {
      const claim = await runSend(draft, record.state, onProgress, async (state) => {
        record.state = state
        try {
          await save(record, persistent)
        } catch (error) {
          if (error instanceof Removed) throw error
          // Storage failed: carry on; a later retry repeats steps, which is harmless.
        }
      })
      if (persistent) await storage().delete(record.localId).catch(() => undefined)
      return { status: 'sent', claim }
    } catch (error) {
      if (error instanceof Removed) return { status: 'removed' }
      if (classifyFailure(error) === 'refused') {
        record.status = 'failed'
        record.error = toStoredError(error)
      } else {
        record.status = 'waiting'
        record.lastError = toStoredError(error)
      }
      await save(record, persistent).catch(() => undefined)
      return { status: record.status, error }
    }
  }

  /**
   * Send a composed claim: straight away when there is a network, else (or when the network or
   * the server fails on the way) kept in the outbox. A refusal (4xx) rejects with the ApiError,
   * as a direct send would; if the claim was already created by then, `error.claimId` names it.
   */
  async function send(draft: ClaimDraft, options: SendOptions = {}): Promise<SendResult> {
    const auth = useAuthStore()
    const uid = auth.userId
    if (uid === null) {
      const claim = await runSend(draft, newSendState(), options.onProgress)
      return { status: 'sent', claim }
    }
    const now = Date.now()
    const record: OutboxRecord = {
      localId: crypto.randomUUID(),
      userId: uid,
      body: { ...draft.body },
      submit: draft.submit,
      title: options.title ?? null,
      photoCount: draft.photos.length,
      state: newSendState(),
      status: 'waiting',
      error: null,
      lastError: null,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    }
    const offline = !isOnline()
    if (!offline) direct.value = new Set(direct.value).add(record.localId)
    // Held from the start, so that no flush (of this tab or another) picks the item up meanwhile.
    const locked = await tryLock(itemLock(record.localId), async (): Promise<SendResult> => {
      let persistent = true
      try {
        // Kept first, so that a page closed half-way through still finishes the send later.
        await storage().add(record, draft.photos)
      } catch {
        persistent = false
      }
      try {
        if (offline) {
          if (!persistent) throw new ApiError({ status: 0, code: 'network_error', title: 'Offline' })
          return { status: 'queued', localId: record.localId, reason: 'offline' }
        }
        const outcome = await attempt(record, draft.photos, persistent, options.onProgress)
        if (outcome.status === 'sent') {
          lastSent.value = outcome.claim
          return { status: 'sent', claim: outcome.claim }
        }
        if (outcome.status === 'waiting') {
          if (!persistent) throw outcome.error
          // The sign-in may have expired on the way: then it waits for the next sign-in.
          return { status: 'queued', localId: record.localId, reason: queueReason(outcome.error) }
        }
        if (outcome.status === 'removed') {
          return { status: 'queued', localId: record.localId, reason: 'offline' }
        }
        // Refused: the composer shows why; nothing stays behind in the outbox.
        if (persistent) await storage().delete(record.localId).catch(() => undefined)
        const error = outcome.error
        if (record.state.claimId !== undefined && error instanceof Error) {
          Object.assign(error, { claimId: record.state.claimId })
        }
        throw error
      } finally {
        if (direct.value.has(record.localId)) {
          const next = new Set(direct.value)
          next.delete(record.localId)
          direct.value = next
        }
        if (persistent) {
          await load()
          announce()
        }
      }
    })
    // A fresh lock name is always free; this is only for the type checker.
    if (!locked.acquired || !locked.value) {
      return { status: 'queued', localId: record.localId, reason: 'offline' }
    }
    return locked.value
  }

  function setProgress(localId: string, value: number | null): void {
    const next = { ...progress.value }
    if (value === null) delete next[localId]
    else next[localId] = value
    progress.value = next
  }

  /**
   * Send what waits, oldest first; one flush at a time (also across tabs), stopping at the first
   * network failure. Failed items wait for `retry`.
   */
  function flush(): Promise<void> {
    if (flushPromise) return flushPromise
    flushPromise = (async () => {
      const auth = useAuthStore()
      if (auth.userId === null || !isOnline()) return
      if (auth.offlineSession && (await auth.resumeOnline()) !== 'online') return
      const uid = auth.userId
      if (uid === null) return
      flushing.value = true
      await tryLock(FLUSH_LOCK, async () => {
        const list = await storage().list(uid)
        for (const listed of list) {
          if (listed.status === 'failed') continue
          if (useAuthStore().userId !== uid || !isOnline()) break
          const result = await tryLock(itemLock(listed.localId), async () => {
            // Another tab may have sent or changed it meanwhile.
            const record = await storage().get(listed.localId)
            if (!record || record.status === 'failed' || record.userId !== uid) return null
            const photos = await storage().photos(record.localId)
            setProgress(record.localId, 0)
            try {
              return await attempt(record, photos, true, (p) =>
                setProgress(record.localId, p.fraction),
              )
            } finally {
              setProgress(record.localId, null)
            }
          })
          const outcome = result.value
          if (!outcome) continue
          if (outcome.status === 'sent') {
            lastSent.value = outcome.claim
            sentCount.value += 1
          }
          await load()
          // No network: the rest would fail the same way.
          if (outcome.status === 'waiting' && isNetworkError(outcome.error)) break
        }
      })
      await load()
      announce()
    })()
      .catch(() => undefined)
      .finally(() => {
        flushing.value = false
        flushPromise = null
      })
    return flushPromise
  }

  /** Send one item now; a refused one gets fresh keys (the old ones would replay the refusal). */
  async function retry(localId: string): Promise<void> {
    const record = await storage().get(localId)
    if (!record) return
    if (record.status === 'failed') {
      if (record.state.claimId === undefined) {
        record.state.createKey = crypto.randomUUID()
        record.state.createUnknownSince = undefined
      }
      record.state.submitKey = crypto.randomUUID()
      record.status = 'waiting'
      record.error = null
      record.updatedAt = Date.now()
      await storage().put(record)
      await load()
      announce()
    }
    await flush()
  }

  /** Discard an item (not while it is being sent). Returns whether it was removed. */
  async function remove(localId: string): Promise<boolean> {
    if (localId in progress.value || direct.value.has(localId)) return false
    await storage().delete(localId)
    await load()
    announce()
    return true
  }

  /** The composed claim, photos included, e.g. to open it again in the form. */
  async function draft(localId: string): Promise<ClaimDraft | null> {
    const record = await storage().get(localId)
    if (!record) return null
    return { body: { ...record.body }, submit: record.submit, photos: await storage().photos(localId) }
  }

  /**
   * How many claims of `userId` wait on this device, whoever is signed in now (the sign-in page
   * says so when that user's sign-in has expired).
   */
  async function countFor(userId: number): Promise<number> {
    try {
      return (await storage().list(userId)).length
    } catch {
      return 0
    }
  }

  /** Forget every item of a user (sign-out). */
  async function clearUser(userId: number): Promise<void> {
    await storage().clearUser(userId)
    if (loadedFor === userId) records.value = []
    announce()
  }

  return {
    records,
    items,
    count,
    waitingCount,
    failedCount,
    flushing,
    busy,
    sentCount,
    lastSent,
    load,
    connect,
    send,
    flush,
    retry,
    remove,
    draft,
    countFor,
    clearUser,
  }
})
