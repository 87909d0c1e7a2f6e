// The public rating page's two calls (扫码评议, no sign-in): what a code opens, and the ballot
// that spends it. Apart from api/evaluation.ts so the page's chunk carries nothing else.
import { http, type RequestOptions } from './http'
import type { BallotAccepted, BallotForm, RatingIn } from './types'

export const lookUpCode = (code: string, options?: RequestOptions) =>
  http.post<BallotForm>('/public/evaluation/lookup', { code }, { ...options, auth: false })

export const castCodeBallot = (
  code: string,
  roundId: number,
  ratings: RatingIn[],
  options?: RequestOptions,
) =>
  http.post<BallotAccepted>(
    '/public/evaluation/ballots',
    { code, round_id: roundId, ratings },
    { ...options, auth: false },
  )
