// Loading and failure are exclusive: a failed load never still says 加载中….
import { describe, expect, it } from 'vitest'
import { loadPhase } from '@/lib/loadState'

describe('loadPhase', () => {
  it('is exactly one state for every combination of flags', () => {
    for (const loading of [false, true])
      for (const failed of [false, true])
        for (const loaded of [false, true]) {
          const phase = loadPhase({ loading, failed, loaded })
          expect(['loaded', 'loading', 'failed', 'idle']).toContain(phase)
          if (failed && !loading && !loaded) expect(phase).toBe('failed')
        }
  })

  it('says failed once an attempt has failed, and loading again when a retry starts', () => {
    expect(loadPhase({ loading: true, failed: false, loaded: false })).toBe('loading')
    expect(loadPhase({ loading: false, failed: true, loaded: false })).toBe('failed')
    expect(loadPhase({ loading: true, failed: true, loaded: false })).toBe('loading')
  })

  it('keeps what is on screen while the next page loads or fails', () => {
    expect(loadPhase({ loading: true, failed: false, loaded: true })).toBe('loaded')
    expect(loadPhase({ loading: false, failed: true, loaded: true })).toBe('loaded')
    expect(loadPhase({ loading: false, failed: false, loaded: false })).toBe('idle')
  })
})
