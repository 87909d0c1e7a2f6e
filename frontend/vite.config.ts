/// <reference types="vitest/config" />
// Build, dev-server and unit-test configuration for the Vanguard Points PWA.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VitePWA } from 'vite-plugin-pwa'
import { compileHints, startupChunks, vantComponents } from './build/chunks'
import { precompileMessages } from './build/precompile-messages'
import { vantIconFont } from './build/vant-icon-font'

const BACKEND = process.env.VITE_BACKEND_URL ?? 'http://127.0.0.1:8000'

// Paths the backend owns: the service worker must never answer or cache them.
export const SERVER_ONLY_PATHS = [
  /^\/api(\/|$)/,
  /^\/docs(\/|$)/,
  /^\/redoc(\/|$)/,
  /^\/openapi\.json$/,
  /^\/healthz(\/|$)/,
  /^\/readyz(\/|$)/,
  /^\/metrics(\/|$)/,
]

export default defineConfig(({ command }) => ({
  // vue-i18n: messages are compiled at build time (precompileMessages), so the build leaves out
  // the message compiler; no legacy API, no global components, no devtools.
  define: {
    __INTLIFY_DROP_MESSAGE_COMPILER__: command === 'build',
    __VUE_I18N_LEGACY_API__: false,
    __VUE_I18N_FULL_INSTALL__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  plugins: [
    vantIconFont(),
    precompileMessages(),
    compileHints(),
    vue(),
    // Vant components are imported on demand (with their CSS) as templates use them.
    Components({ resolvers: [vantComponents()], dts: 'src/components.d.ts' }),
    VitePWA({
      registerType: 'autoUpdate',
      // Registered from main.ts (virtual:pwa-register) so the page reloads onto a new version.
      injectRegister: false,
      includeAssets: ['icons/favicon-32.png', 'icons/apple-touch-icon-180.png'],
      manifest: {
        id: '/',
        name: '先锋积分',
        short_name: '先锋积分',
        description: '党员积分制管理：每月申报、支部审核、群众评议、年度定级',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#c8161d',
        background_color: '#f7f8fa',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // Every file of the build, so every page's lazy chunk: a phone that goes offline right
        // after its first visit can open any screen (e.g. the claim form) it has never opened.
        // The data those screens need offline is fetched after sign-in (src/offline/warm.ts).
        globPatterns: ['**/*.{js,css,html,png,svg,ico,webmanifest,woff2}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: SERVER_ONLY_PATHS,
        skipWaiting: true,
        clientsClaim: true,
        cleanupOutdatedCaches: true,
        // No runtimeCaching: API responses, docs, health and metrics always go to the network.
        runtimeCaching: [],
      },
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: BACKEND, changeOrigin: false },
      '/healthz': { target: BACKEND, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      output: { manualChunks: startupChunks() },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.spec.ts'],
    restoreMocks: true,
    server: { deps: { inline: ['vant'] } },
  },
}))
