// A new version takes over without a manual cache clear.
//
// The service worker is built with skipWaiting + clientsClaim (vite.config.ts), so a new one
// activates at once and removes the old precache. The open page must then move onto the new
// version, but not while the outbox is sending or the person is typing: the reload waits until
// the page is idle, and a page that stays busy moves over at its next navigation (a full load of
// the target). A lazy page whose old file is gone is loaded the same way.
import type { Router } from 'vue-router'
import { isFormDirty } from './dirty'

const UPDATE_CHECK_MS = 60 * 60 * 1000
const IDLE_POLL_MS = 5 * 1000

export interface UpdateOptions {
  router: Router
  /** True while something must not be interrupted (the outbox is sending). */
  isBusy: () => boolean
  /** Tests: what a reload does. */
  reload?: () => void
  navigate?: (path: string) => void
  isDirty?: () => boolean
}

/** The reload logic, apart from the service-worker registration (tested on its own). */
export function createUpdateHandler(options: UpdateOptions) {
  const reload = options.reload ?? (() => window.location.reload())
  const navigate = options.navigate ?? ((path: string) => window.location.assign(path))
  const isDirty = options.isDirty ?? (() => isFormDirty())
  let pending = false
  let timer: ReturnType<typeof setTimeout> | null = null

  function safeNow(): boolean {
    return !options.isBusy() && !isDirty()
  }

  function tryReload(): void {
    timer = null
    if (!pending) return
    if (safeNow()) {
      pending = false
      reload()
    } else {
      timer = setTimeout(tryReload, IDLE_POLL_MS)
    }
  }

  /** The new version is in control: move onto it as soon as it is safe. */
  function needReload(): void {
    pending = true
    if (timer === null) tryReload()
  }

  // Leaving the page is a safe moment: load the target from the new version.
  options.router.beforeEach((to, from) => {
    if (!pending || !from.matched.length || options.isBusy()) return true
    pending = false
    navigate(to.fullPath)
    return false
  })
  // An old lazy chunk that is no longer there: load the page afresh.
  options.router.onError((error, to) => {
    const message = error instanceof Error ? error.message : String(error)
    if (/dynamically imported module|Importing a module script failed|Loading chunk/i.test(message)) {
      navigate(to.fullPath)
    }
  })

  return {
    needReload,
    get pending() {
      return pending
    },
  }
}

/** Register the service worker (production builds) with the safe reload above. */
export async function registerServiceWorker(options: UpdateOptions): Promise<void> {
  const handler = createUpdateHandler(options)
  const { registerSW } = await import('virtual:pwa-register')
  registerSW({
    immediate: true,
    onNeedReload: () => handler.needReload(),
    onRegisteredSW(_url, registration) {
      if (!registration) return
      // An installed PWA may stay open for days: look for a new version now and then.
      const check = () => {
        if (navigator.onLine !== false) void registration.update().catch(() => undefined)
      }
      setInterval(check, UPDATE_CHECK_MS)
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') check()
      })
    },
  })
}
