// The member's part in their branch's annual grading (GET /me/grading): the run's step, their
// self-assessment and secret vote, and from the public notice on the branch's results and their
// own objections (GET /gradings/{id}). Writes answer with the refusal's message.
import { computed, ref, shallowRef } from 'vue'
import {
  castVote,
  fileObjection,
  getGrading,
  myGrading,
  selfAssess,
  type Grade,
  type GradingRun,
  type MyGrading,
} from '@/api/grading'
import { isApiError, type ApiError } from '@/api/http'

/** Steps from which the branch's members see the results. */
export const SHOWN_STEPS = ['publicity', 'finalized', 'approved'] as const

/** The refusals that mean the member has voted already. */
const VOTED = ['grading_already_voted']

export function useMyGrading() {
  const mine = shallowRef<MyGrading | null>(null)
  const run = shallowRef<GradingRun | null>(null)
  const loading = ref(false)
  const failed = ref(false)
  const busy = ref(false)
  let asked = 0

  const step = computed(() => mine.value?.run.status ?? null)
  const shown = computed(() => !!step.value && (SHOWN_STEPS as readonly string[]).includes(step.value))
  /** The home card's call: a step that waits for the member. */
  const needsAction = computed(() => {
    const m = mine.value
    if (!m) return null
    if (m.run.status === 'self_assessment' && (!m.self_grade || (!m.voted && m.peers.length > 0))) return 'self_assessment'
    if (m.run.status === 'publicity') return 'publicity'
    return null
  })

  async function load(year?: number) {
    const ask = ++asked
    loading.value = true
    failed.value = false
    try {
      const answer = await myGrading(year, { silent: true })
      let results: GradingRun | null = null
      if (answer && (SHOWN_STEPS as readonly string[]).includes(answer.run.status)) {
        results = await getGrading(answer.run.id, { silent: true })
      }
      if (ask !== asked) return
      mine.value = answer
      run.value = results
    } catch {
      if (ask !== asked) return
      failed.value = true
    } finally {
      if (ask === asked) loading.value = false
    }
  }

  /** Run a write; answer with the refusal (null when it went through). */
  async function write(action: () => Promise<void>): Promise<ApiError | null> {
    if (busy.value) return null
    busy.value = true
    try {
      await action()
      return null
    } catch (error) {
      if (isApiError(error)) return error
      throw error
    } finally {
      busy.value = false
    }
  }

  function saveSelfAssessment(grade: Grade, text: string) {
    return write(async () => {
      const m = mine.value
      if (!m) return
      mine.value = await selfAssess(m.run.id, { grade, text: text.trim() }, { silent: true })
    })
  }

  async function vote(votes: { member_id: number; grade: Grade }[]) {
    const refusal = await write(async () => {
      const m = mine.value
      if (!m) return
      await castVote(m.run.id, votes, { silent: true })
      mine.value = { ...m, voted: true }
    })
    // A ballot cast already (another tab, a retry): show the voted state.
    if (refusal && VOTED.includes(refusal.code) && mine.value) mine.value = { ...mine.value, voted: true }
    return refusal
  }

  function object(memberId: number, text: string) {
    return write(async () => {
      const m = mine.value
      if (!m) return
      run.value = await fileObjection(m.run.id, { member_id: memberId, text: text.trim() }, { silent: true })
    })
  }

  return { mine, run, step, shown, needsAction, loading, failed, busy, load, saveSelfAssessment, vote, object }
}
