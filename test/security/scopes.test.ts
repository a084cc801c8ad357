import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { expectProblem, type Key, newKey, type Scope, utcWallTime } from './support.js'

/**
 * Scopes everywhere (issue 4, item 1): every route of API.md with no key, a revoked key and each scope;
 * and partner isolation, down to the events a partner's endpoint receives.
 */

type Who = 'none' | 'revoked' | Scope
const WHO: readonly Who[] = ['none', 'revoked', 'admin', 'staff', 'partner']
type Headers = Record<string, string>
type Ctx = { who: Who; headers: Headers }
type Req = { url: string; payload?: unknown; headers?: Record<string, string> }
type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** As API.md writes it. */
  path: string
  /** 'public': anyone; 'optional': anyone, but a key if sent must be valid; else the scopes allowed besides admin. */
  access: 'public' | 'optional' | readonly Scope[]
  /** The status a caller that may use the route gets (the request is built to succeed). */
  ok: number | ((who: Who) => number)
  build: (ctx: Ctx) => Promise<Req> | Req
}

let h: Harness
let admin: Headers
let staff: Key
let partner: Key
let revoked: Headers
let publicCaseId: string
let publicHearingId: string
let internalCaseId: string
let internalHearingId: string
let seq = 0
const unique = (what: string) => `${what}-${Date.now().toString(36)}-${++seq}`

const headersOf = (who: Who): Headers =>
  who === 'none'
    ? {}
    : who === 'revoked'
      ? revoked
      : who === 'admin'
        ? admin
        : who === 'staff'
          ? staff.headers
          : partner.headers

async function inject(method: Route['method'], req: Req, headers: Headers): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method,
    url: req.url,
    headers: { ...headers, ...req.headers },
    // Every request from its own address, so the self-service per-IP limit never interferes with the table.
    remoteAddress: `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${++seq & 255}`,
    ...(req.payload !== undefined ? { payload: req.payload as object } : {}),
  })
}

async function created(url: string, payload: object, headers: Headers = staff.headers): Promise<string> {
  const res = await inject('POST', { url, payload }, headers)
  expect(res.statusCode, res.body).toBeLessThan(300)
  return res.json().id as string
}
const freshRule = () =>
  created('/v1/deadline-rules', { jurisdiction: 'KZ', title: unique('rule'), period: 'P5D' })
const freshDeadline = () =>
  created(`/v1/cases/${publicCaseId}/deadlines`, { title: unique('deadline'), dueOn: '2030-01-15' })
const freshCase = () => created('/v1/cases', { ...bilash.case, title: unique('case') })
const freshHearing = (caseId = publicCaseId) =>
  created(`/v1/cases/${caseId}/hearings`, { ...bilash.hearing, title: unique('hearing') })
/** An endpoint the caller owns (staff's when the caller has no usable key). */
const freshEndpoint = (ctx: Ctx) =>
  created(
    '/v1/webhook-endpoints',
    { url: 'http://127.0.0.1:9/hooks', description: unique('endpoint') },
    ctx.who === 'admin' || ctx.who === 'staff' || ctx.who === 'partner' ? ctx.headers : staff.headers,
  )
/** A delivery to an endpoint the caller owns; `finished` makes it redeliverable. */
async function freshDelivery(ctx: Ctx, finished = false): Promise<string> {
  const endpointId = await freshEndpoint(ctx)
  const res = await inject('POST', { url: `/v1/webhook-endpoints/${endpointId}/test` }, staff.headers)
  expect(res.statusCode).toBe(202)
  const deliveryId = res.json().deliveryId as string
  if (finished)
    await h.services.deliveries.recordAttempt(
      deliveryId,
      { at: new Date().toISOString(), durationMs: 1, statusCode: 500, error: 'HTTP 500' },
      'failed',
      null,
    )
  return deliveryId
}
async function freshSubscription(status: 'pending' | 'active'): Promise<string> {
  const { subscription } = await h.services.subscriptions.upsert(
    { kind: 'hearing', hearingId: publicHearingId },
    { email: `${unique('lawyer')}@lawfirm.test`, name: null, timeZone: null, remindBefore: ['P1D'] },
    status,
  )
  return subscription.id
}

const subscribeOk = (who: Who) => (who === 'none' ? 202 : 201)

