// Space and Enter work Vant's check boxes, as they would a native one.
import { describe, expect, it, vi } from 'vitest'
import { clickOnKey } from '@/composables/useReviewKeys'

function press(key: string, target: HTMLElement) {
  const event = new KeyboardEvent('keydown', { key, cancelable: true })
  Object.defineProperty(event, 'currentTarget', { value: target })
  clickOnKey(event)
  return event
}

describe('clickOnKey', () => {
  it('clicks on Space and Enter, and keeps the page from scrolling', () => {
    const el = document.createElement('div')
    const click = vi.fn()
    el.addEventListener('click', click)
    expect(press(' ', el).defaultPrevented).toBe(true)
    press('Enter', el)
    expect(click).toHaveBeenCalledTimes(2)
  })

  it('leaves other keys alone', () => {
    const el = document.createElement('div')
    const click = vi.fn()
    el.addEventListener('click', click)
    expect(press('Tab', el).defaultPrevented).toBe(false)
    expect(click).not.toHaveBeenCalled()
  })
})
