// Application entry: wires the HTTP client to the session store, router and notifications.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import './styles/theme.css'
import App from './App.vue'
import { configureHttp } from './api/http'
import { errorMessage } from './api/messages'
import { i18n, savedLocale, setLocale } from './locales'
import { createAppRouter, redirectQuery } from './router'
import { useAuthStore } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()
app.use(pinia).use(i18n).use(router)

const auth = useAuthStore(pinia)

configureHttp({
  getAccessToken: () => auth.accessToken,
  refreshAccessToken: () => auth.refresh(),
  onUnauthenticated: () => {
    auth.clear()
    const current = router.currentRoute.value
    if (!current.meta.public) {
      void router.replace({ name: 'login', query: redirectQuery(current.fullPath) })
    }
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
})

async function start() {
  const locale = savedLocale()
  if (locale !== 'zh-CN') await setLocale(locale)
  await router.isReady().catch(() => undefined)
  app.mount('#app')
}

void start()

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  // autoUpdate: a new service worker activates at once and the page reloads onto it.
  void import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true }))
}