const ROUTES: readonly Route[] = [
  // API keys (admin)
  {
    method: 'POST',
    path: '/v1/api-keys',
    access: [],
    ok: 201,
    build: () => ({ url: '/v1/api-keys', payload: { name: unique('key'), scope: 'partner' } }),
  },
  { method: 'GET', path: '/v1/api-keys', access: [], ok: 200, build: () => ({ url: '/v1/api-keys' }) },
  {
    method: 'DELETE',
    path: '/v1/api-keys/:id',
    access: [],
    ok: 204,
    build: async () => ({ url: `/v1/api-keys/${(await h.services.keys.create(unique('k'), 'staff')).id}` }),
  },
  // Cases
  {
    method: 'POST',
    path: '/v1/cases',
    access: ['staff'],
    ok: 201,
    build: () => ({ url: '/v1/cases', payload: { ...bilash.case, title: unique('case') } }),
  },
  {
    method: 'GET',
    path: '/v1/cases',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/cases' }),
  },
  {
    method: 'GET',
    path: '/v1/cases/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: `/v1/cases/${publicCaseId}` }),
  },
  {
    method: 'PATCH',
    path: '/v1/cases/:id',
    access: ['staff'],
    ok: 200,
    build: async () => ({ url: `/v1/cases/${await freshCase()}`, payload: { description: 'amended' } }),
  },
  // Hearings
  {
    method: 'POST',
    path: '/v1/cases/:caseId/hearings',
    access: ['staff'],
    ok: 201,
    build: () => ({ url: `/v1/cases/${publicCaseId}/hearings`, payload: bilash.hearing }),
  },
  {
    method: 'GET',
    path: '/v1/hearings',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/hearings' }),
  },
  {
    method: 'GET',
    path: '/v1/hearings/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: `/v1/hearings/${publicHearingId}` }),
  },
  {
    method: 'PATCH',
    path: '/v1/hearings/:id',
    access: ['staff'],
    ok: 200,
    build: async () => ({
      url: `/v1/hearings/${await freshHearing()}`,
      payload: { location: 'Courtroom 7' },
    }),
  },
  {
    method: 'POST',
    path: '/v1/hearings/:id/cancel',
    access: ['staff'],
    ok: 200,
    build: async () => ({
      url: `/v1/hearings/${await freshHearing()}/cancel`,
      payload: { reason: 'judge ill' },
    }),
  },
  {
    method: 'POST',
    path: '/v1/hearings/:id/outcome',
    access: ['staff'],
    ok: 200,
    build: async () => ({
      url: `/v1/hearings/${await freshHearing()}/outcome`,
      payload: { summary: 'Petition rejected' },
    }),
  },
  // Email subscriptions: staff (201) or self-service without a key (202); a partner may not.
  {
    method: 'POST',
    path: '/v1/hearings/:id/subscriptions',
    access: 'optional',
    ok: subscribeOk,
    build: () => ({
      url: `/v1/hearings/${publicHearingId}/subscriptions`,
      payload: { email: `${unique('h')}@lawfirm.test` },
    }),
  },
  {
    method: 'POST',
    path: '/v1/cases/:id/subscriptions',
    access: 'optional',
    ok: subscribeOk,
    build: () => ({
      url: `/v1/cases/${publicCaseId}/subscriptions`,
      payload: { email: `${unique('c')}@lawfirm.test` },
    }),
  },
  {
    method: 'GET',
    path: '/v1/subscriptions',
    access: ['staff'],
    ok: 200,
    build: () => ({ url: `/v1/subscriptions?hearingId=${publicHearingId}` }),
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    access: ['staff'],
    ok: 204,
    build: async () => ({ url: `/v1/subscriptions/${await freshSubscription('active')}` }),
  },
  {
    method: 'GET',
    path: '/subscriptions/confirm',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: `/subscriptions/confirm?token=${h.services.tokens.issue(await freshSubscription('pending'), 'confirm')}`,
    }),
  },
  {
    method: 'GET',
    path: '/unsubscribe',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: `/unsubscribe?token=${h.services.tokens.issue(await freshSubscription('active'), 'unsubscribe')}`,
    }),
  },
  {
    method: 'POST',
    path: '/unsubscribe',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: `/unsubscribe?token=${h.services.tokens.issue(await freshSubscription('active'), 'unsubscribe')}`,
    }),
  },
  // Digests: the stop link of a digest email (its token is the only credential)
  {
    method: 'GET',
    path: '/digests/stop',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: `/digests/stop?token=${h.services.tokens.issue(await freshSubscription('active'), 'digest')}`,
    }),
  },
  {
    method: 'POST',
    path: '/digests/stop',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: `/digests/stop?token=${h.services.tokens.issue(await freshSubscription('active'), 'digest')}`,
    }),
  },
  // Calendars (issue 11): a case's feed with a key, a public case's without, a subscription's by its token.
  {
    method: 'GET',
    path: '/v1/cases/:id/calendar.ics',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: `/v1/cases/${publicCaseId}/calendar.ics` }),
  },
  {
    method: 'GET',
    path: '/c/:caseId/calendar.ics',
    access: 'public',
    ok: 200,
    build: () => ({ url: `/c/${publicCaseId}/calendar.ics` }),
  },
  {
    method: 'GET',
    path: '/calendar/:token.ics',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: new URL(h.services.calendar.feedUrl(await freshSubscription('active'))).pathname,
    }),
  },
  {
    method: 'POST',
    path: '/subscriptions/confirm',
    access: 'public',
    ok: 200,
    build: async () => ({
      url: `/subscriptions/confirm?token=${h.services.tokens.issue(await freshSubscription('pending'), 'confirm')}`,
    }),
  },
  // Pages for people (API.md 1.1): public, in the browser's language
  {
    method: 'GET',
    path: '/c/:caseId',
    access: 'public',
    ok: 200,
    build: () => ({ url: `/c/${publicCaseId}` }),
  },
  {
    method: 'POST',
    path: '/c/:caseId/subscribe',
    access: 'public',
    ok: 200,
    build: () => ({
      url: `/c/${publicCaseId}/subscribe`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=${unique('page')}%40lawfirm.test&remindBefore=P1D`,
    }),
  },
  {
    method: 'GET',
    path: '/preferences',
    access: 'public',
    ok: 200,
    build: () => ({ url: `/preferences?token=${h.services.tokens.issuePreferences('prefs@lawfirm.test')}` }),
  },
  {
    method: 'POST',
    path: '/preferences',
    access: 'public',
    ok: 200,
    build: () => ({
      url: `/preferences?token=${h.services.tokens.issuePreferences('prefs@lawfirm.test')}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    }),
  },
  // Webhook endpoints (staff or partner; a partner only its own)
  {
    method: 'POST',
    path: '/v1/webhook-endpoints',
    access: ['staff', 'partner'],
    ok: 201,
    build: () => ({ url: '/v1/webhook-endpoints', payload: { url: 'http://127.0.0.1:9/hooks' } }),
  },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/webhook-endpoints' }),
  },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: async (ctx) => ({ url: `/v1/webhook-endpoints/${await freshEndpoint(ctx)}` }),
  },
  {
    method: 'PATCH',
    path: '/v1/webhook-endpoints/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: async (ctx) => ({
      url: `/v1/webhook-endpoints/${await freshEndpoint(ctx)}`,
      payload: { description: 'renamed' },
    }),
  },
  {
    method: 'DELETE',
    path: '/v1/webhook-endpoints/:id',
    access: ['staff', 'partner'],
    ok: 204,
    build: async (ctx) => ({ url: `/v1/webhook-endpoints/${await freshEndpoint(ctx)}` }),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:id/rotate-secret',
    access: ['staff', 'partner'],
    ok: 200,
    build: async (ctx) => ({ url: `/v1/webhook-endpoints/${await freshEndpoint(ctx)}/rotate-secret` }),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:id/test',
    access: ['staff', 'partner'],
    ok: 202,
    build: async (ctx) => ({ url: `/v1/webhook-endpoints/${await freshEndpoint(ctx)}/test` }),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:id/replay',
    access: ['staff', 'partner'],
    ok: 202,
    build: async (ctx) => ({
      url: `/v1/webhook-endpoints/${await freshEndpoint(ctx)}/replay`,
      payload: { since: new Date(Date.now() - 3600_000).toISOString() },
    }),
  },
  // Deliveries (a partner: those to its own endpoints)
  {
    method: 'GET',
    path: '/v1/deliveries',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/deliveries' }),
  },
  {
    method: 'GET',
    path: '/v1/deliveries/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: async (ctx) => ({ url: `/v1/deliveries/${await freshDelivery(ctx)}` }),
  },
  {
    method: 'POST',
    path: '/v1/deliveries/:id/redeliver',
    access: ['staff', 'partner'],
    ok: 202,
    build: async (ctx) => ({ url: `/v1/deliveries/${await freshDelivery(ctx, true)}/redeliver` }),
  },
  // Court calendars and deadline rules (version 1.1)
  {
    method: 'GET',
    path: '/v1/court-calendars/:jurisdiction/days',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/court-calendars/KZ/days?from=2026-12-14&to=2026-12-20' }),
  },
  {
    method: 'PUT',
    path: '/v1/court-calendars/:jurisdiction/days/:date',
    access: ['staff'],
    ok: 200,
    build: () => ({
      url: '/v1/court-calendars/KZ/days/2030-01-15',
      payload: { open: false, reason: 'Snow' },
    }),
  },
  {
    method: 'DELETE',
    path: '/v1/court-calendars/:jurisdiction/days/:date',
    access: ['staff'],
    ok: 204,
    build: () => ({ url: '/v1/court-calendars/KZ/days/2030-01-15' }),
  },
  {
    method: 'GET',
    path: '/v1/deadline-rules',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/deadline-rules?jurisdiction=KZ' }),
  },
  {
    method: 'GET',
    path: '/v1/deadline-rules/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: '/v1/deadline-rules/kz.cpc-403-appeal' }),
  },
  {
    method: 'POST',
    path: '/v1/deadline-rules',
    access: ['staff'],
    ok: 201,
    build: () => ({
      url: '/v1/deadline-rules',
      payload: { jurisdiction: 'KZ', title: unique('rule'), period: 'P5D' },
    }),
  },
  {
    method: 'PATCH',
    path: '/v1/deadline-rules/:id',
    access: ['staff'],
    ok: 200,
    build: async () => ({ url: `/v1/deadline-rules/${await freshRule()}`, payload: { period: 'P6D' } }),
  },
  {
    method: 'DELETE',
    path: '/v1/deadline-rules/:id',
    access: ['staff'],
    ok: 204,
    build: async () => ({ url: `/v1/deadline-rules/${await freshRule()}` }),
  },
  {
    method: 'POST',
    path: '/v1/cases/:caseId/deadlines',
    access: ['staff'],
    ok: 201,
    build: () => ({
      url: `/v1/cases/${publicCaseId}/deadlines`,
      payload: { title: unique('deadline'), dueOn: '2030-01-15' },
    }),
  },
  {
    method: 'GET',
    path: '/v1/deadlines',
    access: ['staff', 'partner'],
    ok: 200,
    build: () => ({ url: `/v1/deadlines?caseId=${publicCaseId}` }),
  },
  {
    method: 'GET',
    path: '/v1/deadlines/:id',
    access: ['staff', 'partner'],
    ok: 200,
    build: async () => ({ url: `/v1/deadlines/${await freshDeadline()}` }),
  },
  {
    method: 'PATCH',
    path: '/v1/deadlines/:id',
    access: ['staff'],
    ok: 200,
    build: async () => ({ url: `/v1/deadlines/${await freshDeadline()}`, payload: { dueOn: '2030-01-16' } }),
  },
  {
    method: 'POST',
    path: '/v1/deadlines/:id/met',
    access: ['staff'],
    ok: 200,
    build: async () => ({ url: `/v1/deadlines/${await freshDeadline()}/met`, payload: {} }),
  },
  {
    method: 'POST',
    path: '/v1/deadlines/:id/cancel',
    access: ['staff'],
    ok: 200,
    build: async () => ({ url: `/v1/deadlines/${await freshDeadline()}/cancel`, payload: {} }),
  },
  // Operations
  { method: 'GET', path: '/healthz', access: 'public', ok: 200, build: () => ({ url: '/healthz' }) },
  { method: 'GET', path: '/readyz', access: 'public', ok: 200, build: () => ({ url: '/readyz' }) },
  {
    method: 'GET',
    path: '/openapi.json',
    access: 'public',
    ok: 200,
    build: () => ({ url: '/openapi.json' }),
  },
  { method: 'GET', path: '/docs', access: 'public', ok: 200, build: () => ({ url: '/docs' }) },
  // API.md 1.1 operations: admin keys only (/metrics also takes METRICS_TOKEN, /admin/queues Basic auth).
  { method: 'GET', path: '/metrics', access: [], ok: 200, build: () => ({ url: '/metrics' }) },
  { method: 'GET', path: '/admin/queues', access: [], ok: 200, build: () => ({ url: '/admin/queues' }) },
  // Audit trail (issue 4, item 7: admins only)
  {
    method: 'GET',
    path: '/v1/audit',
    access: [],
    ok: 200,
    build: () => ({ url: `/v1/audit?entityId=${publicCaseId}` }),
  },
  // Not in API.md, but served: operator statistics, staff level.
  { method: 'GET', path: '/v1/stats', access: ['staff'], ok: 200, build: () => ({ url: '/v1/stats' }) },
]

