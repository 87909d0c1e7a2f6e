// The signed-in user: account, member record and role assignments (/api/v1/me).
import { http, type RequestOptions } from './http'
import type { Me } from './types'

export function getMe(options?: RequestOptions): Promise<Me> {
  return http.get<Me>('/me', options)
}
