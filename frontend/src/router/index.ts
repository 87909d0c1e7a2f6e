// Routes and the guard: sign-in first, then a forced password change, then role checks.
import {
  createRouter,
  createWebHistory,
  START_LOCATION,
  type RouteLocationNormalized,
  type RouteRecordRaw,
  type Router,
  type RouterScrollBehavior,
} from 'vue-router'
import type { Me, Role } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { i18n } from '@/locales'
import adminPeople from './adminPeople'
import adminImport from './adminImport'
import adminStandards from './adminStandards'
import adminMonths from './adminMonths'
import grading from './grading'

/**
 * What a page's module may export besides the component: `readAhead` sends the reads the page
 * will make (with `ahead: true`) as soon as the app knows who is signed in, while the page's
 * code is still loading, when the app opens on that page (main.ts); the page takes their answers.
 * It returns a promise that settles (never rejects) once they are in.
 */
export interface PageModule {
  readAhead?: (me: Me, to: Pick<RouteLocationNormalized, 'params' | 'query'>) => Promise<unknown> | undefined
}

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** Reachable while the password must still be changed. */
    passwordChange?: boolean
    /** Any one of these roles may open the route. */
    roles?: Role[]
    /** i18n key of the page title. */
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/pages/LoginPage.vue'),
    meta: { public: true, title: 'login.title' },
  },
  // First sign-in of an imported member: the activation code sets their password (no session).
  {
    path: '/activate',
    name: 'activate',
    component: () => import('@/pages/ActivatePage.vue'),
    meta: { public: true, title: 'adminImport.activate.title' },
  },
  // The public rating page a printed evaluation code opens (扫码评议): no sign-in, no tab bar.
  {
    path: '/e/:code?',
    name: 'evaluate',
    component: () => import('@/pages/public/EvaluatePage.vue'),
    meta: { public: true, title: 'evaluationPublic.title' },
  },
  {
    path: '/password',
    name: 'password',
    component: () => import('@/pages/PasswordPage.vue'),
    meta: { passwordChange: true, title: 'password.title' },
  },
  {
    path: '/',
    component: () => import('@/layouts/TabLayout.vue'),
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('@/pages/HomePage.vue'),
        meta: { title: 'home.title' },
      },
      {
        path: 'me',
        name: 'me',
        component: () => import('@/pages/MePage.vue'),
        meta: { title: 'me.title' },
      },
      // Members: their claims and the branch's ranking.
      {
        path: 'claims',
        name: 'claims',
        component: () => import('@/pages/member/ClaimsPage.vue'),
        meta: { roles: ['member'], title: 'nav.claims' },
      },
      {
        path: 'claims/new',
        name: 'claim-new',
        component: () => import('@/pages/member/ClaimFormPage.vue'),
        meta: { roles: ['member'], title: 'member.newClaim' },
      },
      {
        path: 'claims/:id(\\d+)',
        name: 'claim',
        component: () => import('@/pages/member/ClaimDetailPage.vue'),
        meta: { title: 'member.claimDetail' },
      },
      {
        path: 'claims/:id(\\d+)/edit',
        name: 'claim-edit',
        component: () => import('@/pages/member/ClaimFormPage.vue'),
        meta: { roles: ['member'], title: 'member.editClaim' },
      },
      {
        path: 'ranking',
        name: 'ranking',
        component: () => import('@/pages/member/RankingPage.vue'),
        meta: { title: 'member.ranking' },
      },
      {
        path: 'points',
        name: 'points',
        component: () => import('@/pages/member/PointsDetailPage.vue'),
        meta: { title: 'member.pointsDetail.title' },
      },
      // Reviewers and secretaries: the queue, branch entries and the month.
      {
        path: 'review',
        name: 'review',
        component: () => import('@/pages/review/ReviewQueuePage.vue'),
        meta: { roles: ['reviewer', 'secretary'], title: 'nav.review' },
      },
      {
        path: 'review/:id(\\d+)',
        name: 'review-claim',
        component: () => import('@/pages/review/ReviewClaimPage.vue'),
        meta: { roles: ['reviewer', 'secretary'], title: 'review.claim' },
      },
      {
        path: 'branch',
        name: 'branch',
        component: () => import('@/pages/review/MonthPage.vue'),
        meta: { roles: ['reviewer', 'secretary', 'org_admin'], title: 'nav.branch' },
      },
      {
        path: 'branch/entries/new',
        name: 'entry-new',
        component: () => import('@/pages/review/EntryFormPage.vue'),
        meta: { roles: ['reviewer', 'secretary', 'org_admin'], title: 'review.newEntry' },
      },
      {
        path: 'branch/undeclared',
        name: 'undeclared',
        component: () => import('@/pages/review/UndeclaredPage.vue'),
        meta: { roles: ['reviewer', 'secretary'], title: 'review.undeclared.title' },
      },
      // The quarterly evaluation: secretaries run rounds; members rate peers and see their year.
      {
        path: 'evaluation/rounds',
        name: 'evaluation-rounds',
        component: () => import('@/pages/evaluation/RoundsPage.vue'),
        meta: { roles: ['secretary', 'org_admin'], title: 'rounds.title' },
      },
      {
        path: 'evaluation/rounds/new',
        name: 'evaluation-round-new',
        component: () => import('@/pages/evaluation/RoundFormPage.vue'),
        meta: { roles: ['secretary', 'org_admin'], title: 'rounds.title' },
      },
      {
        path: 'evaluation/rounds/:id(\\d+)',
        name: 'evaluation-round',
        component: () => import('@/pages/evaluation/RoundPage.vue'),
        meta: { roles: ['secretary', 'org_admin'], title: 'rounds.title' },
      },
      {
        path: 'evaluation/rounds/:id(\\d+)/results',
        name: 'evaluation-round-results',
        component: () => import('@/pages/evaluation/RoundResultsPage.vue'),
        meta: { roles: ['secretary', 'org_admin'], title: 'rounds.title' },
      },
      {
        path: 'evaluation/:id(\\d+)/rate',
        name: 'peer-ballot',
        component: () => import('@/pages/evaluation/PeerBallotPage.vue'),
        meta: { roles: ['member'], title: 'peer.title' },
      },
      {
        path: 'evaluation',
        name: 'my-evaluation',
        component: () => import('@/pages/evaluation/MyEvaluationPage.vue'),
        meta: { roles: ['member'], title: 'peer.title' },
      },
      // The annual grading (router/grading.ts) and the administrators' workspace.
      ...grading,
      ...adminPeople,
      ...adminImport,
      ...adminStandards,
      ...adminMonths,
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

