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
