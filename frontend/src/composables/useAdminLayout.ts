// The layout switch: phones keep the bottom tab bar; screens at least 1024 px wide get the side
// navigation, and admin lists become tables. One media query shared by every component.
import { readonly, ref, type Ref } from 'vue'

export const WIDE_QUERY = '(min-width: 1024px)'

let wide: Ref<boolean> | null = null

/** True while the viewport is wide enough for the side navigation and tables. */
export function useWideLayout(): Readonly<Ref<boolean>> {
  if (!wide) {
    const state = ref(false)
    const media =
      typeof window !== 'undefined' && typeof window.matchMedia === 'function'
        ? window.matchMedia(WIDE_QUERY)
        : null
    if (media) {
      state.value = media.matches
      media.addEventListener('change', (event) => (state.value = event.matches))
    }
    wide = state
  }
  return readonly(wide)
}

/** Forget the shared state (tests that change the viewport between cases). */
export function resetWideLayout(): void {
  wide = null
}
