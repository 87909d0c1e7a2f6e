// The HTTP client: problem+json parsing, notifications, Bearer token, single-flight refresh.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  AHEAD_TTL_MS,
  ApiError,
  configureHttp,
  http,
  parseRetryAfter,
  type HttpHooks,
} from '@/api/http'

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}
function problem(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', status, ...body }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

let token: string | null
let hooks: { [K in keyof HttpHooks]: ReturnType<typeof vi.fn> }
let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  token = 'old'
  hooks = {
    getAccessToken: vi.fn(() => token),
    refreshAccessToken: vi.fn(async () => {
      token = 'new'
      return token
    }),
    onUnauthenticated: vi.fn(),
    onPasswordChangeRequired: vi.fn(),
    notify: vi.fn(),
  }
  configureHttp(hooks as unknown as HttpHooks)
  fetchMock = vi.fn()
  vi.stubGlobal('fetch', fetchMock)
})
afterEach(() => {
  vi.unstubAllGlobals()
})

/** The ApiError a call rejects with; fails the test if it resolves. */
function failure(call: Promise<unknown>): Promise<ApiError> {
  return call.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (error: ApiError) => error,
  )
}

const authHeader = (call: unknown[]) =>
  ((call[1] as RequestInit).headers as Record<string, string>).Authorization

describe('problem+json', () => {
  it('parses status, code, title, detail and errors into an ApiError', async () => {
    fetchMock.mockResolvedValue(
      problem(422, {
        title: 'Unprocessable',
        detail: 'new_password too short',
        code: 'validation_error',
        errors: [{ loc: ['body', 'new_password'], msg: 'too short', type: 'string_too_short' }],
      }),
    )
    const error = await failure(http.post('/auth/password', { x: 1 }))
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      status: 422,
      code: 'validation_error',
      title: 'Unprocessable',
      detail: 'new_password too short',
    })
    expect(error.errors).toHaveLength(1)
    expect(error.fieldErrors('new_password')).toEqual(['too short'])
    expect(error.fieldErrors('current_password')).toEqual([])
  })

  it('reads Retry-After from a 429', async () => {
    fetchMock.mockResolvedValue(
      problem(429, { title: 'Too Many Requests', code: 'too_many_attempts' }, { 'Retry-After': '42' }),
    )
    const error = await failure(http.post('/auth/login', {}, { auth: false, silent: true }))
    expect(error.code).toBe('too_many_attempts')
    expect(error.retryAfter).toBe(42)
  })

  it('turns a non-JSON failure into an http_<status> error', async () => {
    fetchMock.mockResolvedValue(
      new Response('<html>bad gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'Content-Type': 'text/html' },
      }),
    )
    const error = await failure(http.get('/me'))
    expect(error).toMatchObject({ status: 502, code: 'http_502', title: 'Bad Gateway', detail: null })
  })

  it('turns a network failure into status 0, network_error', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const error = await failure(http.get('/me'))
    expect(error).toMatchObject({ status: 0, code: 'network_error' })
    expect(hooks.notify).toHaveBeenCalledOnce()
  })
})

describe('notifications', () => {
  it('notifies about errors the caller does not handle', async () => {
    fetchMock.mockResolvedValue(problem(500, { title: 'Internal Server Error', code: 'internal' }))
    await expect(http.get('/me')).rejects.toBeInstanceOf(ApiError)
    expect(hooks.notify).toHaveBeenCalledOnce()
    expect(hooks.notify.mock.calls[0][0]).toMatchObject({ status: 500, code: 'internal' })
  })

  it('stays quiet for silent calls and for listed statuses only', async () => {
    fetchMock.mockResolvedValueOnce(problem(400, { code: 'wrong_password', title: 'Bad' }))
    await expect(http.post('/auth/password', {}, { silent: [400, 422] })).rejects.toThrow()
    expect(hooks.notify).not.toHaveBeenCalled()

    fetchMock.mockResolvedValueOnce(problem(409, { code: 'conflict', title: 'Conflict' }))
    await expect(http.post('/auth/password', {}, { silent: [400, 422] })).rejects.toThrow()
    expect(hooks.notify).toHaveBeenCalledOnce()

    fetchMock.mockResolvedValueOnce(problem(401, { code: 'invalid_credentials', title: 'No' }))
    await expect(http.post('/auth/login', {}, { auth: false, silent: true })).rejects.toThrow()
    expect(hooks.notify).toHaveBeenCalledOnce()
  })

  it('sends a 403 password_change_required to its hook, not to notify', async () => {
    fetchMock.mockResolvedValue(problem(403, { code: 'password_change_required', title: 'Forbidden' }))
    const error = await failure(http.get('/claims'))
    expect(error.code).toBe('password_change_required')
    expect(hooks.onPasswordChangeRequired).toHaveBeenCalledOnce()
    expect(hooks.notify).not.toHaveBeenCalled()
  })
})

