// When the outbox is sent and the offline session ends: on start (after the session is
// restored), on the window's 'online' event, when the page becomes visible again, and every
// 30 seconds while claims wait or the session is offline. Background Sync is not used: iPhones
// lack it, and it could not send anyway (the access token lives in the page's memory only).
//
// Also what the member's offline screens need (warm.ts): fetched when the page is idle after a
// sign-in or start online, and again when the network returns.
import { watch } from 'vue'
import type { Pinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { useOutboxStore } from '@/stores/outbox'
import { useConnectivityStore } from '@/stores/connectivity'
import { isFormDirty } from './dirty'
import { warmOfflineData, type WarmMember } from './warm'

export const FLUSH_INTERVAL_MS = 30 * 1000
/** The member's offline data is fetched again at most this often (unless something changed). */
export const WARM_INTERVAL_MS = 10 * 60 * 1000

export interface OfflineOptions {
  /** The server ended the session while the app was offline: go to sign-in. */
  onSignedOut: () => void
  /** Ask before sign-out deletes `count` unsent claims. */
  confirmDiscard: (count: number) => Promise<boolean>
  interval?: number
  /** Tests: what fetches the offline data, and how a task waits for an idle moment. */
  warm?: (member: WarmMember) => Promise<void>
  idle?: (task: () => void) => void
}

/** Run a task when the page is idle (soon in any case): after the first screen's own work. */
export function whenIdle(task: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => task(), { timeout: 3000 })
  else setTimeout(task, 1000)
}

/** Wire the outbox and the offline session to the page's events; returns a stop function. */
export function startOffline(pinia: Pinia, options: OfflineOptions): () => void {
  const auth = useAuthStore(pinia)
  const outbox = useOutboxStore(pinia)
  const connectivity = useConnectivityStore(pinia)
  const stops: (() => void)[] = []

  stops.push(connectivity.listen())
  outbox.connect()
  stops.push(
    auth.addLogoutHook({
      confirm: async () => {
        await outbox.load()
        return outbox.count === 0 || options.confirmDiscard(outbox.count)
      },
      cleanup: (userId) => outbox.clearUser(userId),
    }),
  )

  const warm = options.warm ?? warmOfflineData
  const idle = options.idle ?? whenIdle
  let warmed: { userId: number; at: number } | null = null
  let warming = false
  /** Fetch what the member's offline screens need, if signed in (not offline) and online. */
  function warmUp(force: boolean): void {
    if (warming) return
    const fresh = warmed && warmed.userId === auth.userId && Date.now() - warmed.at < WARM_INTERVAL_MS
    if (fresh && !force) return
    warming = true
    idle(() => {
      const member = auth.me?.member
      const userId = auth.userId
      const online = navigator.onLine !== false && connectivity.reachable
      const signedIn = auth.isAuthenticated && !auth.offlineSession && !auth.mustChangePassword
      if (!member || userId === null || !online || !signedIn) {
        warming = false
        return
      }
      void warm(member)
        .then(() => {
          warmed = { userId, at: Date.now() }
        })
        .catch(() => undefined)
        .finally(() => {
          warming = false
        })
    })
  }

  let checking: Promise<void> | null = null
  /** Back online (perhaps): end the offline session, send what waits, refresh stale data. */
  function reconnect(): Promise<void> {
    checking ??= (async () => {
      if (navigator.onLine === false) return
      // What is on screen may be old: cached answers, or a list without the claims sent now.
      const stale = connectivity.showingCachedData || auth.offlineSession
      const sentBefore = outbox.sentCount
      if (auth.offlineSession) {
        const result = await auth.resumeOnline()
        if (result === 'signed-out') {
          options.onSignedOut()
          return
        }
        if (result === 'offline') return
      }
      if (auth.userId !== null) await outbox.flush()
      // Pages load afresh, unless someone is typing.
      const changed = stale || outbox.sentCount > sentBefore
      if (auth.userId !== null) warmUp(changed)
      if (changed && connectivity.reachable && !isFormDirty()) connectivity.refreshView()
    })().finally(() => {
      checking = null
    })
    return checking
  }

  const onOnline = () => void reconnect()
  const onVisible = () => {
    if (document.visibilityState === 'visible') void reconnect()
  }
  window.addEventListener('online', onOnline)
  document.addEventListener('visibilitychange', onVisible)
  const timer = setInterval(() => {
    if (outbox.waitingCount > 0 || auth.offlineSession) void reconnect()
  }, options.interval ?? FLUSH_INTERVAL_MS)
  stops.push(() => {
    window.removeEventListener('online', onOnline)
    document.removeEventListener('visibilitychange', onVisible)
    clearInterval(timer)
  })

  // Whoever signs in sees (and sends) their own waiting claims; that includes the start.
  stops.push(
    watch(
      () => auth.userId,
      async () => {
        await outbox.load()
        // A sign-in during a check that began before it still gets its offline data.
        void reconnect().then(() => warmUp(false))
      },
      { immediate: true },
    ),
  )

  return () => stops.forEach((stop) => stop())
}
