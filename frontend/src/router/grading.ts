// Routes of the annual grading: the members' screens and the branch's and organisation's.
import type { RouteRecordRaw } from 'vue-router'
import member from './gradingMember'
import branch from './gradingBranch'

const routes: RouteRecordRaw[] = [...member, ...branch]

export default routes
