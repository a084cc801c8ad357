import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

const SECRET = /^whsec_[A-Za-z0-9+/]+=*$/
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
const ALL_EVENT_TYPES = [
  'hearing.scheduled',
  'hearing.rescheduled',
  'hearing.cancelled',
  'hearing.decided',
  'hearing.reminder',
  'deadline.created',
  'deadline.rescheduled',
  'deadline.cancelled',
  'deadline.met',
  'deadline.reminder',
  'webhook.test',
]
// Loopback only: nothing is ever delivered (no workers run here), these URLs are only stored.
const URL_A = 'http://127.0.0.1:9/hooks/courtbell'

type Endpoint = {
  id: string
  url: string
  description: string | null
  eventTypes: string[]
  caseIds: string[] | null
  remindBefore: string[]
  enabled: boolean
  createdAt: string
}
type Res = LightMyRequestResponse

function expectProblem(res: Res, status: number) {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
}

async function listIds(h: Harness, headers: Record<string, string>): Promise<string[]> {
  const res = await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints?limit=200', headers })
  expect(res.statusCode).toBe(200)
  return res.json().items.map((e: Endpoint) => e.id)
}

describe('webhook endpoints', () => {
  let h: Harness
  let publicCaseId: string
  let internalCaseId: string
  let otherPartner: { authorization: string }

  beforeAll(async () => {
    h = await startHarness({ name: 'endpoints' })
    const headers = await h.auth('staff')
    publicCaseId = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    ).json().id
    internalCaseId = (
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers,
        payload: { ...bilash.case, visibility: 'internal' },
      })
    ).json().id
    otherPartner = {
      authorization: `Bearer ${(await h.services.keys.create('another NGO', 'partner')).key}`,
    }
  })
  afterAll(async () => h.close())

  const create = async (headers: Record<string, string>, payload: object) =>
    h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload })

  it('registers an endpoint for staff with a whsec_ secret and the documented defaults', async () => {
    const res = await create(await h.auth('staff'), { url: URL_A })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({
      url: URL_A,
      description: null,
      caseIds: null,
      remindBefore: ['P7D', 'P1D', 'PT2H'],
      enabled: true,
    })
    expect([...body.eventTypes].sort()).toEqual([...ALL_EVENT_TYPES].sort())
    expect(body.id).toMatch(/^whe_/)
    expect(body.secret).toMatch(SECRET)
    expect(Buffer.from(body.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(16)
    expect(body.createdAt).toMatch(INSTANT)
  })

  it('registers an endpoint for a partner with its own choices', async () => {
    const res = await create(await h.auth('partner'), {
      url: 'http://127.0.0.1:9/ngo',
      description: 'Human rights monitor',
      eventTypes: ['hearing.reminder', 'hearing.cancelled'],
      caseIds: [publicCaseId],
      remindBefore: ['P3D'],
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      url: 'http://127.0.0.1:9/ngo',
      description: 'Human rights monitor',
      eventTypes: ['hearing.reminder', 'hearing.cancelled'],
      caseIds: [publicCaseId],
      remindBefore: ['P3D'],
      enabled: true,
    })
    expect(res.json().secret).toMatch(SECRET)
  })

  it('never shows the secret again, in the list or on its own', async () => {
    const headers = await h.auth('staff')
    const created = (await create(headers, { url: URL_A })).json()
    const one = await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${created.id}`, headers })
    expect(one.statusCode).toBe(200)
    const { secret, ...view } = created
    expect(one.json()).toMatchObject(view)
    expect(one.json()).not.toHaveProperty('secret')
    expect(one.body).not.toContain(secret)
    expect(one.body).not.toContain('whsec_')

    const list = await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints?limit=200', headers })
    expect(list.statusCode).toBe(200)
    expect(list.json()).toHaveProperty('nextCursor')
    expect(list.json().items.map((e: Endpoint) => e.id)).toContain(created.id)
    for (const item of list.json().items) expect(item).not.toHaveProperty('secret')
    expect(list.body).not.toContain('whsec_')
  })

  it("shows a partner only its own endpoints: another partner's or staff's answer 404 and are not listed", async () => {
    const partner = await h.auth('partner')
    const staffOwn = (await create(await h.auth('staff'), { url: URL_A })).json()
    const mine = (await create(partner, { url: URL_A })).json()
    const theirs = (await create(otherPartner, { url: URL_A })).json()

    const visible = await listIds(h, partner)
    expect(visible).toContain(mine.id)
    expect(visible).not.toContain(theirs.id)
    expect(visible).not.toContain(staffOwn.id)
    expect(await listIds(h, otherPartner)).toEqual([theirs.id])

    for (const id of [theirs.id, staffOwn.id]) {
      const calls = [
        { method: 'GET' as const, url: `/v1/webhook-endpoints/${id}` },
        { method: 'PATCH' as const, url: `/v1/webhook-endpoints/${id}`, payload: { enabled: false } },
        { method: 'DELETE' as const, url: `/v1/webhook-endpoints/${id}` },
        { method: 'POST' as const, url: `/v1/webhook-endpoints/${id}/rotate-secret` },
        { method: 'POST' as const, url: `/v1/webhook-endpoints/${id}/test` },
      ]
      for (const call of calls) expectProblem(await h.app.inject({ ...call, headers: partner }), 404)
    }
    // Nothing of theirs changed.
    const staffHeaders = await h.auth('staff')
    for (const e of [theirs, staffOwn]) {
      const read = await h.app.inject({
        method: 'GET',
        url: `/v1/webhook-endpoints/${e.id}`,
        headers: staffHeaders,
      })
      expect(read.statusCode).toBe(200)
      expect(read.json()).toMatchObject({ enabled: true, updatedAt: e.updatedAt })
    }
    // Staff see every endpoint.
    const all = await listIds(h, staffHeaders)
    expect(all).toEqual(expect.arrayContaining([staffOwn.id, mine.id, theirs.id]))
  })

  it('patches event types, enabled and remindBefore', async () => {
    const headers = await h.auth('partner')
    const created = (await create(headers, { url: URL_A })).json()
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhook-endpoints/${created.id}`,
      headers,
      payload: { eventTypes: ['hearing.decided'], enabled: false, remindBefore: ['PT6H', 'P2D'] },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({
      id: created.id,
      url: URL_A,
      eventTypes: ['hearing.decided'],
      enabled: false,
      remindBefore: ['PT6H', 'P2D'],
    })
    expect(patched.json()).not.toHaveProperty('secret')
    const read = await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${created.id}`, headers })
    expect(read.json()).toEqual(patched.json())

    const reEnabled = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhook-endpoints/${created.id}`,
      headers,
      payload: { enabled: true, description: 'back on' },
    })
    expect(reEnabled.statusCode).toBe(200)
    expect(reEnabled.json()).toMatchObject({
      enabled: true,
      description: 'back on',
      eventTypes: ['hearing.decided'],
    })
  })

  it('rejects a bad patch with a problem and leaves the endpoint as it was', async () => {
    const headers = await h.auth('staff')
    const created = (await create(headers, { url: URL_A })).json()
    const read = async () =>
      (await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${created.id}`, headers })).json()
    const before = await read()
    const patch = (payload: object) =>
      h.app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${created.id}`, headers, payload })

    expectProblem(await patch({}), 400)
    const types = await patch({ eventTypes: ['hearing.exploded'] })
    expectProblem(types, 400)
    expect(types.json().errors[0].path).toMatch(/^\/eventTypes/)
    const durations = await patch({ remindBefore: ['P1D', 'PT0S'] })
    expectProblem(durations, 400)
    expect(durations.json().errors[0].path).toBe('/remindBefore/1')
    const enabled = await patch({ enabled: 'no' })
    expectProblem(enabled, 400)
    expect(enabled.json().errors[0].path).toBe('/enabled')
    const secret = await patch({ secret: 'whsec_AAAA' })
    expectProblem(secret, 400)
    expect(secret.json().errors[0].path).toBe('/secret')
    const scheme = await patch({ url: 'ftp://127.0.0.1/x' })
    expectProblem(scheme, 400)
    expect(scheme.json().errors[0].path).toBe('/url')
    const cases = await patch({ caseIds: ['case_nope'] })
    expectProblem(cases, 400)
    expect(cases.json().errors[0].path).toBe('/caseIds/0')

    expect(await read()).toEqual(before)
    expectProblem(
      await h.app.inject({
        method: 'PATCH',
        url: '/v1/webhook-endpoints/whe_nope',
        headers,
        payload: { enabled: false },
      }),
      404,
    )
  })

  it('deletes an endpoint: 204, then 404', async () => {
    const headers = await h.auth('partner')
    const created = (await create(headers, { url: URL_A })).json()
    const deleted = await h.app.inject({
      method: 'DELETE',
      url: `/v1/webhook-endpoints/${created.id}`,
      headers,
    })
    expect(deleted.statusCode).toBe(204)
    expect(deleted.body).toBe('')
    expectProblem(
      await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${created.id}`, headers }),
      404,
    )
    expect(await listIds(h, headers)).not.toContain(created.id)
    expectProblem(
      await h.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${created.id}`, headers }),
      404,
    )
    expectProblem(
      await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${created.id}/test`, headers }),
      404,
    )
  })

  it('rotates the secret: 200 with a new whsec_ secret', async () => {
    const headers = await h.auth('partner')
    const created = (await create(headers, { url: URL_A })).json()
    const rotated = await h.app.inject({
      method: 'POST',
      url: `/v1/webhook-endpoints/${created.id}/rotate-secret`,
      headers,
    })
    expect(rotated.statusCode).toBe(200)
    expect(Object.keys(rotated.json())).toEqual(['secret'])
    expect(rotated.json().secret).toMatch(SECRET)
    expect(rotated.json().secret).not.toBe(created.secret)
    const again = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${created.id}/rotate-secret`,
        headers,
      })
    ).json()
    expect(again.secret).toMatch(SECRET)
    expect([created.secret, rotated.json().secret]).not.toContain(again.secret)
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints/whe_nope/rotate-secret', headers }),
      404,
    )
  })

  it('accepts a test delivery request: 202', async () => {
    const headers = await h.auth('partner')
    const created = (await create(headers, { url: URL_A })).json()
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/webhook-endpoints/${created.id}/test`,
      headers,
    })
    expect(res.statusCode).toBe(202)
    expectProblem(
      await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints/whe_nope/test', headers }),
      404,
    )
  })

  it('rejects unknown event types, unknown cases, bad URLs and unknown fields, creating nothing', async () => {
    const staff = await h.auth('staff')
    const partner = await h.auth('partner')
    const beforeStaff = await listIds(h, staff)

    const types = await create(staff, { url: URL_A, eventTypes: ['hearing.exploded'] })
    expectProblem(types, 400)
    expect(types.json().errors[0].path).toMatch(/^\/eventTypes/)
    expectProblem(await create(staff, { url: URL_A, eventTypes: [] }), 400)
    expectProblem(await create(staff, { url: URL_A, eventTypes: ['subscription.confirmation'] }), 400)

    const unknownCase = await create(staff, { url: URL_A, caseIds: [publicCaseId, 'case_doesnotexist'] })
    expectProblem(unknownCase, 400)
    expect(unknownCase.json().errors[0].path).toBe('/caseIds/1')
    // A partner may not follow an internal case: to it that case does not exist.
    const internal = await create(partner, { url: URL_A, caseIds: [internalCaseId] })
    expectProblem(internal, 400)
    expect(internal.json().errors[0].path).toBe('/caseIds/0')

    for (const url of [
      'ftp://127.0.0.1/x',
      'not a url at all',
      'javascript:alert(1)',
      'http://user:pw@127.0.0.1/x',
    ]) {
      const res = await create(staff, { url })
      expectProblem(res, 400)
      expect(res.json().errors[0].path, url).toBe('/url')
    }
    const missing = await create(staff, { description: 'no url' })
    expectProblem(missing, 400)
    expect(missing.json().errors[0].path).toBe('/url')
    const extra = await create(staff, { url: URL_A, secret: 'whsec_mine' })
    expectProblem(extra, 400)
    expect(extra.json().errors[0].path).toBe('/secret')
    const durations = await create(staff, { url: URL_A, remindBefore: ['P367D'] })
    expectProblem(durations, 400)
    expect(durations.json().errors[0].path).toMatch(/^\/remindBefore/)

    expect((await listIds(h, staff)).sort()).toEqual([...beforeStaff].sort())
  })

  it('answers 401 without a key or with an unknown key, on every route', async () => {
    const id = (await create(await h.auth('staff'), { url: URL_A })).json().id
    const calls = [
      { method: 'POST' as const, url: '/v1/webhook-endpoints', payload: { url: URL_A } },
      { method: 'GET' as const, url: '/v1/webhook-endpoints' },
      { method: 'GET' as const, url: `/v1/webhook-endpoints/${id}` },
      { method: 'PATCH' as const, url: `/v1/webhook-endpoints/${id}`, payload: { enabled: false } },
      { method: 'DELETE' as const, url: `/v1/webhook-endpoints/${id}` },
      { method: 'POST' as const, url: `/v1/webhook-endpoints/${id}/rotate-secret` },
      { method: 'POST' as const, url: `/v1/webhook-endpoints/${id}/test` },
    ]
    const before = await listIds(h, await h.auth('staff'))
    for (const call of calls) {
      expectProblem(await h.app.inject(call), 401)
      expectProblem(await h.app.inject({ ...call, headers: { authorization: 'Bearer cb_unknown' } }), 401)
    }
    expect(await listIds(h, await h.auth('staff'))).toEqual(before)
    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/webhook-endpoints/${id}`,
      headers: await h.auth('staff'),
    })
    expect(read.json().enabled).toBe(true)
  })

  it('lets an admin key manage endpoints too', async () => {
    const res = await create(await h.auth('admin'), { url: URL_A })
    expect(res.statusCode).toBe(201)
  })
})

