// The one-time hint to add the app to the home screen: where it is offered, and remembered.
import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { i18n } from '@/locales'
import {
  INSTALL_HINT_KEY,
  dismissHint,
  hintDismissed,
  installPlatform,
  isStandalone,
  shouldOfferHint,
} from '@/lib/installHint'
import InstallHint from '@/components/InstallHint.vue'

const ANDROID = 'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const IPAD = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'
const WECHAT = `${ANDROID} MicroMessenger/8.0.47`
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'

afterEach(() => localStorage.clear())

describe('installPlatform', () => {
  it('tells Android from iPhone and iPad (which says it is a Mac)', () => {
    expect(installPlatform(ANDROID)).toBe('android')
    expect(installPlatform(IPHONE)).toBe('ios')
    expect(installPlatform(IPAD, 5)).toBe('ios')
    expect(installPlatform(IPAD, 0)).toBe('other')
  })
  it('offers nothing inside WeChat or on a computer', () => {
    expect(installPlatform(WECHAT)).toBe('other')
    expect(installPlatform(DESKTOP)).toBe('other')
  })
})

describe('shouldOfferHint', () => {
  const base = { standalone: false, dismissed: false, platform: 'android' as const, canPrompt: false }
  it('is offered on a phone until dismissed', () => {
    expect(shouldOfferHint(base)).toBe(true)
    expect(shouldOfferHint({ ...base, platform: 'ios' })).toBe(true)
    expect(shouldOfferHint({ ...base, dismissed: true })).toBe(false)
  })
  it('is not offered once the app was opened from the home screen', () => {
    expect(shouldOfferHint({ ...base, standalone: true })).toBe(false)
    expect(shouldOfferHint({ ...base, standalone: true, canPrompt: true })).toBe(false)
  })
  it('is offered wherever the browser offers its install prompt', () => {
    expect(shouldOfferHint({ ...base, platform: 'other' })).toBe(false)
    expect(shouldOfferHint({ ...base, platform: 'other', canPrompt: true })).toBe(true)
  })
})

describe('dismissal', () => {
  it('is remembered in localStorage', () => {
    expect(hintDismissed()).toBe(false)
    dismissHint()
    expect(localStorage.getItem(INSTALL_HINT_KEY)).toBe('dismissed')
    expect(hintDismissed()).toBe(true)
  })
  it('survives a storage that refuses (private mode)', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    expect(hintDismissed(refusing)).toBe(false)
    expect(() => dismissHint(refusing)).not.toThrow()
  })
})

describe('isStandalone', () => {
  const win = (standaloneMedia: boolean, iosStandalone?: boolean) =>
    ({
      navigator: { standalone: iosStandalone },
      matchMedia: (query: string) => ({ matches: standaloneMedia && query === '(display-mode: standalone)' }),
    }) as unknown as Window
  it('reads display-mode: standalone, and iOS’s own flag', () => {
    expect(isStandalone(win(false))).toBe(false)
    expect(isStandalone(win(true))).toBe(true)
    expect(isStandalone(win(false, true))).toBe(true)
  })
})

describe('InstallHint', () => {
  it('gives the steps of the phone and is dismissed for good', async () => {
    const ua = Object.getOwnPropertyDescriptor(window.navigator, 'userAgent')
    Object.defineProperty(window.navigator, 'userAgent', { value: IPHONE, configurable: true })
    try {
      const wrapper = mount(InstallHint, { global: { plugins: [i18n] } })
      expect(wrapper.get('[data-test="install-steps"]').text()).toContain('分享')
      expect(wrapper.get('[data-test="install-steps"]').text()).toContain('添加到主屏幕')
      expect(wrapper.find('[data-test="install-app"]').exists()).toBe(false)
      await wrapper.get('[data-test="install-dismiss"]').trigger('click')
      await flushPromises()
      expect(wrapper.emitted('done')).toHaveLength(1)
      expect(hintDismissed()).toBe(true)
      wrapper.unmount()
    } finally {
      if (ua) Object.defineProperty(window.navigator, 'userAgent', ua)
      else delete (window.navigator as { userAgent?: string }).userAgent
    }
  })
})
