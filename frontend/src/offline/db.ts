// The offline storage in IndexedDB (through `idb`): outbox items, their photos (as Blobs), the
// last GET answers and the last profile. If the database cannot be opened (some private modes),
// everything falls back to memory for this visit.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type {
  CacheRecord,
  MeSnapshot,
  OfflineStorage,
  OutboxRecord,
  PhotoFile,
} from './storage'

export const DB_NAME = 'vanguard-offline'
const DB_VERSION = 1

/** A photo as stored: a Blob, or its bytes where the browser cannot store Blobs. */
interface StoredPhoto {
  name: string
  type: string
  data: Blob | ArrayBuffer
}

interface OfflineDB extends DBSchema {
  outbox: { key: string; value: OutboxRecord; indexes: { userId: number } }
  photos: { key: string; value: { localId: string; photos: StoredPhoto[] } }
  cache: { key: string; value: CacheRecord; indexes: { savedAt: number; userId: number } }
  session: { key: string; value: { key: string; value: unknown } }
}

const ME_KEY = 'me'
const LOGOUT_KEY = 'logout-pending'

function open(): Promise<IDBPDatabase<OfflineDB>> {
  return openDB<OfflineDB>(DB_NAME, DB_VERSION, {
    upgrade(db) {
      const outbox = db.createObjectStore('outbox', { keyPath: 'localId' })
      outbox.createIndex('userId', 'userId')
      db.createObjectStore('photos', { keyPath: 'localId' })
      const cache = db.createObjectStore('cache', { keyPath: 'key' })
      cache.createIndex('savedAt', 'savedAt')
      cache.createIndex('userId', 'userId')
      db.createObjectStore('session', { keyPath: 'key' })
    },
    blocking() {
      // A newer version of the app wants to upgrade the schema: let it.
      void dbPromise?.then((db) => db.close())
      dbPromise = null
    },
    terminated() {
      dbPromise = null
    },
  })
}

let dbPromise: Promise<IDBPDatabase<OfflineDB>> | null = null

function isCloneError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'DataCloneError'
}

async function toStored(photos: PhotoFile[], asBytes: boolean): Promise<StoredPhoto[]> {
  return Promise.all(
    photos.map(async (p) => ({
      name: p.name,
      type: p.blob.type,
      data: asBytes ? await p.blob.arrayBuffer() : p.blob,
    })),
  )
}

function fromStored(photos: StoredPhoto[]): PhotoFile[] {
  return photos.map((p) => ({
    name: p.name,
    blob: p.data instanceof Blob ? p.data : new Blob([p.data], { type: p.type }),
  }))
}

/** IndexedDB storage; `fallback` takes over if the database cannot be opened. */
export function createIdbStorage(fallback: () => OfflineStorage): OfflineStorage {
  let memory: OfflineStorage | null = null
  async function db(): Promise<IDBPDatabase<OfflineDB> | null> {
    if (memory) return null
    dbPromise ??= open()
    try {
      return await dbPromise
    } catch {
      dbPromise = null
      memory = fallback()
      return null
    }
  }
  const mem = () => memory as OfflineStorage

  return {
    outbox: {
      async list(userId) {
        const d = await db()
        if (!d) return mem().outbox.list(userId)
        const records = await d.getAllFromIndex('outbox', 'userId', userId)
        return records.sort((a, b) => a.createdAt - b.createdAt)
      },
      async get(localId) {
        const d = await db()
        if (!d) return mem().outbox.get(localId)
        return d.get('outbox', localId)
      },
      async add(record, photos) {
        const d = await db()
        if (!d) return mem().outbox.add(record, photos)
        const write = async (stored: StoredPhoto[]) => {
          const tx = d.transaction(['outbox', 'photos'], 'readwrite')
          await Promise.all([
            tx.objectStore('photos').put({ localId: record.localId, photos: stored }),
            tx.objectStore('outbox').put(record),
            tx.done,
          ])
        }
        try {
          await write(await toStored(photos, false))
        } catch (error) {
          // Older WebKit could not store Blobs in IndexedDB: keep the bytes instead.
          if (!isCloneError(error)) throw error
          await write(await toStored(photos, true))
        }
      },
      async put(record) {
        const d = await db()
        if (!d) return mem().outbox.put(record)
        await d.put('outbox', record)
      },
      async photos(localId) {
        const d = await db()
        if (!d) return mem().outbox.photos(localId)
        const row = await d.get('photos', localId)
        return row ? fromStored(row.photos) : []
      },
      async delete(localId) {
        const d = await db()
        if (!d) return mem().outbox.delete(localId)
        const tx = d.transaction(['outbox', 'photos'], 'readwrite')
        await Promise.all([
          tx.objectStore('outbox').delete(localId),
          tx.objectStore('photos').delete(localId),
          tx.done,
        ])
      },
      async clearUser(userId) {
        const d = await db()
        if (!d) return mem().outbox.clearUser(userId)
        const tx = d.transaction(['outbox', 'photos'], 'readwrite')
        const ids = await tx.objectStore('outbox').index('userId').getAllKeys(userId)
        await Promise.all([
          ...ids.flatMap((id) => [tx.objectStore('outbox').delete(id), tx.objectStore('photos').delete(id)]),
          tx.done,
        ])
      },
    },
    cache: {
      async get(key) {
        const d = await db()
        if (!d) return mem().cache.get(key)
        return d.get('cache', key)
      },
      async put(record, limit) {
        const d = await db()
        if (!d) return mem().cache.put(record, limit)
        const tx = d.transaction('cache', 'readwrite')
        await tx.store.put(record)
        let excess = (await tx.store.count()) - limit
        if (excess > 0) {
          let cursor = await tx.store.index('savedAt').openCursor()
          while (cursor && excess > 0) {
            await cursor.delete()
            excess -= 1
            cursor = await cursor.continue()
          }
        }
        await tx.done
      },
      async clear(userId) {
        const d = await db()
        if (!d) return mem().cache.clear(userId)
        if (userId === undefined) {
          await d.clear('cache')
          return
        }
        const tx = d.transaction('cache', 'readwrite')
        const keys = await tx.store.index('userId').getAllKeys(userId)
        await Promise.all([...keys.map((k) => tx.store.delete(k)), tx.done])
      },
    },
    session: {
      async getMe() {
        const d = await db()
        if (!d) return mem().session.getMe()
        return (await d.get('session', ME_KEY))?.value as MeSnapshot | undefined
      },
      async putMe(snapshot) {
        const d = await db()
        if (!d) return mem().session.putMe(snapshot)
        await d.put('session', { key: ME_KEY, value: snapshot })
      },
      async clearMe() {
        const d = await db()
        if (!d) return mem().session.clearMe()
        await d.delete('session', ME_KEY)
      },
      async getLogoutPending() {
        const d = await db()
        if (!d) return mem().session.getLogoutPending()
        return (await d.get('session', LOGOUT_KEY))?.value === true
      },
      async setLogoutPending(pending) {
        const d = await db()
        if (!d) return mem().session.setLogoutPending(pending)
        if (pending) await d.put('session', { key: LOGOUT_KEY, value: true })
        else await d.delete('session', LOGOUT_KEY)
      },
    },
  }
}
