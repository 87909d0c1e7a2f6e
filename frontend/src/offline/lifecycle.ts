// When the outbox is sent and the offline session ends: on start (after the session is
// restored), on the window's 'online' event, when the page becomes visible again, and every
// 30 seconds while claims wait or the session is offline. Background Sync is not used: iPhones
// lack it, and it could not send anyway (the access token lives in the page's memory only).
import { watch } from 'vue'
import type { Pinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { useOutboxStore } from '@/stores/outbox'
import { useConnectivityStore } from '@/stores/connectivity'
import { isFormDirty } from './dirty'

export const FLUSH_INTERVAL_MS = 30 * 1000

export interface OfflineOptions {
  /** The server ended the session while the app was offline: go to sign-in. */
  onSignedOut: () => void
  /** Ask before sign-out deletes `count` unsent claims. */
  confirmDiscard: (count: number) => Promise<boolean>
  interval?: number
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
        void reconnect()
      },
      { immediate: true },
    ),
  )

  return () => stops.forEach((stop) => stop())
}
