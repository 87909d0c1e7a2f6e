// Sign-in, session refresh, sign-out and password change: /api/v1/auth/*.
import { http } from './http'
import type { TokenResponse } from './types'

/** Sign in; the server also sets the HttpOnly refresh cookie. Errors are left to the page. */
export function login(username: string, password: string): Promise<TokenResponse> {
  return http.post<TokenResponse>('/auth/login', { username, password }, { auth: false, silent: true })
}

/** The Web Lock every tab of the app takes around its refresh (see `refresh`). */
export const REFRESH_LOCK = 'vanguard-auth-refresh'

type LockManagerLike = {
  request: <T>(name: string, callback: () => Promise<T>) => Promise<T>
}

function lockManager(): LockManagerLike | null {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks
  return locks && typeof locks.request === 'function' ? locks : null
}

/**
 * Exchange the refresh cookie for a new access token (and a new refresh cookie).
 *
 * The tabs of the app share the cookie, and each rotation replaces it; so one tab refreshes at a
 * time, holding a Web Lock until its new cookie is stored. A tab that waited then sends the cookie
 * the other tab received, not the one just rotated. Browsers without navigator.locks refresh at
 * once: for a few seconds after a rotation the server answers the old cookie with the current
 * one, so such tabs are not signed out either.
 */
export function refresh(): Promise<TokenResponse> {
  const call = () =>
    http.post<TokenResponse>('/auth/refresh', undefined, { auth: false, silent: true })
  const locks = lockManager()
  if (!locks) return call()
  let called = false
  return locks
    .request(REFRESH_LOCK, () => {
      called = true
      return call()
    })
    .catch((error: unknown) => {
      // The lock itself failed (e.g. refused to this document), not the call: go without it.
      if (!called) return call()
      throw error
    })
}

/** End the session and clear the refresh cookie. */
export function logout(): Promise<void> {
  return http.post<void>('/auth/logout', undefined, { silent: true })
}

/** Change the signed-in user's password; 400 wrong_password and 422 are shown by the page. */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return http.post<void>(
    '/auth/password',
    { current_password: currentPassword, new_password: newPassword },
    { silent: [400, 422] },
  )
}