describe('requests', () => {
  it('sends JSON with the Bearer token to /api/v1 and parses the answer', async () => {
    fetchMock.mockResolvedValue(json(200, { ok: true }))
    await expect(http.post('/things', { a: 1 })).resolves.toEqual({ ok: true })
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/things')
    expect(init.method).toBe('POST')
    expect(init.body).toBe('{"a":1}')
    expect(init.credentials).toBe('same-origin')
    const headers = init.headers as Record<string, string>
    expect(headers['Content-Type']).toBe('application/json')
    expect(headers.Authorization).toBe('Bearer old')
  })

  it('leaves the token off when auth is false', async () => {
    fetchMock.mockResolvedValue(json(200, {}))
    await http.post('/auth/login', {}, { auth: false })
    expect(authHeader(fetchMock.mock.calls[0])).toBeUndefined()
  })

  it('resolves a 204 with undefined', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }))
    await expect(http.post('/auth/logout')).resolves.toBeUndefined()
  })
})

describe('refresh on 401', () => {
  const byToken = (_url: string, init: RequestInit) => {
    const auth = (init.headers as Record<string, string>).Authorization
    return Promise.resolve(
      auth === 'Bearer new'
        ? json(200, { token: 'new' })
        : problem(401, { code: 'token_expired', title: 'Unauthorized' }),
    )
  }

  it('refreshes once and retries with the new token', async () => {
    fetchMock.mockImplementation(byToken)
    await expect(http.get('/me')).resolves.toEqual({ token: 'new' })
    expect(hooks.refreshAccessToken).toHaveBeenCalledOnce()
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(authHeader(fetchMock.mock.calls[1])).toBe('Bearer new')
    expect(hooks.notify).not.toHaveBeenCalled()
  })

  it('shares one refresh among concurrent requests (single flight)', async () => {
    let release!: () => void
    hooks.refreshAccessToken.mockImplementation(
      () =>
        new Promise<string>((resolve) => {
          release = () => {
            token = 'new'
            resolve('new')
          }
        }),
    )
    fetchMock.mockImplementation(byToken)
    const calls = [http.get('/a'), http.get('/b'), http.get('/c')]
    await vi.waitFor(() => expect(hooks.refreshAccessToken).toHaveBeenCalled())
    // Let all three 401s arrive while the one refresh is still pending.
    await new Promise((r) => setTimeout(r, 10))
    release()
    await expect(Promise.all(calls)).resolves.toHaveLength(3)
    expect(hooks.refreshAccessToken).toHaveBeenCalledOnce()
    expect(fetchMock).toHaveBeenCalledTimes(6)
  })

  it('refreshes again on a later expiry', async () => {
    fetchMock.mockImplementation(byToken)
    await http.get('/a')
    token = 'stale'
    hooks.refreshAccessToken.mockImplementation(async () => {
      token = 'new'
      return 'new'
    })
    await http.get('/b')
    expect(hooks.refreshAccessToken).toHaveBeenCalledTimes(2)
  })

  it('signs out when the refresh fails', async () => {
    hooks.refreshAccessToken.mockResolvedValue(null)
    fetchMock.mockImplementation(byToken)
    const error = await failure(http.get('/me'))
    expect(error).toMatchObject({ status: 401, code: 'token_expired' })
    expect(hooks.onUnauthenticated).toHaveBeenCalledOnce()
    expect(fetchMock).toHaveBeenCalledOnce()
    expect(hooks.notify).not.toHaveBeenCalled()
  })

  it('signs out when the retried request is refused again', async () => {
    fetchMock.mockResolvedValue(problem(401, { code: 'token_expired', title: 'Unauthorized' }))
    await expect(http.get('/me')).rejects.toMatchObject({ status: 401 })
    expect(hooks.refreshAccessToken).toHaveBeenCalledOnce()
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(hooks.onUnauthenticated).toHaveBeenCalledOnce()
  })

  it('does not refresh for calls made without auth (e.g. a failed login)', async () => {
    fetchMock.mockResolvedValue(problem(401, { code: 'invalid_credentials', title: 'Unauthorized' }))
    await expect(http.post('/auth/login', {}, { auth: false, silent: true })).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    expect(hooks.refreshAccessToken).not.toHaveBeenCalled()
    expect(hooks.onUnauthenticated).not.toHaveBeenCalled()
  })
})

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120)
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30)
    expect(parseRetryAfter(null)).toBeNull()
    expect(parseRetryAfter('soon')).toBeNull()
  })
})

