// The outbox: claims composed offline wait in storage and are sent exactly once, resuming an
// interrupted send where it stopped. The API is a fake that keeps Idempotency-Keys like the server.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/http'
import type { ClaimDetail, Evidence } from '@/api/types'

vi.mock('@/api/claims', () => ({
  createClaim: vi.fn(),
  uploadEvidence: vi.fn(),
  submitClaim: vi.fn(),
  getClaim: vi.fn(),
  listClaims: vi.fn(),
}))
vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn(), changePassword: vi.fn() }))

const claimsApi = await import('@/api/claims')
const { sendClaim } = await import('@/offline/outbox')
const { useOutboxStore } = await import('@/stores/outbox')
const { useAuthStore } = await import('@/stores/auth')
const { createMemoryStorage, setOfflineStorage } = await import('@/offline/storage')
const { KEY_TRUST_MS } = await import('@/offline/send')
type Storage = ReturnType<typeof createMemoryStorage>
type Draft = Parameters<typeof sendClaim>[0]

const network = () => new ApiError({ status: 0, code: 'network_error', title: 'Network error' })
const refusal = (status: number, code: string) => new ApiError({ status, code, title: code })

type Failure = { when: 'before' | 'after'; error?: ApiError }

/** A server that behaves like ours: keys replay answers, the same file is kept once. */
class FakeServer {
  claims = new Map<number, ClaimDetail>()
  files = new Map<number, string[]>()
  keys = new Map<string, ClaimDetail | ApiError>()
  nextId = 100
  calls = { create: [] as string[], upload: [] as string[], submit: [] as string[] }
  /** Fail the next call of a step, before the server does anything or after (answer lost). */
  fail: { create?: Failure; upload?: Failure & { name: string }; submit?: Failure } = {}
  /** Refuse creates with this error (a 4xx is replayed for the same key, as the server does). */
  refuseCreate: ApiError | null = null

  private take(step: 'create' | 'submit', when: 'before' | 'after') {
    const f = this.fail[step]
    if (f && f.when === when) {
      delete this.fail[step]
      throw f.error ?? network()
    }
  }

  claim(id: number): ClaimDetail {
    const c = this.claims.get(id)
    if (!c) throw refusal(404, 'not_found')
    return { ...c, evidence_count: this.files.get(id)?.length ?? 0 }
  }

  create(body: { item_id: number; occurred_on: string; quantity: number; description: string }, key: string) {
    this.calls.create.push(key)
    this.take('create', 'before')
    const replay = this.keys.get(key)
    if (replay instanceof ApiError) throw replay
    if (replay) return { ...replay }
    if (this.refuseCreate) {
      this.keys.set(key, this.refuseCreate)
      throw this.refuseCreate
    }
    const id = this.nextId++
    const claim = {
      id,
      item: { id: body.item_id },
      occurred_on: body.occurred_on,
      quantity: body.quantity,
      description: body.description,
      status: 'draft',
      created_at: new Date().toISOString(),
      evidence: [],
    } as unknown as ClaimDetail
    this.claims.set(id, claim)
    this.files.set(id, [])
    this.keys.set(key, claim)
    this.take('create', 'after')
    return { ...claim }
  }

  upload(claimId: number, name: string): Evidence {
    this.calls.upload.push(name)
    const f = this.fail.upload
    if (f && f.name === name && f.when === 'before') {
      delete this.fail.upload
      throw f.error ?? network()
    }
    this.claim(claimId)
    const files = this.files.get(claimId) as string[]
    if (!files.includes(name)) files.push(name)
    if (f && f.name === name && f.when === 'after') {
      delete this.fail.upload
      throw f.error ?? network()
    }
    return { id: files.indexOf(name) + 1, claim_id: claimId, name } as Evidence
  }

  submit(id: number, key: string) {
    this.calls.submit.push(key)
    this.take('submit', 'before')
    const replay = this.keys.get(key)
    if (replay instanceof ApiError) throw replay
    if (replay) return { ...replay }
    const claim = this.claim(id)
    if (claim.status !== 'draft') throw refusal(409, 'invalid_transition')
    const submitted = { ...claim, status: 'submitted' } as ClaimDetail
    this.claims.set(id, submitted)
    this.keys.set(key, submitted)
    this.take('submit', 'after')
    return { ...submitted }
  }

