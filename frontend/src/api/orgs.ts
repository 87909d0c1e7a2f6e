// The organisation tree (/api/v1/organisations): read what the caller may, and for org admins
// create, rename, move and archive.
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { components } from './schema'
import type { OrganisationKind, Page } from './types'

/** An organisation as the list gives it: with the active members of its subtree. */
export type OrganisationItem = components['schemas']['OrganisationListItem']
export type OrganisationCreateBody = components['schemas']['OrganisationCreate']

export const listOrganisations = (
  query: { kind?: OrganisationKind; include_archived?: boolean; page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<OrganisationItem>>(`/organisations${queryString(query)}`, options)

export const createOrganisation = (body: OrganisationCreateBody, options?: RequestOptions) =>
  http.post<OrganisationItem>('/organisations', body, options)

export const renameOrganisation = (id: number, name: string, options?: RequestOptions) =>
  http.patch<OrganisationItem>(`/organisations/${id}`, { name }, options)

export const moveOrganisation = (id: number, parentId: number, options?: RequestOptions) =>
  http.post<OrganisationItem>(`/organisations/${id}/move`, { parent_id: parentId }, options)

export const archiveOrganisation = (id: number, options?: RequestOptions) =>
  http.post<OrganisationItem>(`/organisations/${id}/archive`, undefined, options)
