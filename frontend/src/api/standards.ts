// The standards editor (积分标准): versions, a draft's settings and items, its validation, the
// differences from the version in force, and publishing. Members read the standard in force
// through api/points.ts.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'
import type { Page, Standard, StandardItem } from './types'

type Schemas = components['schemas']

export type StandardSummary = Schemas['StandardSummary']
export type StandardSettingsBody = Schemas['StandardSettings']
export type StandardCreateBody = Schemas['StandardCreate']
export type ItemCreateBody = Schemas['ItemCreate']
export type ItemUpdateBody = Schemas['ItemUpdate']
export type StandardProblem = Schemas['ProblemPublic']
export type StandardValidation = Schemas['StandardValidation']
export type FieldChange = Schemas['FieldChangePublic']
export type ItemChange = Schemas['ItemChangePublic']
export type StandardDiff = Omit<Schemas['StandardDiff'], 'added' | 'removed'> & {
  added: StandardItem[]
  removed: StandardItem[]
}
export type { Standard, StandardItem }

export const listStandards = (
  query: { year?: number; organisation_id?: number; page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<StandardSummary>>(`/standards${queryString(query)}`, options)

export const getStandard = (id: number, options?: RequestOptions) =>
  http.get<Standard>(`/standards/${id}`, options)

export const createStandard = (body: StandardCreateBody, options?: RequestOptions) =>
  http.post<Standard>('/standards', body, options)

export const updateStandard = (id: number, body: StandardSettingsBody, options?: RequestOptions) =>
  http.patch<Standard>(`/standards/${id}`, body, options)

export const publishStandard = (id: number, options?: RequestOptions) =>
  http.post<Standard>(`/standards/${id}/publish`, undefined, options)

export const addItem = (id: number, body: ItemCreateBody, options?: RequestOptions) =>
  http.post<StandardItem>(`/standards/${id}/items`, body, options)

export const updateItem = (id: number, itemId: number, body: ItemUpdateBody, options?: RequestOptions) =>
  http.patch<StandardItem>(`/standards/${id}/items/${itemId}`, body, options)

export const deleteItem = (id: number, itemId: number, options?: RequestOptions) =>
  http.delete<void>(`/standards/${id}/items/${itemId}`, options)

export const validateStandard = (id: number, options?: RequestOptions) =>
  http.get<StandardValidation>(`/standards/${id}/validation`, options)

export const standardDiff = (id: number, againstId?: number, options?: RequestOptions) =>
  http.get<StandardDiff>(`/standards/${id}/diff${queryString({ against_id: againstId })}`, options)