/** What API.md says the caller gets. */
function expected(route: Route, who: Who): number {
  const ok = typeof route.ok === 'function' ? route.ok(who) : route.ok
  if (route.access === 'public') return ok
  if (who === 'revoked') return 401
  if (route.access === 'optional') return who === 'partner' ? 403 : ok
  if (who === 'none') return 401
  if (who === 'admin' || route.access.includes(who)) return ok
  return 403
}

beforeAll(async () => {
  h = await startHarness({ name: 'sec-scopes', env: { RATE_LIMIT_PER_MINUTE: '100000' } })
  admin = await h.auth('admin')
  staff = await newKey(h, 'staff')
  partner = await newKey(h, 'partner')
  // A revoked admin key: the strongest key there is, revoked through the API.
  const made = await inject(
    'POST',
    { url: '/v1/api-keys', payload: { name: 'to revoke', scope: 'admin' } },
    admin,
  )
  expect(made.statusCode).toBe(201)
  revoked = { authorization: `Bearer ${made.json().key}` }
  expect((await inject('GET', { url: '/v1/api-keys' }, revoked)).statusCode).toBe(200)
  expect((await inject('DELETE', { url: `/v1/api-keys/${made.json().id}` }, admin)).statusCode).toBe(204)
  publicCaseId = await created('/v1/cases', bilash.case)
  publicHearingId = await created(`/v1/cases/${publicCaseId}/hearings`, bilash.hearing)
  internalCaseId = await created('/v1/cases', {
    ...bilash.case,
    visibility: 'internal',
    title: 'Sealed matter',
  })
  internalHearingId = await created(`/v1/cases/${internalCaseId}/hearings`, bilash.hearing)
})
afterAll(async () => h?.close())

