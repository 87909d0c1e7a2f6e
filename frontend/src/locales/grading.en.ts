// Annual grading: the words every grading screen shares, then each side's own texts.
import member from './gradingMember.en'
import branch from './gradingBranch.en'

export default {
  grades: {
    excellent: 'Excellent',
    qualified: 'Qualified',
    basically_qualified: 'Basically qualified',
    unqualified: 'Unqualified',
  },
  notGraded: 'Not graded',
  steps: {
    draft: 'Draft',
    self_assessment: 'Self-assessment and vote',
    review: 'Branch review',
    publicity: 'Public notice',
    finalized: 'Finalized',
    approved: 'Approved',
  },
  member,
  branch,
}
