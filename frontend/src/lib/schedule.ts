// Splitting start-up work into several tasks: a phone with a slow CPU then answers taps and
// paints between them, instead of freezing through one long task.

interface Scheduler {
  yield?: () => Promise<void>
}

/** Resolves in a new task, once the browser has had the chance to handle input and paint. */
export function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler
  if (typeof scheduler?.yield === 'function') return scheduler.yield()
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/**
 * Resolves once the screen just rendered has been painted and the browser is idle, or after
 * `timeout` ms at most (a tab in the background paints no frames): for work that must not
 * delay the first screen.
 */
export function afterPaintWhenIdle(timeout = 1000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve()
    setTimeout(done, timeout)
    requestAnimationFrame(() => {
      if ('requestIdleCallback' in window) requestIdleCallback(done, { timeout })
      else setTimeout(done, 0)
    })
  })
}
