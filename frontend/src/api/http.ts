// The one HTTP client: Bearer token, single-flight refresh on 401, problem+json → ApiError.
//
// The client knows nothing about Pinia, the router or Vant; the app wires those in through
// `configureHttp` (see main.ts), which keeps this module testable with a mocked fetch.
//
// Offline: successful GET answers (JSON) are handed to the `cache` hook, and when a GET cannot
// reach the server the last answer stands in for it (see offline/cache.ts); `onConnectivity`
// tells the app which of the two happened so it can say that the data shown is not fresh.

export const API_BASE = '/api/v1'

/** One entry of a problem's `errors` list (FastAPI validation style). */
export interface ProblemFieldError {
  loc: (string | number)[]
  msg: string
  type: string
}

/** An RFC 9457 problem as the backend sends it. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string | null
  code?: string
  errors?: ProblemFieldError[]
}

/** Every failed call rejects with this; `status` 0 means the network failed. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string | null
  readonly errors: ProblemFieldError[]
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter: number | null
  /** The problem's other members (e.g. `entry_ids` of a `likely_duplicate`). */
  readonly extra: Record<string, unknown>

  constructor(init: {
    status: number
    code: string
    title: string
    detail?: string | null
    errors?: ProblemFieldError[]
    retryAfter?: number | null
    extra?: Record<string, unknown>
  }) {
    super(init.detail || init.title || init.code)
    this.name = 'ApiError'
    this.status = init.status
    this.code = init.code
    this.title = init.title
    this.detail = init.detail ?? null
    this.errors = init.errors ?? []
    this.retryAfter = init.retryAfter ?? null
    this.extra = init.extra ?? {}
  }

  /** The messages for one body field, e.g. `fieldErrors('new_password')`. */
  fieldErrors(field: string): string[] {
    return this.errors.filter((e) => e.loc[e.loc.length - 1] === field).map((e) => e.msg)
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

export interface RequestOptions {
  /** JSON body; sets Content-Type. */
  json?: unknown
  /** A raw body instead (FormData for uploads); the browser sets its Content-Type. */
  body?: BodyInit
  /** `blob` for files (evidence); JSON otherwise. */
  responseType?: 'json' | 'blob'
  headers?: Record<string, string>
  /** Send the Bearer token and refresh on 401 (default true). */
  auth?: boolean
  /**
   * Errors the caller shows itself: `true` for all of them, or a list of HTTP statuses.
   * Anything else is reported through the `notify` hook.
   */
  silent?: boolean | number[]
  signal?: AbortSignal
  /** Never kept in the offline cache: lists of other people's details (audit, import rows). */
  noStore?: boolean
  /**
   * A GET sent ahead of the page that needs it (see `readAhead` in main.ts): its answer is kept
   * for the first identical GET, which takes it instead of asking again.
   */
  ahead?: boolean
}

/** The last-data cache of GET answers (offline/cache.ts). */
export interface HttpCache {
  /** The last answer to this GET, if any. */
  get(path: string): Promise<{ body: unknown; savedAt: number } | undefined>
  /** Remember a successful JSON answer (fire and forget). */
  put(path: string, body: unknown): void
}

/** What became of a request, for the offline indicator. */
export interface ConnectivityEvent {
  method: string
  path: string
  /** The server answered; a cached answer stood in; or neither. */
  source: 'network' | 'cache' | 'unreachable'
  /** When the cached answer was saved (source 'cache'). */
  savedAt?: number
}

/** Statuses that mean a proxy could not reach the server: a GET may use its cached answer. */
const GATEWAY_FAILURES = [502, 503, 504]

export interface HttpHooks {
  /** The access token to send, or null. */
  getAccessToken: () => string | null
  /** Obtain a new access token (POST /auth/refresh); null when the session is gone. */
  refreshAccessToken: () => Promise<string | null>
  /** The session could not be restored: sign out and go to the login page. */
  onUnauthenticated: () => void
  /** The server insists the password is changed first. */
  onPasswordChangeRequired: () => void
  /** Show an error the caller did not say it handles. */
  notify: (error: ApiError) => void
  /** Last-data cache for GETs; null for none. */
  cache?: HttpCache | null
  /** Each request's outcome: answered, answered from the cache, or unreachable. */
  onConnectivity?: (event: ConnectivityEvent) => void
}

const noop = () => {}
let hooks: HttpHooks = {
  getAccessToken: () => null,
  refreshAccessToken: async () => null,
  onUnauthenticated: noop,
  onPasswordChangeRequired: noop,
  notify: noop,
  cache: null,
  onConnectivity: noop,
}

export function configureHttp(partial: Partial<HttpHooks>): void {
  hooks = { ...hooks, ...partial }
}

let refreshing: Promise<string | null> | null = null

/** The network failed (status 0): nothing is known about the server's state. */
export function isNetworkError(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 0
}

/**
 * Refresh the access token, at most one request at a time: every caller that arrives while a
 * refresh is under way waits for that same one. Resolves null when the session is gone; rejects
 * when the server could not be reached or failed (status 0 or 5xx: the session may well be fine,
 * and signing the person out would be wrong).
 */
export function refreshOnce(): Promise<string | null> {
  if (!refreshing) {
    refreshing = hooks
      .refreshAccessToken()
      .catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 0 || error.status >= 500)) throw error
        return null
      })
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

