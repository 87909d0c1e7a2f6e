// The one-time hint to add the app to the phone's home screen: whether to offer it (not once
// dismissed, not when already opened from the home screen, only where a phone can do it) and the
// browser's install prompt (Android Chrome's beforeinstallprompt), kept for the hint's button.
// Small on purpose: the tab layout asks it on every visit; the hint's own code loads only when shown.

export const INSTALL_HINT_KEY = 'vanguard.installHint'

export type InstallPlatform = 'android' | 'ios' | 'other'

/** Chrome's event, not in TypeScript's DOM types. */
export interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

/** Which way of adding to the home screen the phone has; in-app browsers (WeChat) have none. */
export function installPlatform(userAgent: string, maxTouchPoints = 0): InstallPlatform {
  if (/MicroMessenger|DingTalk/i.test(userAgent)) return 'other'
  if (/iPhone|iPad|iPod/.test(userAgent)) return 'ios'
  // iPadOS Safari says it is a Mac; a touch screen tells them apart.
  if (/Macintosh/.test(userAgent) && maxTouchPoints > 1) return 'ios'
  if (/Android/.test(userAgent)) return 'android'
  return 'other'
}

/** Opened from the home screen (the manifest's display: standalone, or iOS's own flag). */
export function isStandalone(win: Window = window): boolean {
  const iosStandalone = (win.navigator as Navigator & { standalone?: boolean }).standalone === true
  return iosStandalone || (typeof win.matchMedia === 'function' && win.matchMedia('(display-mode: standalone)').matches)
}

export function hintDismissed(storage: Pick<Storage, 'getItem'> | null = safeStorage()): boolean {
  try {
    return storage?.getItem(INSTALL_HINT_KEY) === 'dismissed'
  } catch {
    return false
  }
}

export function dismissHint(storage: Pick<Storage, 'setItem'> | null = safeStorage()): void {
  try {
    storage?.setItem(INSTALL_HINT_KEY, 'dismissed')
  } catch {
    // Private mode: the hint comes back next visit.
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

export interface HintState {
  standalone: boolean
  dismissed: boolean
  platform: InstallPlatform
  /** The browser offered its install prompt. */
  canPrompt: boolean
}

export function shouldOfferHint(state: HintState): boolean {
  if (state.standalone || state.dismissed) return false
  return state.canPrompt || state.platform !== 'other'
}

let deferred: BeforeInstallPromptEvent | null = null
const listeners = new Set<() => void>()
let listening = false

/**
 * Keep the browser's install prompt for the hint's button (Chrome fires it once per page load,
 * possibly before the hint is shown). Once the hint was dismissed the browser keeps its own.
 */
export function listenForInstallPrompt(win: Window = window): void {
  if (listening) return
  listening = true
  win.addEventListener('beforeinstallprompt', (event) => {
    if (hintDismissed()) return
    event.preventDefault()
    deferred = event as BeforeInstallPromptEvent
    listeners.forEach((listener) => listener())
  })
  win.addEventListener('appinstalled', () => {
    deferred = null
    dismissHint()
    listeners.forEach((listener) => listener())
  })
}

export function installPrompt(): BeforeInstallPromptEvent | null {
  return deferred
}

/** Used once: the browser allows one prompt() per event. */
export function takeInstallPrompt(): BeforeInstallPromptEvent | null {
  const event = deferred
  deferred = null
  return event
}

export function onInstallPromptChange(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The hint's state on this device now. */
export function currentHintState(win: Window = window): HintState {
  return {
    standalone: isStandalone(win),
    dismissed: hintDismissed(),
    platform: installPlatform(win.navigator.userAgent, win.navigator.maxTouchPoints),
    canPrompt: deferred !== null,
  }
}
