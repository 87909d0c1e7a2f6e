// What the offline features keep on the device, behind one small interface: the outbox (claims
// composed without a network, with their photos), the last answers of GET requests, and the
// last profile of the signed-in user (never a token).
//
// The app uses IndexedDB (db.ts); tests, and browsers where IndexedDB cannot be opened, use the
// in-memory version below. `setOfflineStorage` swaps the implementation (tests).
import type { Me } from '@/api/types'
import { createIdbStorage } from './db'

/** A photo as the member picked it; IndexedDB stores the Blob itself. */
export interface PhotoFile {
  blob: Blob
  name: string
}

/** What a send remembers between attempts so a retry continues where it stopped. */
export interface SendState {
  /** Idempotency-Key of POST /claims. */
  createKey: string
  /** Idempotency-Key of POST /claims/{id}/submit. */
  submitKey: string
  /** Set once the server has created the claim. */
  claimId?: number
  /** How many photos are up (in order). */
  uploaded: number
  /**
   * When a create was first sent without its answer arriving (ms since epoch): the server may
   * have created the claim. Idempotency keys live 24 hours, so a retry much later looks for the
   * claim before creating it again.
   */
  createUnknownSince?: number
}

/** A refusal as it is kept for the member to read (an ApiError's fields). */
export interface StoredError {
  status: number
  code: string
  title: string
  detail: string | null
}

export type OutboxStatus = 'waiting' | 'failed'

/** One claim waiting in the outbox (its photos are kept apart, see `OutboxPhotos`). */
export interface OutboxRecord {
  localId: string
  /** The signed-in user who composed it; nobody else's session sends it. */
  userId: number
  body: {
    item_id: number
    occurred_on: string
    quantity: number
    description: string
  }
  submit: boolean
  /** Item title for the list of waiting claims, when the composer knew it. */
  title: string | null
  photoCount: number
  state: SendState
  status: OutboxStatus
  /** Why the server refused it (status 'failed'). */
  error: StoredError | null
  /** The last reason a send did not get through (network, 5xx); informational. */
  lastError: StoredError | null
  attempts: number
  createdAt: number
  updatedAt: number
}

export interface OutboxPhotos {
  localId: string
  photos: PhotoFile[]
}

export interface CacheRecord {
  /** `${userId} ${path}` */
  key: string
  userId: number
  path: string
  body: unknown
  savedAt: number
}

export interface MeSnapshot {
  userId: number
  me: Me
  savedAt: number
}

export interface OfflineStorage {
  outbox: {
    list(userId: number): Promise<OutboxRecord[]>
    get(localId: string): Promise<OutboxRecord | undefined>
    /** Add a new item with its photos (one transaction). */
    add(record: OutboxRecord, photos: PhotoFile[]): Promise<void>
    /** Save an item's state and status (the photos do not change). */
    put(record: OutboxRecord): Promise<void>
    photos(localId: string): Promise<PhotoFile[]>
    delete(localId: string): Promise<void>
    /** Every item of one user (sign-out). */
    clearUser(userId: number): Promise<void>
  }
  cache: {
    get(key: string): Promise<CacheRecord | undefined>
    /** Save an answer and keep only the newest `limit` entries. */
    put(record: CacheRecord, limit: number): Promise<void>
    /** Forget the answers of one user, or of everyone. */
    clear(userId?: number): Promise<void>
  }
  session: {
    getMe(): Promise<MeSnapshot | undefined>
    putMe(snapshot: MeSnapshot): Promise<void>
    clearMe(): Promise<void>
    /** A sign-out that could not reach the server; done at the next start. */
    getLogoutPending(): Promise<boolean>
    setLogoutPending(pending: boolean): Promise<void>
  }
}

const copyRecord = (record: OutboxRecord): OutboxRecord => ({
  ...record,
  body: { ...record.body },
  state: { ...record.state },
  error: record.error ? { ...record.error } : null,
  lastError: record.lastError ? { ...record.lastError } : null,
})

/** The same interface in memory: for tests, and when IndexedDB is unavailable. */
export function createMemoryStorage(): OfflineStorage {
  const outbox = new Map<string, OutboxRecord>()
  const photos = new Map<string, PhotoFile[]>()
  const cache = new Map<string, CacheRecord>()
  let me: MeSnapshot | undefined
  let logoutPending = false

  return {
    outbox: {
      async list(userId) {
        return [...outbox.values()]
          .filter((r) => r.userId === userId)
          .sort((a, b) => a.createdAt - b.createdAt)
          .map(copyRecord)
      },
      async get(localId) {
        const record = outbox.get(localId)
        return record ? copyRecord(record) : undefined
      },
      async add(record, files) {
        outbox.set(record.localId, copyRecord(record))
        photos.set(record.localId, [...files])
      },
      async put(record) {
        outbox.set(record.localId, copyRecord(record))
      },
      async photos(localId) {
        return [...(photos.get(localId) ?? [])]
      },
      async delete(localId) {
        outbox.delete(localId)
        photos.delete(localId)
      },
      async clearUser(userId) {
        for (const [id, record] of outbox) {
          if (record.userId === userId) {
            outbox.delete(id)
            photos.delete(id)
          }
        }
      },
    },
    cache: {
      async get(key) {
        return cache.get(key)
      },
      async put(record, limit) {
        cache.delete(record.key)
        cache.set(record.key, record)
        const excess = cache.size - limit
        if (excess > 0) {
          const oldest = [...cache.values()].sort((a, b) => a.savedAt - b.savedAt).slice(0, excess)
          for (const r of oldest) cache.delete(r.key)
        }
      },
      async clear(userId) {
        if (userId === undefined) cache.clear()
        else for (const [key, r] of cache) if (r.userId === userId) cache.delete(key)
      },
    },
    session: {
      async getMe() {
        return me
      },
      async putMe(snapshot) {
        me = snapshot
      },
      async clearMe() {
        me = undefined
      },
      async getLogoutPending() {
        return logoutPending
      },
      async setLogoutPending(pending) {
        logoutPending = pending
      },
    },
  }
}

let current: OfflineStorage | null = null

/** The storage in use: IndexedDB where the browser has it, memory otherwise. */
export function offlineStorage(): OfflineStorage {
  current ??=
    typeof indexedDB === 'undefined' ? createMemoryStorage() : createIdbStorage(createMemoryStorage)
  return current
}

/** Replace the storage (tests). */
export function setOfflineStorage(storage: OfflineStorage): void {
  current = storage
}
