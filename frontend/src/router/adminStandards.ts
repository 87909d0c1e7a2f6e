// Routes of the adminStandards screens, under the tab layout (see router/index.ts).
import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = []

export default routes
