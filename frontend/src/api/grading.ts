// The annual grading (年度定级): a member's live score, a branch's grading run and its steps,
// the member's part in it (self-assessment, vote, objections), approval above, exports.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'
import type { Page } from './types'

type Schemas = components['schemas']

export type Grade = Schemas['FinalGradeIn']['grade']
export type GradingStep = Schemas['RunSummary']['status']
export type MemberScore = Schemas['MemberScore']
export type ScoreBreakdown = Schemas['ScoreBreakdown']
export type Projection = Schemas['Projection']
export type GradeReason = Schemas['ReasonOut']
export type GradingRunSummary = Schemas['RunSummary']
export type GradingRun = Schemas['RunOut']
export type GradingResult = Schemas['ResultOut']
export type GradingObjection = Schemas['ObjectionOut']
export type GradingFollowUp = Schemas['FollowUpOut']
export type MyGrading = Schemas['MyGrading']
export type SubtreeGradings = Schemas['SubtreeSummary']
export type BranchGradeSummary = Schemas['BranchGradeSummary']
export type FollowUpBody = Schemas['FollowUpIn']
export type { Page }

/** The grades from the top down, as lists and pickers show them. */
export const GRADES: Grade[] = ['excellent', 'qualified', 'basically_qualified', 'unqualified']
/** The run's steps in order. */
export const STEPS: GradingStep[] = ['draft', 'self_assessment', 'review', 'publicity', 'finalized', 'approved']

// -- a member ------------------------------------------------------------------------------------

export const memberScore = (memberId: number, year: number, options?: RequestOptions) =>
  http.get<MemberScore>(`/members/${memberId}/score${queryString({ year })}`, options)

export const myGrading = (year?: number, options?: RequestOptions) =>
  http.get<MyGrading | null>(`/me/grading${queryString({ year })}`, options)

export const selfAssess = (runId: number, body: { grade: Grade; text: string }, options?: RequestOptions) =>
  http.put<MyGrading>(`/gradings/${runId}/self-assessment`, body, options)

export const castVote = (runId: number, votes: { member_id: number; grade: Grade }[], options?: RequestOptions) =>
  http.post<Schemas['VoteAccepted']>(`/gradings/${runId}/ballot`, { votes }, options)

export const fileObjection = (runId: number, body: { member_id: number; text: string }, options?: RequestOptions) =>
  http.post<GradingRun>(`/gradings/${runId}/objections`, body, options)

// -- the branch's run ------------------------------------------------------------------------------

export const listGradings = (
  branchId: number,
  query: { page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<GradingRunSummary>>(`/branches/${branchId}/gradings${queryString(query)}`, options)

export const createGrading = (
  branchId: number,
  body: { year: number; correction_reason?: string },
  options?: RequestOptions,
) => http.post<GradingRun>(`/branches/${branchId}/gradings`, body, options)

export const getGrading = (runId: number, options?: RequestOptions) =>
  http.get<GradingRun>(`/gradings/${runId}`, options)

/** The step endpoints: each moves the run on (or back) and answers with the run. */
export type StepAction =
  | 'recompute'
  | 'start-self-assessment'
  | 'start-review'
  | 'start-publicity'
  | 'finalize'
  | 'approve'
  | 'send-back'

export const gradingStep = (runId: number, action: StepAction, body?: unknown, options?: RequestOptions) =>
  http.post<GradingRun>(`/gradings/${runId}/${action}`, body, options)

export const setFinalGrade = (
  runId: number,
  memberId: number,
  body: { grade: Grade; reason?: string | null },
  options?: RequestOptions,
) => http.put<GradingRun>(`/gradings/${runId}/results/${memberId}`, body, options)

export const answerObjection = (runId: number, objectionId: number, answer: string, options?: RequestOptions) =>
  http.post<GradingRun>(`/gradings/${runId}/objections/${objectionId}/answer`, { answer }, options)

export const updateFollowUp = (runId: number, memberId: number, body: FollowUpBody, options?: RequestOptions) =>
  http.patch<GradingRun>(`/gradings/${runId}/follow-ups/${memberId}`, body, options)

/** The run's results as a sheet (a Blob). */
export const exportGrading = (runId: number, format: 'xlsx' | 'csv', options?: RequestOptions) =>
  http.get<Blob>(`/gradings/${runId}/export${queryString({ format })}`, { ...options, responseType: 'blob' })

// -- the organisation above -------------------------------------------------------------------------

export const subtreeGradings = (orgId: number, year: number, options?: RequestOptions) =>
  http.get<SubtreeGradings>(`/organisations/${orgId}/gradings${queryString({ year })}`, options)

export const exportSubtree = (orgId: number, year: number, format: 'xlsx' | 'csv', options?: RequestOptions) =>
  http.get<Blob>(`/organisations/${orgId}/gradings/export${queryString({ year, format })}`, {
    ...options,
    responseType: 'blob',
  })