describe('refresh across tabs', () => {
  const rotated = (access: string) =>
    json(200, { access_token: access, token_type: 'bearer', expires_in: 900, must_change_password: false })

  /** navigator.locks as the browser has it: one holder of a name at a time, the others queue. */
  function fakeLocks() {
    const tails = new Map<string, Promise<unknown>>()
    const names: string[] = []
    const request = vi.fn((name: string, callback: () => Promise<unknown>) => {
      names.push(name)
      const before = tails.get(name) ?? Promise.resolve()
      const run = before.then(() => callback())
      tails.set(name, run.catch(() => undefined))
      return run
    })
    return { request, names }
  }

  it('refreshes one tab at a time under a Web Lock', async () => {
    const locks = fakeLocks()
    vi.stubGlobal('navigator', { ...navigator, locks })
    const { refresh, REFRESH_LOCK } = await import('@/api/auth')
    let inFlight = 0
    let most = 0
    fetchMock.mockImplementation(async () => {
      inFlight += 1
      most = Math.max(most, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight -= 1
      return rotated(`t${fetchMock.mock.calls.length}`)
    })
    // Three tabs (three callers) at once: the refreshes go out one after the other.
    const answers = await Promise.all([refresh(), refresh(), refresh()])
    expect(answers.map((a) => a.access_token)).toHaveLength(3)
    expect(most).toBe(1)
    expect(locks.names).toEqual([REFRESH_LOCK, REFRESH_LOCK, REFRESH_LOCK])
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/auth/refresh')
  })

  it('refreshes without a lock where the browser has none', async () => {
    vi.stubGlobal('navigator', { ...navigator, locks: undefined })
    const { refresh } = await import('@/api/auth')
    fetchMock.mockResolvedValue(rotated('t1'))
    await expect(refresh()).resolves.toMatchObject({ access_token: 't1' })
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('refreshes without the lock when the lock itself is refused', async () => {
    const request = vi.fn(() => Promise.reject(new DOMException('denied', 'SecurityError')))
    vi.stubGlobal('navigator', { ...navigator, locks: { request } })
    const { refresh } = await import('@/api/auth')
    fetchMock.mockResolvedValue(rotated('t1'))
    await expect(refresh()).resolves.toMatchObject({ access_token: 't1' })
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('passes on the server refusing the refresh, once', async () => {
    vi.stubGlobal('navigator', { ...navigator, locks: fakeLocks() })
    const { refresh } = await import('@/api/auth')
    fetchMock.mockResolvedValue(problem(401, { code: 'invalid_refresh_token', title: 'Unauthorized' }))
    const error = await failure(refresh())
    expect(error.status).toBe(401)
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })
})

describe('reads sent ahead of the page', () => {
  it('gives the answer to the first identical GET, which sends nothing itself', async () => {
    fetchMock.mockImplementation(async () => json(200, { n: fetchMock.mock.calls.length }))
    await http.get('/gradings/2', { ahead: true })
    expect(fetchMock).toHaveBeenCalledTimes(1)
    await expect(http.get('/gradings/2')).resolves.toEqual({ n: 1 })
    expect(fetchMock).toHaveBeenCalledTimes(1)
    // Taken once: the next read asks the server again.
    await expect(http.get('/gradings/2')).resolves.toEqual({ n: 2 })
    await expect(http.get('/gradings/3')).resolves.toEqual({ n: 3 })
  })

  it('asks again when the answer kept is too old', async () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000_000)
    fetchMock.mockImplementation(async () => json(200, { n: fetchMock.mock.calls.length }))
    await http.get('/gradings/2', { ahead: true })
    now.mockReturnValue(1_000_000 + AHEAD_TTL_MS + 1)
    await expect(http.get('/gradings/2')).resolves.toEqual({ n: 2 })
  })

  it('reports a failed read ahead as the page asks: quiet, or through notify', async () => {
    fetchMock.mockImplementation(async () => problem(404, { code: 'not_found', title: 'Not Found' }))
    http.get('/gradings/9', { ahead: true }).catch(() => undefined)
    expect((await failure(http.get('/gradings/9', { silent: true }))).status).toBe(404)
    expect(hooks.notify).not.toHaveBeenCalled()
    http.get('/gradings/9', { ahead: true }).catch(() => undefined)
    expect((await failure(http.get('/gradings/9'))).code).toBe('not_found')
    expect(hooks.notify).toHaveBeenCalledOnce()
  })

  it('is never taken by a file download', async () => {
    fetchMock.mockImplementation(async () => json(200, { n: fetchMock.mock.calls.length }))
    await http.get('/gradings/2/export', { ahead: true })
    fetchMock.mockResolvedValue(new Response(new Blob(['x']), { status: 200 }))
    await http.get('/gradings/2/export', { responseType: 'blob' })
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })
})