describe('webhook endpoints with private targets refused (WEBHOOK_ALLOW_PRIVATE=false)', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness({ name: 'endpoints-private', env: { WEBHOOK_ALLOW_PRIVATE: 'false' } })
  })
  afterAll(async () => h.close())

  // Only validated, never contacted: no workers run in this harness.
  const forbidden = [
    'http://127.0.0.1/x',
    'http://localhost/x',
    'http://169.254.169.254/latest',
    'http://[::1]/x',
    'http://10.0.0.1/x',
    'http://192.168.1.20/x',
    'http://172.16.0.1/x',
    'http://0.0.0.0/x',
    'http://127.1/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[fe80::1]/x',
  ]

  it('refuses loopback, private and link-local URLs with 400 on /url and creates nothing', async () => {
    for (const scope of ['staff', 'partner'] as const) {
      const headers = await h.auth(scope)
      for (const url of forbidden) {
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers,
          payload: { url },
        })
        expectProblem(res, 400)
        expect(
          res.json().errors.map((e: { path: string }) => e.path),
          url,
        ).toEqual(['/url'])
      }
      expect(await listIds(h, headers)).toEqual([])
    }
  })

  it('refuses an ftp:// URL', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: await h.auth('staff'),
      payload: { url: 'ftp://files.example.org/x' },
    })
    expectProblem(res, 400)
    expect(res.json().errors[0].path).toBe('/url')
  })

  it('refuses to move an existing endpoint to a private address', async () => {
    const headers = await h.auth('staff')
    // A public address literal: stored only, never contacted (no worker runs, and the check needs no lookup).
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers,
      payload: { url: 'https://1.1.1.1/hooks' },
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().id
    for (const url of ['http://127.0.0.1/x', 'http://169.254.169.254/latest']) {
      const res = await h.app.inject({
        method: 'PATCH',
        url: `/v1/webhook-endpoints/${id}`,
        headers,
        payload: { url },
      })
      expectProblem(res, 400)
      expect(res.json().errors[0].path).toBe('/url')
    }
    const read = await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}`, headers })
    expect(read.json().url).toBe('https://1.1.1.1/hooks')
  })
})