describe('every route of API.md answers each caller as the contract says', () => {
  it('the table lists every route the service serves (nothing is left untested)', async () => {
    const doc = (await inject('GET', { url: '/openapi.json' }, {})).json() as {
      paths: Record<string, Record<string, unknown>>
    }
    const served = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => m !== 'head')
          .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort()
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(served)
  })

  const cases = ROUTES.flatMap((route) => WHO.map((who) => ({ route, who, status: expected(route, who) })))
  it.each(cases)('$route.method $route.path as $who → $status', async ({ route, who, status }) => {
    const ctx: Ctx = { who, headers: headersOf(who) }
    const req = await route.build(ctx)
    const res = await inject(route.method, req, ctx.headers)
    if (status === 401 || status === 403) {
      expectProblem(res, status)
      // A refusal tells nothing about the key it refused.
      const sent = ctx.headers.authorization
      if (sent) expect(res.body).not.toContain(sent.slice(7))
    } else expect(res.statusCode, `${route.method} ${req.url}: ${res.body.slice(0, 300)}`).toBe(status)
  })

  it('refuses malformed and unknown credentials with 401, whatever the route', async () => {
    const bad = [
      'Bearer',
      'Bearer ',
      'Bearer cb_not-a-real-key-0000000000000000000000000',
      `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`,
      `Token ${ADMIN_KEY}`,
      `Bearer ${ADMIN_KEY}x`,
      `Bearer ${ADMIN_KEY.slice(0, -1)}`,
      `Bearer ${ADMIN_KEY.toUpperCase()}`,
      `Bearer ${ADMIN_KEY} ${ADMIN_KEY}`,
    ]
    for (const authorization of bad)
      for (const url of ['/v1/api-keys', '/v1/cases', '/v1/deliveries', '/v1/audit?entityId=x'])
        expectProblem(await inject('GET', { url }, { authorization }), 401)
  })
})

