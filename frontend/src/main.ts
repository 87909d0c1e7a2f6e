// Application entry: wires the HTTP client to the session store, router and notifications,
// and the offline parts (last-data cache, outbox, service worker) to the page.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import './styles/theme.css'
import App from './App.vue'
import { configureHttp } from './api/http'
import { errorMessage } from './api/messages'
import { i18n, savedLocale, setLocale } from './locales'
import { START_LOCATION } from 'vue-router'
import { createAppRouter, redirectQuery, type PageModule } from './router'
import { useAuthStore } from './stores/auth'
import { createApiCache } from './offline/cache'
import { useConnectivityStore } from './stores/connectivity'
import { prefetchHomeReads } from './composables/useHomeReads'
import { afterPaintWhenIdle, yieldToMain } from './lib/schedule'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()
app.use(pinia).use(i18n).use(router)

const auth = useAuthStore(pinia)
const connectivity = useConnectivityStore(pinia)

/** The public rating page (扫码评议) stands alone: no session, outbox, icon font or service worker. */
const standalone = () => router.currentRoute.value.name === 'evaluate'

function toSignIn(): void {
  const current = router.currentRoute.value
  if (!current.meta.public) {
    void router.replace({ name: 'login', query: redirectQuery(current.fullPath) })
  }
}

configureHttp({
  getAccessToken: () => auth.accessToken,
  refreshAccessToken: () => auth.refresh(),
  onUnauthenticated: () => {
    auth.clear()
    toSignIn()
  },
  onPasswordChangeRequired: () => {
    auth.mustChangePassword = true
    const current = router.currentRoute.value
    if (current.name !== 'password') {
      void router.replace({ name: 'password', query: redirectQuery(current.fullPath) })
    }
  },
  notify: (error) => {
    const message = errorMessage(error, i18n.global.t)
    void import('./ui/notify').then(({ notifyError }) => notifyError(message))
  },
  // The last answers of GETs, per signed-in user, for opening the app without a network.
  cache: createApiCache(() => auth.userId),
  onConnectivity: (event) => connectivity.note(event),
})

/**
 * Fetch the code of the page being opened while the session is restored, instead of after it
 * (the router would only ask for it once its guard has finished); and once both are in, send the
 * reads the page exports as `readAhead`, whose answers the page then takes as it mounts.
 * Resolves when those reads are in.
 */
function preloadRouteComponents(): Promise<unknown> {
  const reads: Promise<unknown>[] = []
  try {
    const target = router.resolve(location.pathname + location.search)
    if (target.meta.public && target.name !== 'evaluate') return Promise.resolve()
    if (target.name === 'home') reads.push(prefetchHomeData())
    for (const record of target.matched) {
      const component = record.components?.default
      if (typeof component === 'function') {
        const loaded = (component as () => Promise<PageModule>)().catch((): PageModule => ({}))
        if (target.meta.public) continue
        const restored = auth.restore().catch(() => undefined)
        reads.push(
          Promise.all([loaded, restored]).then(([page]) =>
            page.readAhead && auth.me && signedIn() ? page.readAhead(auth.me, target) : undefined,
          ),
        )
      }
    }
  } catch {
    // A bad address: the router will deal with it.
  }
  return Promise.allSettled(reads)
}

/** Signed in and free to read (no password change due): the page's reads may go out. */
function signedIn(): boolean {
  return auth.isAuthenticated && !auth.mustChangePassword
}

/** The home page's reads go out as soon as the profile is known, not when the page mounts. */
function prefetchHomeData(): Promise<unknown> {
  return auth
    .restore()
    .then(() => {
      const member = auth.me?.member
      if (!member || !signedIn()) return undefined
      return prefetchHomeReads(member.id, member.branch_id)
    })
    .catch(() => undefined)
}

/**
 * How long the first screen waits for the reads sent ahead for it before it shows (with its own
 * loading state) without them.
 */
const FIRST_READS_WAIT_MS = 1000

/** `work` settled, or `ms` passed, whichever comes first. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms))])
}

async function start() {
  const firstReads = preloadRouteComponents()
  const locale = savedLocale()
  if (locale !== 'zh-CN') await setLocale(locale)
  await router.isReady().catch(() => undefined)
  // The first screen shows whole, with its data, rather than its loading state and then its data
  // (one render, one layout), unless the data is slow to come.
  await settledWithin(firstReads, FIRST_READS_WAIT_MS)
  const title = router.currentRoute.value.meta.title
  const appName = i18n.global.t('app.name')
  document.title = title ? `${i18n.global.t(title)} · ${appName}` : appName
  // The page's code has just been evaluated and the session restored: render in a task of its own.
  await yieldToMain()
  app.mount('#app')
  if (standalone()) return
  // The guard has restored the session (or entered an offline one): now send what waits.
  await auth.restore()
  // Loaded once the first screen is painted: the outbox is not needed to show the page.
  await afterPaintWhenIdle()
  const { startOffline } = await import('./offline/lifecycle')
  startOffline(pinia, {
    onSignedOut: toSignIn,
    confirmDiscard: (count) =>
      import('./offline/dialogs').then(({ confirmDiscardOnSignOut }) => confirmDiscardOnSignOut(count)),
  })
}

/**
 * Vant's icon font (25 KB), for the screens that use Vant's icons. The first screen's own code
 * and data come first: the font is fetched once that page is idle, or at once when the app moves
 * to another screen that is not home (the home page draws its own icons).
 */
let iconFont: Promise<unknown> | null = null
function loadIconFont(): void {
  iconFont ??= import('./styles/icon-font.css').catch(() => {
    iconFont = null
  })
}
router.beforeResolve((to, from) => {
  if (from !== START_LOCATION && to.name !== 'home' && to.name !== 'evaluate') loadIconFont()
})

/** The service worker is set up once the page has loaded: it is not needed for the first screen. */
function registerServiceWorkerLater(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || standalone()) return
  const register = () =>
    // autoUpdate: a new service worker activates at once; the page moves onto it when idle.
    void Promise.all([import('./offline/update'), import('./stores/outbox')]).then(
      ([{ registerServiceWorker }, { useOutboxStore }]) => {
        const outbox = useOutboxStore(pinia)
        return registerServiceWorker({
          router,
          isBusy: () => outbox.busy || auth.refreshesInFlight > 0,
        })
      },
    )
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}

function whenIdle(task: () => void): void {
  const later = () =>
    'requestIdleCallback' in window ? requestIdleCallback(task, { timeout: 3000 }) : setTimeout(task, 1000)
  if (document.readyState === 'complete') later()
  else window.addEventListener('load', later, { once: true })
}

void start().finally(() => {
  registerServiceWorkerLater()
  if (!standalone()) whenIdle(loadIconFont)
})