/** Seconds to wait from a Retry-After value (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/** Turn a failed response into an ApiError, reading problem+json when the server sent it. */
export async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'))
  const type = response.headers.get('Content-Type') ?? ''
  let problem: Problem | null = null
  if (type.includes('json')) {
    try {
      problem = (await response.json()) as Problem
    } catch {
      problem = null
    }
  }
  if (problem && typeof problem === 'object') {
    return new ApiError({
      status: typeof problem.status === 'number' ? problem.status : response.status,
      code: problem.code || `http_${response.status}`,
      title: problem.title || response.statusText || `HTTP ${response.status}`,
      detail: typeof problem.detail === 'string' ? problem.detail : null,
      errors: Array.isArray(problem.errors) ? problem.errors : [],
      retryAfter,
      extra: problem as Record<string, unknown>,
    })
  }
  return new ApiError({
    status: response.status,
    code: `http_${response.status}`,
    title: response.statusText || `HTTP ${response.status}`,
    retryAfter,
  })
}

function isSilent(silent: RequestOptions['silent'], error: ApiError): boolean {
  if (silent === true) return true
  if (Array.isArray(silent)) return silent.includes(error.status)
  return false
}

function send(method: string, path: string, options: RequestOptions, token: string | null) {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    ...options.headers,
  }
  let body: BodyInit | undefined = options.body
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  }
  if (token) headers.Authorization = `Bearer ${token}`
  return fetch(`${API_BASE}${path}`, {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: options.signal,
  })
}

function cacheable(method: string, options: RequestOptions): boolean {
  return method === 'GET' && options.responseType !== 'blob' && !options.noStore && !!hooks.cache
}

/** The cached answer to a GET that could not reach the server, if there is one. */
async function cachedAnswer(method: string, path: string, options: RequestOptions) {
  if (!cacheable(method, options)) return undefined
  try {
    return await hooks.cache?.get(path)
  } catch {
    return undefined
  }
}

/** Answers of GETs sent ahead, by path, until a page asks for them (or they are too old). */
const aheadAnswers = new Map<string, { at: number; answer: Promise<unknown> }>()
export const AHEAD_TTL_MS = 10_000

/** Send a GET now and keep its answer for the page's identical GET. */
function sendAhead<T>(path: string, options: RequestOptions): Promise<T> {
  const answer = request<T>('GET', path, { ...options, ahead: false, silent: true })
  answer.catch(() => undefined)
  aheadAnswers.set(path, { at: Date.now(), answer })
  return answer
}

/** The answer kept for this GET, taken once; its failure is reported as the caller asks. */
function takeAhead<T>(path: string, options: RequestOptions): Promise<T> | undefined {
  const kept = aheadAnswers.get(path)
  if (!kept) return undefined
  aheadAnswers.delete(path)
  if (Date.now() - kept.at > AHEAD_TTL_MS) return undefined
  return (kept.answer as Promise<T>).catch((error: unknown) => {
    if (error instanceof ApiError && error.code !== 'password_change_required' && !isSilent(options.silent, error)) {
      hooks.notify(error)
    }
    throw error
  })
}

/** Call the API; resolves with the parsed JSON body (undefined for 204) or rejects with ApiError. */
export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  if (method === 'GET' && options.ahead) return sendAhead<T>(path, options)
  if (method === 'GET' && options.responseType !== 'blob' && !options.signal) {
    const kept = takeAhead<T>(path, options)
    if (kept) return kept
  }
  const auth = options.auth ?? true
  let token = auth ? hooks.getAccessToken() : null
  let response: Response
  try {
    response = await send(method, path, options, token)
    if (response.status === 401 && auth) {
      // Another request may have refreshed the token while this one was in flight.
      const current = hooks.getAccessToken()
      const fresh = current && current !== token ? current : await refreshOnce()
      if (!fresh) {
        const error = await toApiError(response)
        hooks.onUnauthenticated()
        throw error
      }
      token = fresh
      response = await send(method, path, options, token)
      if (response.status === 401) {
        const error = await toApiError(response)
        hooks.onUnauthenticated()
        throw error
      }
    }
  } catch (cause) {
    if (cause instanceof ApiError && !isNetworkError(cause)) throw cause
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    const error = isNetworkError(cause)
      ? cause
      : new ApiError({
          status: 0,
          code: 'network_error',
          title: 'Network error',
          detail: cause instanceof Error ? cause.message : null,
        })
    // Offline: the last answer to this GET is better than nothing.
    const cached = await cachedAnswer(method, path, options)
    hooks.onConnectivity?.({
      method,
      path,
      source: cached ? 'cache' : 'unreachable',
      savedAt: cached?.savedAt,
    })
    if (cached) return cached.body as T
    if (!isSilent(options.silent, error)) hooks.notify(error)
    throw error
  }

  if (!response.ok) {
    const error = await toApiError(response)
    if (GATEWAY_FAILURES.includes(response.status)) {
      const cached = await cachedAnswer(method, path, options)
      hooks.onConnectivity?.({
        method,
        path,
        source: cached ? 'cache' : 'unreachable',
        savedAt: cached?.savedAt,
      })
      if (cached) return cached.body as T
    } else {
      hooks.onConnectivity?.({ method, path, source: 'network' })
    }
    if (error.status === 403 && error.code === 'password_change_required') {
      hooks.onPasswordChangeRequired()
    } else if (!isSilent(options.silent, error)) {
      hooks.notify(error)
    }
    throw error
  }
  hooks.onConnectivity?.({ method, path, source: 'network' })
  if (response.status === 204 || response.headers.get('Content-Length') === '0') {
    return undefined as T
  }
  if (options.responseType === 'blob') return (await response.blob()) as T
  const type = response.headers.get('Content-Type') ?? ''
  if (!type.includes('json')) return (await response.text()) as T
  const body = (await response.json()) as T
  if (cacheable(method, options)) {
    try {
      hooks.cache?.put(path, body)
    } catch {
      // The cache is a convenience; the answer stands.
    }
  }
  return body
}

export const http = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, { ...options, json }),
  put: <T>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>('PUT', path, { ...options, json }),
  patch: <T>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>('PATCH', path, { ...options, json }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
}
