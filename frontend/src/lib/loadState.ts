// What a view that loads says about its loading: one state at a time, never "加载中…" beside
// "加载失败". Data already on screen wins (a refresh or the next page keeps it, and their
// failure is shown where the list ends); without data, a running attempt shows as loading and
// a failed one as failed until the next attempt starts.
export type LoadPhase = 'loaded' | 'loading' | 'failed' | 'idle'

export interface LoadFlags {
  /** An attempt is running. */
  loading: boolean
  /** The last attempt failed. */
  failed: boolean
  /** Something was loaded and is shown. */
  loaded: boolean
}

export function loadPhase({ loading, failed, loaded }: LoadFlags): LoadPhase {
  if (loaded) return 'loaded'
  if (loading) return 'loading'
  if (failed) return 'failed'
  return 'idle'
}
