// The tab bar is on the pages its tabs open; sub-pages and forms have the screen to themselves.
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '@/locales'
import TabLayout from '@/layouts/TabLayout.vue'

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
  beforeEach(() => setActivePinia(createPinia()))

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
})
