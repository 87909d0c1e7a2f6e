// The tab bar is on the pages its tabs open; sub-pages and forms have the screen to themselves.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'
import TabLayout from '@/layouts/TabLayout.vue'
import { resetWideLayout, WIDE_QUERY } from '@/composables/useAdminLayout'

/** A viewport of the given width for matchMedia (happy-dom's answers the real window), with its change listeners. */
function viewport(width: number) {
  const listeners: ((event: { matches: boolean }) => void)[] = []
  const media = {
    get matches() {
      return width >= 1024
    },
    media: WIDE_QUERY,
    addEventListener: (_: string, listener: (event: { matches: boolean }) => void) => listeners.push(listener),
    removeEventListener: () => undefined,
  }
  // Other queries (the install hint's display mode) match nothing.
  vi.stubGlobal('matchMedia', (query: string) =>
    query === WIDE_QUERY ? media : { matches: false, media: query, addEventListener: () => undefined, removeEventListener: () => undefined },
  )
  return {
    resize(next: number) {
      width = next
      for (const listener of listeners) listener({ matches: width >= 1024 })
    },
  }
}

const page = (name: string) => ({ template: `<main>${name}</main>` })

function makeRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      {
        path: '/',
        component: TabLayout,
        children: [
          { path: '', name: 'home', component: page('home') },
          { path: 'claims', name: 'claims', component: page('claims') },
          { path: 'claims/new', name: 'claim-new', component: page('form') },
          { path: 'claims/:id', name: 'claim', component: page('claim') },
          { path: 'me', name: 'me', component: page('me') },
          { path: 'me/settings', name: 'me-settings', component: page('settings') },
        ],
      },
    ],
  })
}

async function open(path: string) {
  const router = makeRouter()
  await router.push(path)
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [i18n, router] } })
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 0))
  await flushPromises()
  return { wrapper, router }
}

describe('TabLayout', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    resetWideLayout()
    // happy-dom's window is 1024 px wide: the phone is the default here.
    viewport(360)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    resetWideLayout()
  })

  it('shows the tab bar on the tab pages', async () => {
    for (const path of ['/', '/claims', '/me']) {
      const { wrapper } = await open(path)
      expect(wrapper.find('nav.app-tabbar').exists(), path).toBe(true)
      expect(wrapper.find('.tab-layout--bare').exists(), path).toBe(false)
      wrapper.unmount()
    }
  })

  it('hides it on sub-pages and forms, and brings it back on a tab page', async () => {
    const { wrapper, router } = await open('/claims/new')
    expect(wrapper.find('nav.app-tabbar').exists()).toBe(false)
    expect(wrapper.find('.tab-layout--bare').exists()).toBe(true)
    await router.push('/claims/12')
    await flushPromises()
    expect(wrapper.find('nav.app-tabbar').exists()).toBe(false)
    await router.push('/claims')
    await flushPromises()
    expect(wrapper.find('nav.app-tabbar').exists()).toBe(true)
    wrapper.unmount()
  })

  it('puts the same tabs at the side on a wide screen, on sub-pages too', async () => {
    viewport(1280)
    const { wrapper, router } = await open('/claims/12')
    const nav = wrapper.find('nav.app-tabbar')
    expect(nav.exists()).toBe(true)
    expect(nav.classes()).toContain('app-tabbar--side')
    expect(wrapper.find('.tab-layout--wide').exists()).toBe(true)
    expect(wrapper.find('.tab-layout--bare').exists()).toBe(false)
    await router.push('/me')
    await flushPromises()
    expect(wrapper.find('nav.app-tabbar--side').exists()).toBe(true)
    wrapper.unmount()
  })

  it('keeps the bottom bar on a phone and switches when the window widens or narrows', async () => {
    const screen = viewport(360)
    const { wrapper } = await open('/claims/new')
    expect(wrapper.find('nav.app-tabbar').exists()).toBe(false)
    screen.resize(1280)
    await flushPromises()
    expect(wrapper.find('nav.app-tabbar--side').exists()).toBe(true)
    screen.resize(800)
    await flushPromises()
    expect(wrapper.find('nav.app-tabbar').exists()).toBe(false)
    expect(wrapper.find('.tab-layout--bare').exists()).toBe(true)
    wrapper.unmount()
  })

  it('marks the section of a sub-page in the side navigation', async () => {
    viewport(1280)
    const { wrapper } = await open('/me/settings')
    expect(wrapper.find('[data-tab="me"]').classes()).toContain('app-tabbar__item--active')
    expect(wrapper.find('[data-tab="home"]').classes()).not.toContain('app-tabbar__item--active')
    wrapper.unmount()
  })
})