/** Only same-app paths are followed after sign-in (no open redirects). */
export function safeRedirect(value: unknown): string {
  const target = Array.isArray(value) ? value[0] : value
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return '/'
  if (target.startsWith('/login') || target.startsWith('/password')) return '/'
  return target
}

/** `?redirect=` for a detour, left out when the way back is just home. */
export function redirectQuery(path: string): Record<string, string> {
  return path === '/' ? {} : { redirect: path }
}

export async function guard(to: RouteLocationNormalized) {
  // The public rating page needs no session: no refresh call, no /me (a resident's phone has none).
  if (to.meta.public && to.name !== 'login') return true
  const auth = useAuthStore()
  await auth.restore()
  if (to.meta.public) {
    if (to.name === 'login' && auth.isAuthenticated) {
      const target = safeRedirect(to.query.redirect)
      return auth.mustChangePassword ? { name: 'password', query: redirectQuery(target) } : target
    }
    return true
  }
  if (!auth.isAuthenticated) return { name: 'login', query: redirectQuery(to.fullPath) }
  if (auth.mustChangePassword && !to.meta.passwordChange) {
    return { name: 'password', query: redirectQuery(to.fullPath) }
  }
  const roles = to.matched.flatMap((record) => record.meta.roles ?? [])
  if (roles.length && !auth.hasRole(...roles)) return { name: 'home' }
  return true
}

/**
 * A new screen starts at its top; the first one already is there (scrolling would only force a
 * layout while the app starts), unless a reload brings back where it was.
 */
export const scrollBehavior: RouterScrollBehavior = (_to, from, saved) =>
  saved ?? (from === START_LOCATION ? false : { top: 0 })

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes,
    scrollBehavior,
  })
  router.beforeEach(guard)
  router.afterEach((to) => {
    const appName = i18n.global.t('app.name')
    document.title = to.meta.title ? `${i18n.global.t(to.meta.title)} · ${appName}` : appName
  })
  return router
}