describe('partner isolation', () => {
  /** A partner of its own here: the table above made endpoints with the shared partner key. */
  let partnerA: Key
  let partnerB: Key
  let ownEndpoint: string
  let otherEndpoint: string
  let staffEndpoint: string
  let ownDelivery: string
  let otherDelivery: string
  let staffDelivery: string
  let emailDelivery: string

  beforeAll(async () => {
    partnerA = await newKey(h, 'partner', 'an NGO')
    partnerB = await newKey(h, 'partner', 'another NGO')
    const endpointOf = (headers: Headers, description: string) =>
      created('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hooks', description }, headers)
    ownEndpoint = await endpointOf(partnerA.headers, 'mine')
    otherEndpoint = await endpointOf(partnerB.headers, 'theirs')
    staffEndpoint = await endpointOf(staff.headers, 'staff')
    const testOf = async (id: string) =>
      (await inject('POST', { url: `/v1/webhook-endpoints/${id}/test` }, staff.headers)).json()
        .deliveryId as string
    ownDelivery = await testOf(ownEndpoint)
    otherDelivery = await testOf(otherEndpoint)
    staffDelivery = await testOf(staffEndpoint)
    for (const id of [otherDelivery, staffDelivery])
      await h.services.deliveries.recordAttempt(
        id,
        { at: new Date().toISOString(), durationMs: 1, statusCode: 500 },
        'failed',
        null,
      )
    // A self-service subscription: its confirmation email is a delivery with no endpoint.
    const sub = await inject(
      'POST',
      { url: `/v1/hearings/${publicHearingId}/subscriptions`, payload: { email: 'isolation@lawfirm.test' } },
      {},
    )
    expect(sub.statusCode).toBe(202)
    const emails = (
      await inject('GET', { url: '/v1/deliveries?channel=email&limit=200' }, staff.headers)
    ).json().items as { id: string; subscriptionId: string }[]
    emailDelivery = emails.find((d) => d.subscriptionId === sub.json().id)?.id as string
    expect(emailDelivery).toMatch(/^dlv_/)
  })

  it('lists only its own webhook endpoints', async () => {
    const res = await inject('GET', { url: '/v1/webhook-endpoints?limit=200' }, partnerA.headers)
    expect(res.statusCode).toBe(200)
    expect(res.json().items.map((e: { id: string }) => e.id)).toEqual([ownEndpoint])
  })

  it("answers 404 for another partner's or staff's endpoint, for every operation, and changes nothing", async () => {
    for (const id of [otherEndpoint, staffEndpoint]) {
      const base = `/v1/webhook-endpoints/${id}`
      expectProblem(await inject('GET', { url: base }, partnerA.headers), 404)
      expectProblem(
        await inject('PATCH', { url: base, payload: { description: 'hijacked' } }, partnerA.headers),
        404,
      )
      expectProblem(
        await inject('PATCH', { url: base, payload: { url: 'http://127.0.0.1:9/steal' } }, partnerA.headers),
        404,
      )
      expectProblem(await inject('POST', { url: `${base}/rotate-secret` }, partnerA.headers), 404)
      expectProblem(await inject('POST', { url: `${base}/test` }, partnerA.headers), 404)
      expectProblem(await inject('DELETE', { url: base }, partnerA.headers), 404)
      const still = await inject('GET', { url: base }, staff.headers)
      expect(still.statusCode).toBe(200)
      expect(still.json().description).not.toBe('hijacked')
      expect(still.json().url).toBe('http://127.0.0.1:9/hooks')
    }
    // Another partner's endpoint is as absent as one that never existed: same status, same shape.
    const ghost = await inject(
      'GET',
      { url: '/v1/webhook-endpoints/whe_000000000000000000000000000' },
      partnerA.headers,
    )
    const other = await inject('GET', { url: `/v1/webhook-endpoints/${otherEndpoint}` }, partnerA.headers)
    expect(Object.keys(other.json()).sort()).toEqual(Object.keys(ghost.json()).sort())
  })

  it('sees only the deliveries to its own endpoints', async () => {
    const listed = async (query: string) =>
      (await inject('GET', { url: `/v1/deliveries?limit=200${query}` }, partnerA.headers))
        .json()
        .items.map((d: { id: string; endpointId: string | null }) => d) as {
        id: string
        endpointId: string | null
      }[]
    const all = await listed('')
    expect(all.map((d) => d.id)).toContain(ownDelivery)
    expect(all.every((d) => d.endpointId === ownEndpoint)).toBe(true)
    expect(await listed(`&endpointId=${otherEndpoint}`)).toEqual([])
    expect(await listed(`&endpointId=${staffEndpoint}`)).toEqual([])
    expect(await listed('&channel=email')).toEqual([])
    for (const id of [otherDelivery, staffDelivery, emailDelivery]) {
      expectProblem(await inject('GET', { url: `/v1/deliveries/${id}` }, partnerA.headers), 404)
      expectProblem(await inject('POST', { url: `/v1/deliveries/${id}/redeliver` }, partnerA.headers), 404)
    }
    expect((await inject('GET', { url: `/v1/deliveries/${ownDelivery}` }, partnerA.headers)).statusCode).toBe(
      200,
    )
  })

  it('reads public cases and their hearings only; an internal case and its hearing are 404 to it', async () => {
    const cases = (await inject('GET', { url: '/v1/cases?limit=200' }, partnerA.headers)).json().items as {
      id: string
      visibility: string
    }[]
    expect(cases.map((c) => c.id)).toContain(publicCaseId)
    expect(cases.every((c) => c.visibility === 'public')).toBe(true)
    expectProblem(await inject('GET', { url: `/v1/cases/${internalCaseId}` }, partnerA.headers), 404)
    expectProblem(await inject('GET', { url: `/v1/hearings/${internalHearingId}` }, partnerA.headers), 404)
    const hearings = (await inject('GET', { url: '/v1/hearings?limit=200' }, partnerA.headers)).json()
      .items as {
      id: string
      caseId: string
    }[]
    expect(hearings.map((x) => x.id)).toContain(publicHearingId)
    expect(hearings.some((x) => x.caseId === internalCaseId)).toBe(false)
    const filtered = await inject('GET', { url: `/v1/hearings?caseId=${internalCaseId}` }, partnerA.headers)
    expect(filtered.json().items).toEqual([])
    // The same records are there for staff: the partner is refused, not the data missing.
    expect((await inject('GET', { url: `/v1/cases/${internalCaseId}` }, staff.headers)).statusCode).toBe(200)
    expect(
      (await inject('GET', { url: `/v1/hearings/${internalHearingId}` }, staff.headers)).statusCode,
    ).toBe(200)
  })

  it('cannot point an endpoint at an internal case', async () => {
    expectProblem(
      await inject(
        'POST',
        {
          url: '/v1/webhook-endpoints',
          payload: { url: 'http://127.0.0.1:9/hooks', caseIds: [internalCaseId] },
        },
        partnerA.headers,
      ),
      400,
    )
    expectProblem(
      await inject(
        'PATCH',
        { url: `/v1/webhook-endpoints/${ownEndpoint}`, payload: { caseIds: [publicCaseId, internalCaseId] } },
        partnerA.headers,
      ),
      400,
    )
  })

  it('an internal case does not exist for self-service subscribers either', async () => {
    for (const url of [
      `/v1/hearings/${internalHearingId}/subscriptions`,
      `/v1/cases/${internalCaseId}/subscriptions`,
    ])
      expectProblem(await inject('POST', { url, payload: { email: 'curious@example.test' } }, {}), 404)
  })
})

