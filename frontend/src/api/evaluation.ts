// The quarterly evaluation (群众评议): a branch's rounds, codes, progress and results; a member's
// peer ballot and year. The public page's calls are in api/publicEvaluation.ts.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type {
  BallotAccepted,
  BallotForm,
  EvaluationRound,
  MemberEvaluation,
  MyRound,
  Page,
  RatingIn,
  RoundCreateBody,
  RoundProgress,
  RoundResults,
  RoundUpdateBody,
} from './types'

export const listRounds = (
  branchId: number,
  query: { page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<EvaluationRound>>(`/branches/${branchId}/evaluation-rounds${queryString(query)}`, options)

export const openRound = (branchId: number, body: RoundCreateBody, options?: RequestOptions) =>
  http.post<EvaluationRound>(`/branches/${branchId}/evaluation-rounds`, body, options)

export const getRound = (roundId: number, options?: RequestOptions) =>
  http.get<RoundProgress>(`/evaluation-rounds/${roundId}`, options)

export const changeWindow = (roundId: number, body: RoundUpdateBody, options?: RequestOptions) =>
  http.patch<RoundProgress>(`/evaluation-rounds/${roundId}`, body, options)

export const closeRound = (roundId: number, options?: RequestOptions) =>
  http.post<RoundProgress>(`/evaluation-rounds/${roundId}/close`, undefined, options)

/** A batch of codes as the printable PDF (a Blob); the codes exist nowhere else. */
export const issueCodes = (roundId: number, count: number, options?: RequestOptions) =>
  http.post<Blob>(`/evaluation-rounds/${roundId}/codes`, { count }, { ...options, responseType: 'blob' })

export const roundResults = (roundId: number, options?: RequestOptions) =>
  http.get<RoundResults>(`/evaluation-rounds/${roundId}/results`, options)

export const myRounds = (options?: RequestOptions) =>
  http.get<MyRound[]>('/me/evaluation-rounds', options)

export const peerBallotForm = (roundId: number, options?: RequestOptions) =>
  http.get<BallotForm>(`/evaluation-rounds/${roundId}/ballot`, options)

export const castPeerBallot = (roundId: number, ratings: RatingIn[], options?: RequestOptions) =>
  http.post<BallotAccepted>(`/evaluation-rounds/${roundId}/ballot`, { ratings }, options)

export const memberEvaluation = (memberId: number, year: number, options?: RequestOptions) =>
  http.get<MemberEvaluation>(`/members/${memberId}/evaluation${queryString({ year })}`, options)
