// Whether the app can reach the server, and whether what is on screen came from the cache.
//
// `online` follows the browser (navigator.onLine and its online/offline events); `reachable`
// follows the requests themselves (a GET answered from the cache, or a request that failed for
// want of a network, means the server could not be reached even if the browser thinks it is
// online). The HTTP client reports every outcome through `note` (wired in main.ts).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ConnectivityEvent } from '@/api/http'

export const useConnectivityStore = defineStore('connectivity', () => {
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine !== false)
  const reachable = ref(true)
  /** The last GET was answered from the cache. */
  const showingCachedData = ref(false)
  /** When that cached answer was saved (ms since epoch). */
  const cachedAt = ref<number | null>(null)
  /** Goes up when pages should load their data again (the tab layout re-mounts its page). */
  const epoch = ref(0)

  /** No network, or the server could not be reached. */
  const offline = computed(() => !online.value || !reachable.value)

  function note(event: ConnectivityEvent): void {
    if (event.source === 'network') {
      reachable.value = true
      if (event.method === 'GET') {
        showingCachedData.value = false
        cachedAt.value = null
      }
    } else {
      reachable.value = false
      if (event.source === 'cache') {
        showingCachedData.value = true
        // The oldest data on screen is what matters to the reader.
        if (event.savedAt !== undefined) {
          cachedAt.value =
            cachedAt.value === null ? event.savedAt : Math.min(cachedAt.value, event.savedAt)
        }
      }
    }
  }

  function setOnline(value: boolean): void {
    online.value = value
    if (value) reachable.value = true
  }

  /** Follow the browser's online/offline events; returns a function that stops listening. */
  function listen(target: Window = window): () => void {
    const up = () => setOnline(true)
    const down = () => setOnline(false)
    target.addEventListener('online', up)
    target.addEventListener('offline', down)
    online.value = target.navigator.onLine !== false
    return () => {
      target.removeEventListener('online', up)
      target.removeEventListener('offline', down)
    }
  }

  function refreshView(): void {
    epoch.value += 1
  }

  function reset(): void {
    reachable.value = true
    showingCachedData.value = false
    cachedAt.value = null
  }

  return {
    online,
    reachable,
    showingCachedData,
    cachedAt,
    epoch,
    offline,
    note,
    setOnline,
    listen,
    refreshView,
    reset,
  }
})
