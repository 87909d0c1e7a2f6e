// Sign-in, session refresh, sign-out and password change: /api/v1/auth/*.
import { http } from './http'
import type { TokenResponse } from './types'

/** Sign in; the server also sets the HttpOnly refresh cookie. Errors are left to the page. */
export function login(username: string, password: string): Promise<TokenResponse> {
  return http.post<TokenResponse>('/auth/login', { username, password }, { auth: false, silent: true })
}

/** Exchange the refresh cookie for a new access token. */
export function refresh(): Promise<TokenResponse> {
  return http.post<TokenResponse>('/auth/refresh', undefined, { auth: false, silent: true })
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
