// The organisations the caller may read (/api/v1/organisations).
import { http, type RequestOptions } from './http'
import { queryString } from './claims'
import type { Organisation, OrganisationKind, Page } from './types'

export const listOrganisations = (
  query: { kind?: OrganisationKind; page?: number; page_size?: number } = {},
  options?: RequestOptions,
) => http.get<Page<Organisation>>(`/organisations${queryString(query)}`, options)
