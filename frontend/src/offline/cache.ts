// The last data without a network: the JSON answers of GET requests, kept per user and path in
// IndexedDB (newest CACHE_LIMIT entries), handed back by the HTTP client when a GET cannot reach
// the server. Sign-out forgets them.
import type { HttpCache } from '@/api/http'
import { offlineStorage } from './storage'

export const CACHE_LIMIT = 200

/** Paths whose answers are never kept: the session's own calls. */
const NOT_CACHED = [/^\/auth\//]

export function cacheKey(userId: number, path: string): string {
  return `${userId} ${path}`
}

export function isCacheablePath(path: string): boolean {
  return !NOT_CACHED.some((pattern) => pattern.test(path))
}

/**
 * The cache the HTTP client uses; `userId` names the signed-in user (null: keep nothing, since
 * answers must never be shown to someone else).
 */
export function createApiCache(
  userId: () => number | null | undefined,
  options: { limit?: number; now?: () => number } = {},
): HttpCache {
  const limit = options.limit ?? CACHE_LIMIT
  const now = options.now ?? Date.now
  return {
    get: (path) => readCached(userId(), path),
    put(path, body) {
      const uid = userId()
      if (uid === null || uid === undefined || !isCacheablePath(path)) return
      // A copy now: the page may change the object it got before the write happens.
      const copy =
        typeof structuredClone === 'function' ? structuredClone(body) : JSON.parse(JSON.stringify(body))
      void offlineStorage()
        .cache.put({ key: cacheKey(uid, path), userId: uid, path, body: copy, savedAt: now() }, limit)
        .catch(() => undefined)
    },
  }
}

/**
 * The kept answer to another path than the one a page asked for (e.g. a page built from a wider
 * list the app keeps): a page reads it itself when its own request found nothing.
 */
export async function readCached<T>(
  userId: number | null | undefined,
  path: string,
): Promise<{ body: T; savedAt: number } | undefined> {
  if (userId === null || userId === undefined || !isCacheablePath(path)) return undefined
  try {
    const record = await offlineStorage().cache.get(cacheKey(userId, path))
    return record ? { body: record.body as T, savedAt: record.savedAt } : undefined
  } catch {
    return undefined
  }
}

/** Forget cached answers (of one user, or all). */
export function clearApiCache(userId?: number): Promise<void> {
  return offlineStorage().cache.clear(userId).catch(() => undefined)
}
