// Routes of the grading's member screens (merged in router/grading.ts).
import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'score',
    name: 'my-score',
    component: () => import('@/pages/grading/ScorePage.vue'),
    meta: { roles: ['member'], title: 'grading.member.score.title' },
  },
  {
    path: 'grading',
    name: 'my-grading',
    component: () => import('@/pages/grading/MyGradingPage.vue'),
    meta: { roles: ['member'], title: 'grading.member.grading.title' },
  },
]

export default routes
