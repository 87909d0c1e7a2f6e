// The session: access token (memory only), who is signed in, and their roles.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import { getMe } from '@/api/me'
import type { Me, Role, TokenResponse } from '@/api/types'

export const useAuthStore = defineStore('auth', () => {
  // Never persisted: a reload restores the session through the HttpOnly refresh cookie.
  const accessToken = ref<string | null>(null)
  const expiresAt = ref<number | null>(null)
  const mustChangePassword = ref(false)
  const me = ref<Me | null>(null)
  let restoring: Promise<void> | null = null

  const isAuthenticated = computed(() => accessToken.value !== null)
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

  /** Forget the session locally (the cookie is the server's business). */
  function clear(): void {
    accessToken.value = null
    expiresAt.value = null
    mustChangePassword.value = false
    me.value = null
  }

  async function loadMe(): Promise<Me> {
    const result = await getMe()
    me.value = result
    // The server's word wins over what the token response said.
    mustChangePassword.value = result.user.must_change_password
    return result
  }

  /** Sign in, then load the profile; returns whether the password must be changed first. */
  async function login(username: string, password: string): Promise<{ mustChangePassword: boolean }> {
    const tokens = await authApi.login(username, password)
    applyTokens(tokens)
    try {
      await loadMe()
    } catch (error) {
      clear()
      throw error
    }
    return { mustChangePassword: mustChangePassword.value }
  }

  /** New access token from the refresh cookie; null (and a cleared session) when that fails. */
  async function refresh(): Promise<string | null> {
    try {
      applyTokens(await authApi.refresh())
      return accessToken.value
    } catch {
      clear()
      return null
    }
  }

  /** Once per page load: try to resume the session from the refresh cookie. */
  function restore(): Promise<void> {
    if (!restoring) {
      restoring = (async () => {
        if (accessToken.value) return
        if (!(await refresh())) return
        try {
          await loadMe()
        } catch {
          clear()
        }
      })()
    }
    return restoring
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await authApi.changePassword(currentPassword, newPassword)
    mustChangePassword.value = false
    if (me.value) me.value = { ...me.value, user: { ...me.value.user, must_change_password: false } }
    // A token minted before the change may still say "must change"; swap it for a fresh one.
    try {
      const tokens = await authApi.refresh()
      applyTokens(tokens)
    } catch {
      // Keep the current token; a later 401 goes through the normal refresh path.
    }
    await loadMe().catch(() => undefined)
  }

  async function logout(): Promise<void> {
    try {
      if (accessToken.value) await authApi.logout()
    } catch {
      // Signing out locally is what matters to the person holding the phone.
    } finally {
      clear()
    }
  }

  return {
    accessToken,
    expiresAt,
    mustChangePassword,
    me,
    isAuthenticated,
    roles,
    displayName,
    hasRole,
    clear,
    loadMe,
    login,
    refresh,
    restore,
    changePassword,
    logout,
  }
})
