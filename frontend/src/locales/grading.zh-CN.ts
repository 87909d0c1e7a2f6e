// 年度定级: the words every grading screen shares, then each side's own texts.
import member from './gradingMember.zh-CN'
import branch from './gradingBranch.zh-CN'

export default {
  grades: {
    excellent: '优秀',
    qualified: '合格',
    basically_qualified: '基本合格',
    unqualified: '不合格',
  },
  notGraded: '不参加定级',
  steps: {
    draft: '草稿',
    self_assessment: '自评和民主测评',
    review: '支部评议',
    publicity: '公示',
    finalized: '已定稿',
    approved: '已审批',
  },
  member,
  branch,
}
