// Opening the app without a network: the last profile of the signed-in user (never a token) is
// kept on the device, and when the refresh cookie cannot be checked because the server is out of
// reach, the app carries on in an "offline session" with that profile.
import { ApiError } from '@/api/http'
import type { Me } from '@/api/types'
import { offlineStorage, type MeSnapshot } from './storage'

/** The refresh cookie lives 14 days (app/config.py refresh_token_days); an older profile is dead. */
export const SNAPSHOT_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000

/**
 * The server could not be reached or could not answer: nothing is known about the session.
 * A network failure (status 0) or a gateway/server failure (5xx); 401 and other refusals are
 * the server's word.
 */
export function isTransientError(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500)
}

export type RestoreDecision = 'offline-session' | 'signed-out'

/**
 * What to do when the refresh at start-up failed: carry on offline with the saved profile only
 * when the server was out of reach and the profile is recent enough for the cookie to be alive.
 */
export function decideAfterRefreshFailure(
  error: unknown,
  snapshot: MeSnapshot | undefined,
  now: number = Date.now(),
): RestoreDecision {
  if (!isTransientError(error) || !snapshot) return 'signed-out'
  if (now - snapshot.savedAt > SNAPSHOT_MAX_AGE_MS) return 'signed-out'
  return 'offline-session'
}

export async function saveMeSnapshot(me: Me, now: number = Date.now()): Promise<void> {
  await offlineStorage()
    .session.putMe({ userId: me.user.id, me, savedAt: now })
    .catch(() => undefined)
}

export async function loadMeSnapshot(): Promise<MeSnapshot | undefined> {
  return offlineStorage()
    .session.getMe()
    .catch(() => undefined)
}

/** Forget the saved profile and every cached answer (the session is over). */
export async function forgetSession(): Promise<void> {
  const storage = offlineStorage()
  await Promise.all([
    storage.session.clearMe().catch(() => undefined),
    storage.cache.clear().catch(() => undefined),
  ])
}

export function logoutPending(): Promise<boolean> {
  return offlineStorage()
    .session.getLogoutPending()
    .catch(() => false)
}

export function setLogoutPending(pending: boolean): Promise<void> {
  return offlineStorage()
    .session.setLogoutPending(pending)
    .catch(() => undefined)
}
