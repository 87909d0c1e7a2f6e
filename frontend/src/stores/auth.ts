// The session: access token (memory only), who is signed in, and their roles.
//
// Offline: the last profile (never a token) is kept on the device. When the refresh cookie
// cannot be checked because the server is out of reach, the app opens in an "offline session":
// signed in for routing with that profile, API reads answered from the cache, claims queued in
// the outbox. Back online, `resumeOnline` refreshes for real (a 401 then ends the session).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import { getMe } from '@/api/me'
import type { Me, Role, TokenResponse } from '@/api/types'
import {
  decideAfterRefreshFailure,
  forgetSession,
  isTransientError,
  loadMeSnapshot,
  logoutPending,
  saveMeSnapshot,
  setLogoutPending,
} from '@/offline/session'

/** Extra steps of a sign-out (the outbox asks before discarding unsent claims). */
export interface LogoutHook {
  /** Resolve false to cancel the sign-out. */
  confirm?: () => Promise<boolean>
  /** Forget what belongs to the user who signs out. */
  cleanup?: (userId: number) => Promise<void>
}

export const useAuthStore = defineStore('auth', () => {
  // Never persisted: a reload restores the session through the HttpOnly refresh cookie.
  const accessToken = ref<string | null>(null)
  const expiresAt = ref<number | null>(null)
  const mustChangePassword = ref(false)
  const me = ref<Me | null>(null)
  /** Signed in from the saved profile, without a token, because the server was out of reach. */
  const offlineSession = ref(false)
  /**
   * The user whose sign-in the server ended (expired, or revoked elsewhere) rather than they
   * signing out; null again once someone signs in or out. The sign-in page says the sign-in has
   * expired, and that this user's waiting claims are sent after signing in.
   */
  const expiredFor = ref<number | null>(null)
  let restoring: Promise<void> | null = null
  let resuming: Promise<'online' | 'offline' | 'signed-out'> | null = null
  const logoutHooks = new Set<LogoutHook>()
  /**
   * Refresh calls under way. The server rotates the refresh cookie on each one, so the page must
   * not be reloaded (e.g. onto a new version) while one is in flight.
   */
  const refreshesInFlight = ref(0)

  async function rotate(): Promise<TokenResponse> {
    refreshesInFlight.value += 1
    try {
      return await authApi.refresh()
    } finally {
      refreshesInFlight.value -= 1
    }
  }

  const isAuthenticated = computed(() => accessToken.value !== null || offlineSession.value)
  const userId = computed(() => me.value?.user.id ?? null)
  const roles = computed(() => me.value?.roles ?? [])
  const roleSet = computed(() => {
    const set = new Set<Role>(roles.value.map((r) => r.role))
    if (me.value?.user.is_superadmin) set.add('superadmin')
    return set
  })
  const displayName = computed(
    () => me.value?.member?.name || me.value?.user.display_name || me.value?.user.username || '',
  )

  function hasRole(...wanted: Role[]): boolean {
    return wanted.some((r) => roleSet.value.has(r))
  }

  function applyTokens(tokens: TokenResponse): void {
    accessToken.value = tokens.access_token
    expiresAt.value = Date.now() + tokens.expires_in * 1000
    mustChangePassword.value = tokens.must_change_password
  }

  /**
   * Forget the session locally (the cookie is the server's business), with the saved profile and
   * the cached answers: the session is over. Unsent claims stay (they are the user's; see logout).
   */
  function clear(): void {
    accessToken.value = null
    expiresAt.value = null
    mustChangePassword.value = false
    me.value = null
    offlineSession.value = false
    void forgetSession()
  }

  /** The server refused the session of whoever is signed in: forget it, and remember why. */
  function expire(): void {
    const id = me.value?.user.id ?? null
    if (id !== null) expiredFor.value = id
    clear()
  }

  async function loadMe(): Promise<Me> {
    const result = await getMe()
    me.value = result
    // The server's word wins over what the token response said.
    mustChangePassword.value = result.user.must_change_password
    void saveMeSnapshot(result)
    return result
  }

  /** Carry on with the saved profile; false when there is none worth using. */
  async function enterOfflineSession(error: unknown): Promise<boolean> {
    const snapshot = await loadMeSnapshot()
    if (decideAfterRefreshFailure(error, snapshot) !== 'offline-session' || !snapshot) return false
    me.value = snapshot.me
    mustChangePassword.value = snapshot.me.user.must_change_password
    offlineSession.value = true
    return true
  }

  /** Sign in, then load the profile; returns whether the password must be changed first. */
  async function login(username: string, password: string): Promise<{ mustChangePassword: boolean }> {
    const tokens = await authApi.login(username, password)
    applyTokens(tokens)
    offlineSession.value = false
    expiredFor.value = null
    // A new session replaces the cookie an offline sign-out could not revoke.
    void setLogoutPending(false)
    try {
      await loadMe()
    } catch (error) {
      clear()
      throw error
    }
    return { mustChangePassword: mustChangePassword.value }
  }

  /**
   * New access token from the refresh cookie; null (and a cleared session) when the server says
   * the session is gone. When the server cannot be reached, rejects with that error and leaves
   * the session as it is (offline, it may well still be valid).
   */
  async function refresh(): Promise<string | null> {
    let tokens: TokenResponse
    try {
      tokens = await rotate()
    } catch (error) {
      if (isTransientError(error)) throw error
      expire()
      return null
    }
    applyTokens(tokens)
    if (offlineSession.value) {
      // Back online through a request's 401: the real profile replaces the saved one.
      offlineSession.value = false
      void loadMe().catch(() => undefined)
    }
    return accessToken.value
  }

  /** The sign-out could not reach the server before: revoke that session now, stay signed out. */
  async function finishPendingLogout(rotation: Promise<TokenResponse> = rotate()): Promise<void> {
    try {
      applyTokens(await rotation)
      await authApi.logout()
    } catch (error) {
      if (isTransientError(error)) {
        clear()
        return // still out of reach: try again at the next start
      }
    }
    await setLogoutPending(false)
    clear()
  }

  /** Once per page load: try to resume the session from the refresh cookie. */
  function restore(): Promise<void> {
    if (!restoring) {
      restoring = (async () => {
        if (accessToken.value) return
        // The refresh goes out while the device's flag is read (not after): a pending sign-out
        // needs a fresh token too, to revoke the session with it.
        const rotation = rotate()
        rotation.catch(() => undefined)
        if (await logoutPending()) {
          await finishPendingLogout(rotation)
          return
        }
        let tokens: TokenResponse
        try {
          tokens = await rotation
        } catch (error) {
          if (await enterOfflineSession(error)) return
          // Refused while this device still has the profile: the sign-in has expired.
          const snapshot = isTransientError(error) ? undefined : await loadMeSnapshot()
          if (snapshot) expiredFor.value = snapshot.userId
          clear()
          return
        }
        applyTokens(tokens)
        try {
          await loadMe()
        } catch (error) {
          // Token in hand but the profile did not come: the saved one will do for now.
          if (!(isTransientError(error) && (await adoptSavedProfile()))) clear()
        }
      })()
    }
    return restoring
  }

  async function adoptSavedProfile(): Promise<boolean> {
    const snapshot = await loadMeSnapshot()
    if (!snapshot) return false
    me.value = snapshot.me
    mustChangePassword.value = snapshot.me.user.must_change_password
    return true
  }

  /**
   * In an offline session, try the refresh cookie for real: 'online' (token and fresh profile),
   * 'offline' (still out of reach) or 'signed-out' (the server ended the session: go to login).
   */
  function resumeOnline(): Promise<'online' | 'offline' | 'signed-out'> {
    if (!offlineSession.value) {
      return Promise.resolve(isAuthenticated.value ? 'online' : 'signed-out')
    }
    resuming ??= (async () => {
      let tokens: TokenResponse
      try {
        tokens = await rotate()
      } catch (error) {
        if (isTransientError(error)) return 'offline' as const
        expire()
        return 'signed-out' as const
      }
      applyTokens(tokens)
      offlineSession.value = false
      await loadMe().catch(() => undefined)
      return 'online' as const
    })().finally(() => {
      resuming = null
    })
    return resuming
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await authApi.changePassword(currentPassword, newPassword)
    mustChangePassword.value = false
    if (me.value) me.value = { ...me.value, user: { ...me.value.user, must_change_password: false } }
    // A token minted before the change may still say "must change"; swap it for a fresh one.
    try {
      const tokens = await rotate()
      applyTokens(tokens)
    } catch {
      // Keep the current token; a later 401 goes through the normal refresh path.
    }
    await loadMe().catch(() => undefined)
  }

  /** Register extra sign-out steps; returns a function that removes them. */
  function addLogoutHook(hook: LogoutHook): () => void {
    logoutHooks.add(hook)
    return () => logoutHooks.delete(hook)
  }

  /**
   * Sign out: ask the hooks (unsent claims), end the session on the server, forget everything
   * about this user on the device. Resolves false when the person changed their mind. A server
   * out of reach cannot revoke the cookie now, so that is done at the next start.
   */
  async function logout(): Promise<boolean> {
    for (const hook of logoutHooks) {
      if (hook.confirm && !(await hook.confirm())) return false
    }
    const leaving = me.value?.user.id ?? null
    expiredFor.value = null
    try {
      if (!accessToken.value && offlineSession.value) applyTokens(await rotate())
      if (accessToken.value) await authApi.logout()
    } catch (error) {
      // Signing out locally is what matters to the person holding the phone.
      if (isTransientError(error)) await setLogoutPending(true)
    } finally {
      if (leaving !== null) {
        for (const hook of logoutHooks) await hook.cleanup?.(leaving).catch(() => undefined)
      }
      clear()
    }
    return true
  }

  return {
    accessToken,
    expiresAt,
    mustChangePassword,
    me,
    offlineSession,
    expiredFor,
    refreshesInFlight,
    isAuthenticated,
    userId,
    roles,
    displayName,
    hasRole,
    clear,
    loadMe,
    login,
    refresh,
    restore,
    resumeOnline,
    changePassword,
    logout,
    addLogoutHook,
  }
})
