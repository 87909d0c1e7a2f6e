// The branch whose evaluation the secretary's screens show: ?branch= from the link (the month
// page's 群众评议 cell), else the branch the review screens act for (useReviewBranch), which
// the link's branch becomes, so that the two stay the same.
import { watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { useReviewBranch } from '@/composables/useReviewBranch'
import { branchFromQuery } from './rounds'

export function useEvaluationBranch() {
  const route = useRoute()
  const router = useRouter()
  const review = useReviewBranch()
  const asked = branchFromQuery(route.query.branch)
  if (asked !== null && asked !== review.branchId.value) review.setBranch(asked)

  // The address names the branch shown, so that a reload or a shared link keeps it.
  watch(
    review.branchId,
    (id) => {
      if (id !== null && branchFromQuery(route.query.branch) !== id) {
        void router.replace({ query: { ...route.query, branch: String(id) } })
      }
    },
    { immediate: true },
  )
  return review
}