describe('events of an internal case never reach a partner endpoint (workers running)', () => {
  let hw: Harness
  let partnerHooks: Receiver
  let staffHooks: Receiver

  beforeAll(async () => {
    partnerHooks = await startReceiver()
    staffHooks = await startReceiver()
    hw = await startHarness({
      name: 'sec-scopes-fanout',
      workers: true,
      env: { WEBHOOK_ALLOW_PRIVATE: 'true' },
    })
  })
  afterAll(async () => {
    await hw?.close()
    await partnerHooks?.close()
    await staffHooks?.close()
  })

  it('delivers public-case events to the partner and internal-case events only to staff', {
    timeout: 40_000,
  }, async () => {
    const staffH = await hw.auth('staff')
    const ngo = await newKey(hw, 'partner', 'NGO following everything')
    const post = async (url: string, payload: object, headers: Headers = staffH) => {
      const res = await hw.app.inject({ method: 'POST', url, headers, payload })
      expect(res.statusCode, res.body).toBeLessThan(300)
      return res.json() as { id: string }
    }
    const partnerEndpoint = await post(
      '/v1/webhook-endpoints',
      { url: partnerHooks.url, caseIds: null, remindBefore: ['PT2S'] },
      ngo.headers,
    )
    await post('/v1/webhook-endpoints', { url: staffHooks.url, caseIds: null, remindBefore: ['PT2S'] })

    const internal = await post('/v1/cases', {
      ...bilash.case,
      title: 'Sealed: witness protection',
      visibility: 'internal',
    })
    const pub = await post('/v1/cases', bilash.case)
    const soon = (s: number) => ({ timeZone: 'UTC', startsAt: utcWallTime(Date.now() + s * 1000) })
    // Internal: scheduled, rescheduled, reminded, cancelled, decided.
    const i1 = await post(`/v1/cases/${internal.id}/hearings`, { title: 'Sealed hearing 1', ...soon(6) })
    const moved = await hw.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${i1.id}`,
      headers: staffH,
      payload: soon(7),
    })
    expect(moved.statusCode).toBe(200)
    const i2 = await post(`/v1/cases/${internal.id}/hearings`, {
      title: 'Sealed hearing 2',
      startsAt: '2027-03-01',
    })
    await post(`/v1/hearings/${i2.id}/cancel`, { reason: 'sealed' })
    const i3 = await post(`/v1/cases/${internal.id}/hearings`, {
      title: 'Sealed hearing 3',
      startsAt: '2027-03-02',
    })
    await post(`/v1/hearings/${i3.id}/outcome`, { summary: 'sealed decision' })
    // A public case that later turns internal: from then on, its events are internal too.
    const turned = await post('/v1/cases', { ...bilash.case, title: 'Was public' })
    const turn = await hw.app.inject({
      method: 'PATCH',
      url: `/v1/cases/${turned.id}`,
      headers: staffH,
      payload: { visibility: 'internal' },
    })
    expect(turn.statusCode).toBe(200)
    const t1 = await post(`/v1/cases/${turned.id}/hearings`, { title: 'Now sealed', startsAt: '2027-03-03' })
    // Public: scheduled and reminded.
    const p1 = await post(`/v1/cases/${pub.id}/hearings`, { title: 'Public hearing', ...soon(6) })

    const internalHearings = new Set([i1.id, i2.id, i3.id, t1.id])
    const internalCases = new Set([internal.id, turned.id])
    const got = (r: Receiver, type: string, hearingId: string) =>
      r.ofType(type).some((x) => x.json.data.hearing?.id === hearingId)
    // Staff sees every internal event arrive: proof that the events exist and were fanned out.
    await eventually(
      () =>
        got(staffHooks, 'hearing.scheduled', i1.id) &&
        got(staffHooks, 'hearing.rescheduled', i1.id) &&
        got(staffHooks, 'hearing.reminder', i1.id) &&
        got(staffHooks, 'hearing.cancelled', i2.id) &&
        got(staffHooks, 'hearing.decided', i3.id) &&
        got(staffHooks, 'hearing.scheduled', t1.id) &&
        got(partnerHooks, 'hearing.scheduled', p1.id) &&
        got(partnerHooks, 'hearing.reminder', p1.id)
          ? true
          : undefined,
      25_000,
      'every event at the staff receiver and the public ones at the partner receiver',
    )
    await new Promise((r) => setTimeout(r, 500))
    const leaked = partnerHooks.received.filter(
      (x) =>
        internalHearings.has(x.json.data.hearing?.id) ||
        internalCases.has(x.json.data.case?.id) ||
        [...internalHearings, ...internalCases].some((id) => x.body.includes(id)),
    )
    expect(leaked.map((x) => x.json.type)).toEqual([])
    // Nor is there any delivery record of an internal event for the partner's endpoint.
    const records = (
      await hw.app.inject({
        method: 'GET',
        url: `/v1/deliveries?endpointId=${partnerEndpoint.id}&limit=200`,
        headers: staffH,
      })
    ).json().items as { hearingId: string | null }[]
    expect(records.length).toBeGreaterThan(0)
    expect(records.filter((d) => d.hearingId !== null && internalHearings.has(d.hearingId))).toEqual([])
  })
})