  /** Claims with this description (what "created exactly once" is checked against). */
  withDescription(description: string) {
    return [...this.claims.values()].filter((c) => c.description === description)
  }
}

let server: FakeServer
let storage: Storage
let online: boolean

const photo = (name: string) => ({ name, blob: new Blob([name], { type: 'image/jpeg' }) })
const draft = (description = '看望孤寡老人', photos = [photo('a.jpg'), photo('b.jpg')], submit = true): Draft => ({
  body: { item_id: 9, occurred_on: '2026-11-20', quantity: 1, description },
  submit,
  photos,
})

function signIn(userId = 7) {
  const auth = useAuthStore()
  auth.accessToken = 'token'
  auth.me = {
    user: { id: userId, username: `u${userId}`, display_name: 'U', must_change_password: false, is_superadmin: false, locale: 'zh-CN' },
    member: { id: 50 + userId } as never,
    roles: [],
  }
}

async function only(): Promise<Awaited<ReturnType<Storage['outbox']['list']>>[number]> {
  const list = await storage.outbox.list(7)
  expect(list).toHaveLength(1)
  return list[0]
}

beforeEach(() => {
  setActivePinia(createPinia())
  storage = createMemoryStorage()
  setOfflineStorage(storage)
  server = new FakeServer()
  online = true
  vi.spyOn(navigator, 'onLine', 'get').mockImplementation(() => online)
  vi.mocked(claimsApi.createClaim).mockReset().mockImplementation(async (body, key) => server.create(body, key as string))
  vi.mocked(claimsApi.uploadEvidence)
    .mockReset()
    .mockImplementation(async (id, _blob, name) => server.upload(id, name))
  vi.mocked(claimsApi.submitClaim).mockReset().mockImplementation(async (id, key) => server.submit(id, key as string))
  vi.mocked(claimsApi.getClaim).mockReset().mockImplementation(async (id) => server.claim(id))
  vi.mocked(claimsApi.listClaims)
    .mockReset()
    .mockImplementation(async () => ({ items: [...server.claims.values()].reverse(), total: 0, page: 1, page_size: 50 }))
  signIn()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('sendClaim online', () => {
  it('creates, uploads and submits at once, saving the state after every step', async () => {
    const saved: [number | undefined, number][] = []
    const put = storage.outbox.put
    storage.outbox.put = async (record) => {
      saved.push([record.state.claimId, record.state.uploaded])
      return put(record)
    }
    const progress: number[] = []
    const result = await sendClaim(draft(), { onProgress: (p) => progress.push(p.fraction) })
    expect(result.status).toBe('sent')
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(server.calls.create).toHaveLength(1)
    expect(server.calls.upload).toEqual(['a.jpg', 'b.jpg'])
    expect(server.calls.submit).toHaveLength(1)
    expect(result.status === 'sent' && result.claim.status).toBe('submitted')
    // After create, after each upload.
    expect(saved).toEqual([
      [100, 0],
      [100, 1],
      [100, 2],
    ])
    expect(progress.at(-1)).toBe(1)
    expect(await storage.outbox.list(7)).toEqual([])
    expect(useOutboxStore().count).toBe(0)
  })

  it('rejects with the refusal and keeps nothing when the server refuses the claim', async () => {
    server.refuseCreate = refusal(409, 'claim_window_closed')
    await expect(sendClaim(draft())).rejects.toMatchObject({ code: 'claim_window_closed' })
    expect(await storage.outbox.list(7)).toEqual([])
  })

  it('names the created claim when a later step is refused', async () => {
    server.fail.submit = { when: 'before', error: refusal(422, 'evidence_required') }
    const error = await sendClaim(draft()).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'evidence_required', claimId: 100 })
    expect(await storage.outbox.list(7)).toEqual([])
  })
})

