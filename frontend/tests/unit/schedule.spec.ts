import { afterEach, describe, expect, it, vi } from 'vitest'
import { afterPaintWhenIdle } from '@/lib/schedule'

describe('afterPaintWhenIdle', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('waits for a painted frame and then for the browser to be idle', async () => {
    vi.useFakeTimers()
    let frame: FrameRequestCallback | null = null
    let idle: IdleRequestCallback | null = null
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => ((frame = cb), 1))
    vi.stubGlobal('requestIdleCallback', (cb: IdleRequestCallback) => ((idle = cb), 1))
    let done = false
    void afterPaintWhenIdle(1000).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(10)
    expect(done).toBe(false)
    frame!(0)
    await vi.advanceTimersByTimeAsync(10)
    expect(done).toBe(false)
    idle!({ didTimeout: false, timeRemaining: () => 10 })
    await vi.advanceTimersByTimeAsync(0)
    expect(done).toBe(true)
  })

  it('goes ahead after the timeout in a tab that paints no frame', async () => {
    vi.useFakeTimers()
    vi.stubGlobal('requestAnimationFrame', () => 1)
    let done = false
    void afterPaintWhenIdle(1000).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(999)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(done).toBe(true)
  })
})
