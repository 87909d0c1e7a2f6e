// "Only one at a time" for the outbox: across tabs with the Web Locks API where the browser has
// it, within this tab otherwise (two tabs sending the same item at once is still safe: the
// Idempotency-Keys make the second attempt a replay or a 409 "in flight", never a second claim).

const held = new Set<string>()

export interface LockResult<T> {
  acquired: boolean
  value?: T
}

type LockManagerLike = {
  request: (
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<unknown>,
  ) => Promise<unknown>
}

function lockManager(): LockManagerLike | null {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks
  return locks && typeof locks.request === 'function' ? locks : null
}

/** Run `fn` holding the lock `name`, or do nothing when someone else holds it. */
export async function tryLock<T>(name: string, fn: () => Promise<T>): Promise<LockResult<T>> {
  // The tab's own bookkeeping comes first: it also covers browsers without navigator.locks.
  if (held.has(name)) return { acquired: false }
  held.add(name)
  try {
    const manager = lockManager()
    if (!manager) return { acquired: true, value: await fn() }
    let result: LockResult<T> = { acquired: false }
    await manager.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return
      result = { acquired: true, value: await fn() }
    })
    return result
  } finally {
    held.delete(name)
  }
}

export const FLUSH_LOCK = 'vanguard-outbox-flush'
export const itemLock = (localId: string) => `vanguard-outbox-item:${localId}`