describe('offline', () => {
  it('keeps the claim, photos included, and lists it as waiting without calling the API', async () => {
    online = false
    const result = await sendClaim(draft(), { title: '关爱孤寡老人和留守儿童' })
    expect(result).toMatchObject({ status: 'queued' })
    expect(server.calls.create).toEqual([])
    const record = await only()
    expect(record).toMatchObject({ userId: 7, status: 'waiting', photoCount: 2, submit: true })
    const photos = await storage.outbox.photos(record.localId)
    expect(photos.map((p) => p.name)).toEqual(['a.jpg', 'b.jpg'])
    expect(await photos[0].blob.text()).toBe('a.jpg')
    const outbox = useOutboxStore()
    expect(outbox.count).toBe(1)
    expect(outbox.items[0]).toMatchObject({ title: '关爱孤寡老人和留守儿童', status: 'waiting', photoCount: 2 })

    // Nothing is attempted while the browser says it is offline.
    await outbox.flush()
    expect(server.calls.create).toEqual([])

    online = true
    await outbox.flush()
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(server.claims.get(100)?.status).toBe('submitted')
    expect(server.files.get(100)).toEqual(['a.jpg', 'b.jpg'])
    expect(outbox.count).toBe(0)
    expect(outbox.sentCount).toBe(1)
  })

  it('queues the claim when the network fails on the way, and keeps it queued while it does', async () => {
    server.fail.create = { when: 'before' }
    const result = await sendClaim(draft())
    expect(result.status).toBe('queued')
    const outbox = useOutboxStore()
    server.fail.create = { when: 'before' }
    await outbox.flush()
    expect((await only()).status).toBe('waiting')
    expect(outbox.items[0].status).toBe('waiting')
    await outbox.flush()
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(outbox.count).toBe(0)
  })

  it.each([
    ['a 500', refusal(500, 'internal')],
    ['a 503', refusal(503, 'http_503')],
    ['a 429', refusal(429, 'too_many_attempts')],
    ['a request in flight', refusal(409, 'idempotency_request_in_flight')],
    ['an expired session', refusal(401, 'token_expired')],
  ])('keeps waiting after %s', async (_label, error) => {
    server.fail.create = { when: 'before', error }
    expect((await sendClaim(draft())).status).toBe('queued')
    expect((await only()).status).toBe('waiting')
    await useOutboxStore().flush()
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
  })
})

describe('resuming an interrupted send', () => {
  it('creates once when the answer to the create was lost (same key, replayed)', async () => {
    server.fail.create = { when: 'after' }
    expect((await sendClaim(draft())).status).toBe('queued')
    const record = await only()
    expect(record.state.claimId).toBeUndefined()
    expect(record.state.createUnknownSince).toBeTypeOf('number')
    expect(server.claims.size).toBe(1) // the server did create it

    await useOutboxStore().flush()
    expect(server.calls.create).toEqual([record.state.createKey, record.state.createKey])
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(server.claims.get(100)?.status).toBe('submitted')
  })

  it('continues the uploads from the first photo not yet up', async () => {
    server.fail.upload = { name: 'b.jpg', when: 'before' }
    expect((await sendClaim(draft('看望孤寡老人', [photo('a.jpg'), photo('b.jpg'), photo('c.jpg')]))).status).toBe('queued')
    const record = await only()
    expect(record.state).toMatchObject({ claimId: 100, uploaded: 1 })

    await useOutboxStore().flush()
    expect(server.calls.create).toHaveLength(1)
    expect(server.calls.upload).toEqual(['a.jpg', 'b.jpg', 'b.jpg', 'c.jpg'])
    expect(server.files.get(100)).toEqual(['a.jpg', 'b.jpg', 'c.jpg'])
    expect(server.claims.get(100)?.status).toBe('submitted')
  })

  it('repeats an upload whose answer was lost; the server keeps the file once', async () => {
    server.fail.upload = { name: 'a.jpg', when: 'after' }
    await sendClaim(draft())
    expect((await only()).state.uploaded).toBe(0)
    await useOutboxStore().flush()
    expect(server.calls.upload).toEqual(['a.jpg', 'a.jpg', 'b.jpg'])
    expect(server.files.get(100)).toEqual(['a.jpg', 'b.jpg'])
  })

  it('submits once when the answer to the submit was lost (same key, replayed)', async () => {
    server.fail.submit = { when: 'after' }
    await sendClaim(draft())
    const record = await only()
    expect(record.state).toMatchObject({ claimId: 100, uploaded: 2 })
    await useOutboxStore().flush()
    expect(server.calls.submit).toEqual([record.state.submitKey, record.state.submitKey])
    expect(server.claims.get(100)?.status).toBe('submitted')
    expect(useOutboxStore().count).toBe(0)
  })

  it('treats invalid_transition on an already submitted claim as done', async () => {
    server.fail.submit = { when: 'after' }
    await sendClaim(draft())
    // The server forgot the key (kept 24 hours): the retry's submit is refused as a transition.
    server.keys.clear()
    await useOutboxStore().flush()
    expect(server.calls.submit).toHaveLength(2)
    expect(useOutboxStore().count).toBe(0)
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
  })

  it('resumes from what was saved, in a page opened later (state read back from storage)', async () => {
    server.fail.upload = { name: 'b.jpg', when: 'before' }
    await sendClaim(draft())
    // A new page: fresh stores, the same storage.
    setActivePinia(createPinia())
    signIn()
    const outbox = useOutboxStore()
    await outbox.load()
    expect(outbox.items).toHaveLength(1)
    await outbox.flush()
    expect(server.calls.create).toHaveLength(1)
    expect(server.calls.upload).toEqual(['a.jpg', 'b.jpg', 'b.jpg'])
    expect(outbox.count).toBe(0)
  })

  it('looks for the claim before creating again when the key may have expired', async () => {
    server.fail.create = { when: 'after' }
    await sendClaim(draft())
    const record = await only()
    record.state.createUnknownSince = Date.now() - KEY_TRUST_MS - 60_000
    // The server made the claim back then (created_at after the first attempt) and forgot the key.
    server.claims.get(100)!.created_at = new Date(record.state.createUnknownSince + 1000).toISOString()
    await storage.outbox.put(record)
    server.keys.clear()
    await useOutboxStore().flush()
    expect(server.calls.create).toHaveLength(1)
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(server.claims.get(100)?.status).toBe('submitted')
  })
})

describe('refusals', () => {
  it('marks a refused item failed with the reason, leaves it alone, and retries it with a new key', async () => {
    online = false
    await sendClaim(draft())
    online = true
    server.refuseCreate = refusal(409, 'claim_window_closed')
    const outbox = useOutboxStore()
    await outbox.flush()
    const failed = await only()
    expect(failed.status).toBe('failed')
    expect(failed.error).toMatchObject({ status: 409, code: 'claim_window_closed' })
    expect(outbox.items[0]).toMatchObject({ status: 'failed', error: { code: 'claim_window_closed' } })
    expect(outbox.failedCount).toBe(1)

    // A failed item is not retried by itself.
    await outbox.flush()
    expect(server.calls.create).toHaveLength(1)

    // "Retry": the old key would replay the refusal, so the create gets a new one.
    server.refuseCreate = null
    await outbox.retry(failed.localId)
    expect(server.calls.create).toHaveLength(2)
    expect(server.calls.create[1]).not.toBe(server.calls.create[0])
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(outbox.count).toBe(0)
  })

  it('keeps the created claim id of an item refused at submit, to open it', async () => {
    online = false
    await sendClaim(draft())
    online = true
    server.fail.submit = { when: 'before', error: refusal(422, 'evidence_required') }
    const outbox = useOutboxStore()
    await outbox.flush()
    expect(outbox.items[0]).toMatchObject({ status: 'failed', claimId: 100 })
    await outbox.retry(outbox.items[0].localId)
    expect(server.calls.create).toHaveLength(1)
    expect(server.claims.get(100)?.status).toBe('submitted')
  })

  it('lets the member delete a waiting item and read back its draft', async () => {
    online = false
    const result = await sendClaim(draft())
    const outbox = useOutboxStore()
    const localId = (result as { localId: string }).localId
    const back = await outbox.draft(localId)
    expect(back?.body.description).toBe('看望孤寡老人')
    expect(back?.photos.map((p) => p.name)).toEqual(['a.jpg', 'b.jpg'])
    expect(await outbox.remove(localId)).toBe(true)
    expect(outbox.count).toBe(0)
    expect(await storage.outbox.list(7)).toEqual([])
  })
})

describe('flushing', () => {
  it('sends only the signed-in user’s items', async () => {
    online = false
    await sendClaim(draft('mine'))
    signIn(8)
    await sendClaim(draft('theirs'))
    signIn(7)
    online = true
    const outbox = useOutboxStore()
    await outbox.load()
    expect(outbox.items.map((i) => i.description)).toEqual(['mine'])
    await outbox.flush()
    expect(server.withDescription('mine')).toHaveLength(1)
    expect(server.withDescription('theirs')).toHaveLength(0)
    expect(await storage.outbox.list(8)).toHaveLength(1)
  })

  it('runs one flush at a time', async () => {
    online = false
    await sendClaim(draft('one'))
    await sendClaim(draft('two'))
    online = true
    const outbox = useOutboxStore()
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()])
    expect(server.calls.create).toHaveLength(2)
    expect(server.claims.size).toBe(2)
  })

  it('stops at the first network failure', async () => {
    online = false
    await sendClaim(draft('one'))
    await sendClaim(draft('two'))
    online = true
    server.fail.create = { when: 'before' }
    await useOutboxStore().flush()
    expect(server.calls.create).toHaveLength(1)
    expect(useOutboxStore().waitingCount).toBe(2)
  })

  it('does not delete an item while it is being sent', async () => {
    online = false
    const { localId } = (await sendClaim(draft())) as { localId: string }
    online = true
    let release!: () => void
    vi.mocked(claimsApi.createClaim).mockImplementationOnce(
      (body, key) => new Promise((resolve) => (release = () => resolve(server.create(body, key as string)))),
    )
    const outbox = useOutboxStore()
    const flushing = outbox.flush()
    await vi.waitFor(() => expect(outbox.items[0]?.status).toBe('sending'))
    expect(await outbox.remove(localId)).toBe(false)
    release()
    await flushing
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(outbox.count).toBe(0)
  })
})

describe('sign-out', () => {
  it('asks before discarding waiting claims, and clears them when confirmed', async () => {
    online = false
    await sendClaim(draft())
    const auth = useAuthStore()
    const outbox = useOutboxStore()
    let answer = false
    auth.addLogoutHook({
      confirm: async () => outbox.count === 0 || answer,
      cleanup: (uid) => outbox.clearUser(uid),
    })
    expect(await auth.logout()).toBe(false)
    expect(auth.isAuthenticated).toBe(true)
    expect(await storage.outbox.list(7)).toHaveLength(1)
    answer = true
    expect(await auth.logout()).toBe(true)
    expect(auth.isAuthenticated).toBe(false)
    expect(await storage.outbox.list(7)).toEqual([])
  })
})

describe('an expired sign-in', () => {
  it('keeps the claim for the next sign-in and says why it waits (not the network)', async () => {
    // The create is refused with 401 once the refresh failed too: the session is over.
    server.fail.create = { when: 'before', error: refusal(401, 'invalid_token') }
    const result = await sendClaim(draft())
    expect(result).toMatchObject({ status: 'queued', reason: 'signed-out' })
    expect(await only()).toMatchObject({ userId: 7, status: 'waiting' })
    expect(await useOutboxStore().countFor(7)).toBe(1)
    expect(await useOutboxStore().countFor(8)).toBe(0)

    // Signed in again: the claim goes out, once.
    await useOutboxStore().flush()
    expect(server.withDescription('看望孤寡老人')).toHaveLength(1)
    expect(await storage.outbox.list(7)).toEqual([])
  })

  it('still says "offline" for a claim kept without a network', async () => {
    online = false
    expect(await sendClaim(draft())).toMatchObject({ status: 'queued', reason: 'offline' })
    online = true
    server.fail.create = { when: 'before' }
    expect(await sendClaim(draft('走访'))).toMatchObject({ status: 'queued', reason: 'offline' })
  })
})
