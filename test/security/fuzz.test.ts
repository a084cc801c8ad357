import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'
import { diffSnapshots, newKey, snapshotRedis, within } from './support.js'

/**
 * Input hardening (issue 4, item 6): over 5,000 malformed or random requests across every route, as admin,
 * staff, partner and nobody. No answer is a 5xx, every request is answered, and requests built to be
 * rejected change nothing in the store (every key under the prefix, names and values, compared before and
 * after; only the rate-limit counters, which count every authenticated request by design, are left out).
 */

const PHASE1_RUNS = 160 // × BATCH random requests
const PHASE2_RUNS = 80 // × BATCH requests that must be rejected
const BATCH = 25
const ANSWER_WITHIN_MS = 5000

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'OPTIONS' | 'HEAD'
type Principal = 'admin' | 'staff' | 'partner' | 'none' | 'bogus' | 'malformed'
type Access = 'public' | 'optional' | 'staff' | 'staff-partner' | 'admin'
type IdKind = 'case' | 'hrg' | 'sub' | 'whe' | 'dlv' | 'key' | 'any'
type RouteDef = {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  access: Access
  id?: IdKind
  /** A body that would be accepted; undefined: the route takes no body. */
  valid?: () => Record<string, unknown>
  query?: readonly string[]
}

const ROUTES: readonly RouteDef[] = [
  {
    method: 'POST',
    path: '/v1/api-keys',
    access: 'admin',
    valid: () => ({ name: 'fuzz', scope: 'partner' }),
  },
  { method: 'GET', path: '/v1/api-keys', access: 'admin', query: ['limit', 'cursor'] },
  { method: 'DELETE', path: '/v1/api-keys/:id', access: 'admin', id: 'key' },
  { method: 'POST', path: '/v1/cases', access: 'staff', valid: () => ({ ...bilash.case }) },
  { method: 'GET', path: '/v1/cases', access: 'staff-partner', query: ['tag', 'limit', 'cursor'] },
  { method: 'GET', path: '/v1/cases/:id', access: 'staff-partner', id: 'case' },
  {
    method: 'PATCH',
    path: '/v1/cases/:id',
    access: 'staff',
    id: 'case',
    valid: () => ({ description: 'fuzzed' }),
  },
  {
    method: 'POST',
    path: '/v1/cases/:id/hearings',
    access: 'staff',
    id: 'case',
    valid: () => ({ ...bilash.hearing }),
  },
  {
    method: 'GET',
    path: '/v1/hearings',
    access: 'staff-partner',
    query: ['from', 'to', 'caseId', 'status', 'limit', 'cursor'],
  },
  { method: 'GET', path: '/v1/hearings/:id', access: 'staff-partner', id: 'hrg' },
  {
    method: 'PATCH',
    path: '/v1/hearings/:id',
    access: 'staff',
    id: 'hrg',
    valid: () => ({ location: 'Room 9' }),
  },
  {
    method: 'POST',
    path: '/v1/hearings/:id/cancel',
    access: 'staff',
    id: 'hrg',
    valid: () => ({ reason: 'x' }),
  },
  {
    method: 'POST',
    path: '/v1/hearings/:id/outcome',
    access: 'staff',
    id: 'hrg',
    valid: () => ({ summary: 'x' }),
  },
  {
    method: 'POST',
    path: '/v1/hearings/:id/subscriptions',
    access: 'optional',
    id: 'hrg',
    valid: () => ({ email: 'fuzz@lawfirm.test' }),
  },
  {
    method: 'POST',
    path: '/v1/cases/:id/subscriptions',
    access: 'optional',
    id: 'case',
    valid: () => ({ email: 'fuzz@lawfirm.test' }),
  },
  {
    method: 'GET',
    path: '/v1/subscriptions',
    access: 'staff',
    query: ['hearingId', 'caseId', 'email', 'limit', 'cursor'],
  },
  { method: 'DELETE', path: '/v1/subscriptions/:id', access: 'staff', id: 'sub' },
  { method: 'GET', path: '/subscriptions/confirm', access: 'public', query: ['token'] },
  { method: 'GET', path: '/unsubscribe', access: 'public', query: ['token'] },
  { method: 'POST', path: '/unsubscribe', access: 'public', query: ['token'] },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints',
    access: 'staff-partner',
    valid: () => ({ url: 'http://127.0.0.1:9/fuzz' }),
  },
  { method: 'GET', path: '/v1/webhook-endpoints', access: 'staff-partner', query: ['limit', 'cursor'] },
  { method: 'GET', path: '/v1/webhook-endpoints/:id', access: 'staff-partner', id: 'whe' },
  {
    method: 'PATCH',
    path: '/v1/webhook-endpoints/:id',
    access: 'staff-partner',
    id: 'whe',
    valid: () => ({ description: 'fuzzed' }),
  },
  { method: 'DELETE', path: '/v1/webhook-endpoints/:id', access: 'staff-partner', id: 'whe' },
  { method: 'POST', path: '/v1/webhook-endpoints/:id/rotate-secret', access: 'staff-partner', id: 'whe' },
  { method: 'POST', path: '/v1/webhook-endpoints/:id/test', access: 'staff-partner', id: 'whe' },
  {
    method: 'GET',
    path: '/v1/deliveries',
    access: 'staff-partner',
    query: ['status', 'channel', 'endpointId', 'hearingId', 'limit', 'cursor'],
  },
  { method: 'GET', path: '/v1/deliveries/:id', access: 'staff-partner', id: 'dlv' },
  { method: 'POST', path: '/v1/deliveries/:id/redeliver', access: 'staff-partner', id: 'dlv' },
  { method: 'GET', path: '/healthz', access: 'public' },
  { method: 'GET', path: '/readyz', access: 'public' },
  { method: 'GET', path: '/openapi.json', access: 'public' },
  { method: 'GET', path: '/docs', access: 'public' },
  { method: 'GET', path: '/v1/audit', access: 'admin', query: ['entityId', 'limit', 'cursor'] },
  { method: 'GET', path: '/v1/stats', access: 'staff' },
]

let h: Harness
const auth: Record<Principal, Record<string, string>> = {
  admin: {},
  staff: {},
  partner: {},
  none: {},
  bogus: { authorization: 'Bearer cb_bogus0000000000000000000000000000000000000' },
  malformed: { authorization: 'Bearer' },
}
/** Real ids by kind: random requests hit existing records too, not only 404s. */
const real: Record<Exclude<IdKind, 'any'>, string[]> = {
  case: [],
  hrg: [],
  sub: [],
  whe: [],
  dlv: [],
  key: [],
}
let cancelledHearing: string
let pendingDelivery: string
let requests = 0

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

/** Header values a real HTTP client can send: visible latin1 and spaces, no control characters. */
const headerText = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })), {
      maxLength,
    })
    .map((codes) => String.fromCharCode(...codes).trim())

const hugeString = fc
  .tuple(
    fc.constantFrom('x', 'é', '𝄞', '\u0000', '<script>', '\r\n'),
    fc.constantFrom(300, 2_000, 6_000, 40_000),
  )
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)))

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uffff',
  '\ud800',
  '../../etc/passwd',
  '%00',
  "' OR 1=1 --",
  '{"$gt":""}',
  '__proto__',
  'constructor',
  '$' + '{7*7}', // a template-injection probe, kept literal
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e400',
  '2026-02-30T25:61',
  '9999-12-31T23:59:59.999Z',
  'Asia/Almaty',
  'P0D',
  'PT-1S',
  'P99999999999D',
)

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: hugeString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, true, false, null, [], {}),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 10, max: 400 }).map((depth) => {
      let v: unknown = 'deep'
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
      return v
    }),
  },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 8 }), { minLength: 50, maxLength: 1500 }) },
)

const FIELDS = [
  'title',
  'court',
  'timeZone',
  'caseNumber',
  'jurisdiction',
  'description',
  'tags',
  'visibility',
  'startsAt',
  'location',
  'notes',
  'reason',
  'summary',
  'decidedAt',
  'email',
  'name',
  'remindBefore',
  'url',
  'eventTypes',
  'caseIds',
  'enabled',
  'scope',
  'id',
  'version',
  'status',
  'secret',
  'key',
  'ownerKeyId',
  '__proto__',
  'constructor',
]

/** A valid body with some fields dropped, retyped or added. */
const mutatedBody = (valid: Record<string, unknown>) =>
  fc
    .record({
      drop: fc.subarray(Object.keys(valid)),
      set: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })), weirdValue, {
        maxKeys: 4,
      }),
    })
    .map(({ drop, set }) => {
      const body: Record<string, unknown> = { ...valid }
      for (const k of drop) delete body[k]
      for (const [k, v] of Object.entries(set))
        Object.defineProperty(body, k, { value: v, enumerable: true, writable: true, configurable: true })
      return body
    })

const rawJunk = fc.constantFrom(
  '{',
  '{"a":',
  '[1,2',
  'nul',
  'tru',
  '"unterminated',
  '{"__proto__":{"polluted":true},"title":"x"}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\u0000\u0001\u0002',
  '\ufeff{}',
  '{"a":1,"a":2}',
  '1e99999',
  '<xml/>',
  'a=1&b=2',
  '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
)

/** Id candidates: real, plausible-looking, or hostile. */
const idArb = (kind: IdKind | undefined): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.nat().map((n) => {
        const pool = kind && kind !== 'any' ? real[kind] : Object.values(real).flat()
        return pool[n % Math.max(1, pool.length)] ?? 'none'
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('case_', 'hrg_', 'sub_', 'whe_', 'dlv_', 'key_', 'evt_', ''),
          fc.string({ maxLength: 40 }),
        )
        .map(([p, s]) => enc(p + s)),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(enc) },
    { weight: 1, arbitrary: nasty.filter((s) => s !== '').map(enc) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '..',
        '.',
        'a/b',
        '%2F',
        'x'.repeat(101),
        'x'.repeat(5000),
      ),
    },
  )

const queryValue = fc.oneof(
  fc.integer({ min: -5, max: 500 }).map(String),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  nasty,
  fc.constantFrom('2026-12-14T05:00:00.000Z', '2026-12-14', 'scheduled', 'failed', 'email', 'webhook'),
  fc.base64String({ maxLength: 40 }),
  hugeString.map((s) => s.slice(0, 3000)),
)

const queryArb = (known: readonly string[] | undefined) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...(known?.length ? known : ['limit'])) },
          { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
        ),
        queryValue,
      ),
      { maxLength: 5 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`))

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/problem+json',
      'text/plain',
      'text/html',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json, text/plain',
    ),
  },
  { weight: 1, arbitrary: headerText(60) },
)

const extraHeaders = fc.record(
  {
    'x-request-id': headerText(150),
    'idempotency-key': fc.oneof(headerText(40), fc.constant('k'.repeat(300))),
    accept: fc.oneof(
      fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json;q=0'),
      headerText(40),
    ),
    origin: fc.constantFrom('https://evil.example', 'null'),
    'x-forwarded-for': fc.constantFrom('127.0.0.1', '10.0.0.1, 8.8.8.8', 'garbage'),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'x'),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity'),
    'x-http-method-override': fc.constantFrom('DELETE', 'PATCH'),
  },
  { requiredKeys: [] },
)

type Req = {
  method: Method
  url: string
  principal: Principal
  headers: Record<string, string>
  body?: string
  route?: string
}

const principalArb = fc.constantFrom<Principal>(
  'admin',
  'staff',
  'partner',
  'none',
  'none',
  'bogus',
  'malformed',
)

/** encodeURIComponent that accepts lone surrogates (a client cannot send them anyway). */
function enc(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'))
}

function fill(path: string, id: string) {
  return path.replace(':id', id)
}

/** Phase 1: anything at all. */
const randomRequest: fc.Arbitrary<Req> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.constantFrom(...ROUTES).chain((route) =>
      fc
        .record({
          method: fc.oneof(
            { weight: 8, arbitrary: fc.constant<Method>(route.method) },
            {
              weight: 2,
              arbitrary: fc.constantFrom<Method>('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'),
            },
          ),
          id: idArb(route.id),
          query: queryArb(route.query),
          principal: principalArb,
          body: fc.oneof(
            { weight: 1, arbitrary: fc.constant(undefined) },
            {
              weight: 4,
              arbitrary: route.valid
                ? mutatedBody(route.valid()).map((b) => JSON.stringify(b))
                : fc.constant(undefined),
            },
            { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
            { weight: 1, arbitrary: rawJunk },
            {
              weight: 1,
              arbitrary: fc
                .constantFrom(70_000, 200_000)
                .map((n) => JSON.stringify({ title: 'x'.repeat(n) })),
            },
          ),
          contentType,
          extra: extraHeaders,
        })
        .map(({ method, id, query, principal, body, contentType: type, extra }) => ({
          method,
          url: fill(route.path, id) + query,
          principal,
          headers: { ...extra, ...(body !== undefined ? { 'content-type': type } : {}) },
          ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
          route: `${route.method} ${route.path}`,
        })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        method: fc.constantFrom<Method>('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        path: fc.oneof(
          fc.webPath(),
          fc
            .array(fc.string({ unit: 'binary', maxLength: 12 }).map(enc), { maxLength: 6 })
            .map((p) => `/${p.join('/')}`),
          fc.constantFrom(
            '/v1',
            '/v1/',
            '/v2/cases',
            '//v1/cases',
            '/v1/cases/',
            '/v1//cases',
            '/V1/CASES',
            '/docs/../v1/api-keys',
            '/v1/cases/%2e%2e/api-keys',
          ),
        ),
        principal: principalArb,
        body: fc.option(
          fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
          { nil: undefined },
        ),
      })
      .map(({ method, path, principal, body }) => ({
        method,
        url: path.startsWith('/') ? path : `/${path}`,
        principal,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        ...(body !== undefined && method !== 'GET' ? { body } : {}),
        route: 'random path',
      })),
  },
)

/** Phase 2: every request here must be refused (4xx) and change nothing. */
const NON_PUBLIC = ROUTES.filter((r) => r.access !== 'public' && r.access !== 'optional')
const STAFF_ONLY = ROUTES.filter(
  (r) => r.access === 'staff' || r.access === 'admin' || r.access === 'optional',
)
const ADMIN_ONLY = ROUTES.filter((r) => r.access === 'admin')
const WITH_BODY = ROUTES.filter((r) => r.valid)
const WITH_ID = ROUTES.filter((r) => r.id)

/** A body that fails validation whatever else is right: never an object without an unknown field, never null. */
const invalidBody = (route: RouteDef) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: mutatedBody((route.valid as () => Record<string, unknown>)()).chain((b) =>
        fc.string({ minLength: 1, maxLength: 8 }).map((s) => JSON.stringify({ ...b, [`__fuzz_${s}`]: 1 })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
          fc.string(),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
        )
        .map((v) => JSON.stringify(v)),
    },
    { weight: 1, arbitrary: rawJunk },
  )

const anyBody = (route: RouteDef) =>
  route.valid
    ? fc.oneof(
        fc.constant(JSON.stringify(route.valid())),
        mutatedBody(route.valid()).map((b) => JSON.stringify(b)),
      )
    : fc.constant(undefined)

const mustReject: fc.Arbitrary<Req & { why: string }> = fc.oneof(
  // No usable key on a route that needs one (any body, even a valid one).
  fc.constantFrom(...NON_PUBLIC).chain((route) =>
    fc
      .record({
        id: idArb(route.id),
        principal: fc.constantFrom<Principal>('none', 'bogus', 'malformed'),
        body: anyBody(route),
      })
      .map(({ id, principal, body }) => ({
        method: route.method,
        url: fill(route.path, id),
        principal,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        ...(body !== undefined ? { body } : {}),
        why: `401 ${route.method} ${route.path}`,
      })),
  ),
  // The wrong scope, with real ids and valid bodies.
  fc.constantFrom(...STAFF_ONLY).chain((route) =>
    fc.record({ id: idArb(route.id), body: anyBody(route) }).map(({ id, body }) => ({
      method: route.method,
      url: fill(route.path, id) + (route.path === '/v1/audit' ? `?entityId=${id}` : ''),
      principal: 'partner' as const,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(body !== undefined ? { body } : {}),
      why: `403 partner ${route.method} ${route.path}`,
    })),
  ),
  fc.constantFrom(...ADMIN_ONLY).chain((route) =>
    fc.record({ id: idArb(route.id), body: anyBody(route) }).map(({ id, body }) => ({
      method: route.method,
      url: fill(route.path, id),
      principal: 'staff' as const,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(body !== undefined ? { body } : {}),
      why: `403 staff ${route.method} ${route.path}`,
    })),
  ),
  // The right key and a real id, but a body that cannot validate.
  fc.constantFrom(...WITH_BODY).chain((route) =>
    fc
      .record({
        id: idArb(route.id),
        principal: fc.constantFrom<Principal>(
          'admin',
          'staff',
          ...(route.access === 'optional' ? (['none'] as const) : []),
        ),
        body: invalidBody(route),
      })
      .map(({ id, principal, body }) => ({
        method: route.method,
        url: fill(route.path, id),
        principal,
        headers: { 'content-type': 'application/json' },
        body,
        why: `400 body ${route.method} ${route.path}`,
      })),
  ),
  // The right key, a valid body, a wrong content type or one too large.
  fc.constantFrom(...WITH_BODY).chain((route) =>
    fc
      .record({
        id: idArb(route.id),
        type: fc.constantFrom('text/plain', 'application/xml', 'application/octet-stream', 'text/html'),
        huge: fc.boolean(),
      })
      .map(({ id, type, huge }) => ({
        method: route.method,
        url: fill(route.path, id),
        principal: 'admin' as const,
        headers: { 'content-type': huge ? 'application/json' : type },
        body: huge
          ? JSON.stringify({ ...(route.valid as () => object)(), pad: 'x'.repeat(70_000) })
          : JSON.stringify((route.valid as () => object)()),
        why: `${huge ? 413 : 415} ${route.method} ${route.path}`,
      })),
  ),
  // The right key, a record that does not exist.
  fc.constantFrom(...WITH_ID).chain((route) =>
    fc
      .record({
        id: fc.tuple(
          fc.constantFrom('case_', 'hrg_', 'sub_', 'whe_', 'dlv_', 'key_', 'zzz_'),
          fc.stringMatching(/^[a-z0-9]{1,30}$/),
        ),
        principal: fc.constantFrom<Principal>('admin', 'staff'),
        body: anyBody(route),
      })
      .map(({ id: [p, s], principal, body }) => ({
        method: route.method,
        url: fill(route.path, `${p}fuzz${s}`),
        principal,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        ...(body !== undefined ? { body } : {}),
        why: `404 ${route.method} ${route.path}`,
      })),
  ),
  // A valid POST with an Idempotency-Key that is too long (the header applies to POST only).
  fc.constantFrom(...WITH_BODY.filter((r) => r.method === 'POST')).chain((route) =>
    fc.integer({ min: 256, max: 600 }).chain((n) =>
      idArb(route.id).map((id) => ({
        method: route.method,
        url: fill(route.path, id),
        principal: 'admin' as const,
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(n) },
        body: JSON.stringify((route.valid as () => object)()),
        why: `400 idempotency-key ${route.method} ${route.path}`,
      })),
    ),
  ),
  // Links with forged tokens.
  fc
    .record({
      path: fc.constantFrom<['GET' | 'POST', string]>(
        ['GET', '/subscriptions/confirm'],
        ['GET', '/unsubscribe'],
        ['POST', '/unsubscribe'],
      ),
      token: fc.oneof(
        fc.string({ maxLength: 1200 }),
        fc.base64String({ minLength: 10, maxLength: 200 }).map((s) => `${s}.${s}`),
      ),
    })
    .map(({ path: [method, path], token }) => ({
      method,
      url: `${path}?token=${enc(token)}`,
      principal: 'none' as const,
      headers: {},
      why: `400 token ${method} ${path}`,
    })),
  // Well-formed requests the domain refuses: unknown zone, a DST gap, a cancelled hearing moved, a pending redelivery.
  fc
    .constantFrom(
      () => ({
        method: 'POST' as const,
        url: '/v1/cases',
        body: { ...bilash.case, timeZone: 'Mars/Olympus_Mons' },
      }),
      () => ({
        method: 'POST' as const,
        url: `/v1/cases/${real.case[0]}/hearings`,
        body: { title: 'gap', startsAt: '2026-03-29T02:30', timeZone: 'Europe/Berlin' },
      }),
      () => ({
        method: 'PATCH' as const,
        url: `/v1/hearings/${cancelledHearing}`,
        body: { startsAt: '2027-05-05T10:00' },
      }),
      () => ({
        method: 'POST' as const,
        url: `/v1/deliveries/${pendingDelivery}/redeliver`,
        body: undefined,
      }),
      () => ({
        method: 'POST' as const,
        url: `/v1/hearings/${real.hrg[0]}/subscriptions`,
        body: { email: 'a@b.test', timeZone: 'Nowhere/Land' },
      }),
      () => ({
        method: 'POST' as const,
        url: `/v1/hearings/${real.hrg[0]}/subscriptions`,
        body: { email: 'a@b.test', remindBefore: ['P400D'] },
      }),
      () => ({
        method: 'POST' as const,
        url: '/v1/webhook-endpoints',
        body: { url: 'http://127.0.0.1:9/x', caseIds: ['case_missing'] },
      }),
      () => ({ method: 'POST' as const, url: '/v1/webhook-endpoints', body: { url: 'file:///etc/passwd' } }),
      () => ({ method: 'PATCH' as const, url: `/v1/cases/${real.case[0]}`, body: { timeZone: 'Not/AZone' } }),
    )
    .map((make) => {
      const { method, url, body } = make()
      return {
        method,
        url,
        principal: 'staff' as const,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        why: `domain ${method} ${url}`,
      }
    }),
)

// ---------------------------------------------------------------------------------------------------------

async function send(req: Req): Promise<LightMyRequestResponse> {
  requests++
  return within(
    h.app.inject({
      method: req.method,
      url: req.url,
      headers: { ...req.headers, ...auth[req.principal] },
      ...(req.body !== undefined ? { payload: req.body } : {}),
    }),
    ANSWER_WITHIN_MS,
    `${req.method} ${req.url.slice(0, 120)}`,
  )
}

const describeReq = (req: Req, res: LightMyRequestResponse) =>
  `${req.method} ${req.url.slice(0, 200)} as ${req.principal} [${req.headers['content-type'] ?? ''}] body=${(req.body ?? '').slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`

/** What every answer must be, whatever was asked. */
function checkAnswer(req: Req, res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return `5xx: ${describeReq(req, res)}`
  if (/\bat .+\.(ts|js):\d+/.test(res.body) || res.body.includes('node_modules'))
    return `stack trace: ${describeReq(req, res)}`
  if (res.statusCode >= 400 && req.method !== 'HEAD') {
    const type = String(res.headers['content-type'] ?? '')
    // Pages for people answer with HTML pages, mistakes included (API.md "Pages for people"); so does any
    // unknown address a browser asks for.
    const asked = String(req.headers.accept ?? '')
    const page =
      (/^\/(subscriptions\/confirm|unsubscribe|preferences|c\/)/.test(req.url) ||
        (asked.includes('text/html') && !req.url.startsWith('/v1/'))) &&
      /^text\/html/.test(type)
    if (!page && !/^application\/problem\+json/.test(type)) return `not a problem: ${describeReq(req, res)}`
  }
  return undefined
}

beforeAll(async () => {
  h = await startHarness({ name: 'sec-fuzz', env: { RATE_LIMIT_PER_MINUTE: '10000000' } })
  auth.admin = await h.auth('admin')
  auth.staff = (await newKey(h, 'staff', 'fuzz staff')).headers
  auth.partner = (await newKey(h, 'partner', 'fuzz partner')).headers
  const staff = auth.staff
  const post = async (url: string, payload: object, headers = staff) => {
    const res = await h.app.inject({ method: 'POST', url, headers, payload })
    expect(res.statusCode, res.body).toBeLessThan(300)
    return res.json()
  }
  for (const visibility of ['public', 'internal'] as const) {
    const kase = await post('/v1/cases', { ...bilash.case, visibility })
    real.case.push(kase.id)
    for (const startsAt of ['2026-12-14', '2027-01-15T10:00'])
      real.hrg.push((await post(`/v1/cases/${kase.id}/hearings`, { ...bilash.hearing, startsAt })).id)
  }
  cancelledHearing = (await post(`/v1/cases/${real.case[0]}/hearings`, bilash.hearing)).id
  await post(`/v1/hearings/${cancelledHearing}/cancel`, { reason: 'fixture' })
  real.hrg.push(cancelledHearing)
  real.sub.push(
    (await post(`/v1/hearings/${real.hrg[0]}/subscriptions`, { email: 'fixture@lawfirm.test' })).id,
  )
  const anon = await h.app.inject({
    method: 'POST',
    url: `/v1/hearings/${real.hrg[0]}/subscriptions`,
    payload: { email: 'fixture-pending@lawfirm.test' },
  })
  real.sub.push(anon.json().id)
  for (const headers of [staff, auth.partner]) {
    const endpoint = await post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/fixture' }, headers)
    real.whe.push(endpoint.id)
    real.dlv.push((await post(`/v1/webhook-endpoints/${endpoint.id}/test`, {}, headers)).deliveryId)
  }
  pendingDelivery = real.dlv[0] as string
  real.key.push((await newKey(h, 'staff', 'sacrificial')).id, 'key_unknown')
}, 30_000)
afterAll(async () => h?.close())

/** Distinct failures by kind, route and answer, with one example each: a report, not a first error. */
class Findings {
  readonly byKey = new Map<string, string>()
  add(key: string, example: string) {
    if (!this.byKey.has(key)) this.byKey.set(key, example)
  }
  get list() {
    return [...this.byKey.values()]
  }
}

function answerKey(req: Req & { why?: string }, res: LightMyRequestResponse, kind: string) {
  let code = ''
  try {
    code = String((res.json() as { code?: unknown }).code ?? '')
  } catch {}
  // One example per kind of failure and answer (a bad-URL answer on 30 routes is one finding).
  return kind === 'accepted' ? `${kind} ${req.why ?? ''}` : `${kind} ${res.statusCode} ${code}`
}

describe('fuzzing every route', () => {
  it(`answers ${PHASE1_RUNS * BATCH} random and malformed requests without a 5xx, a stack trace or a hang`, {
    timeout: 60_000,
  }, async () => {
    const findings = new Findings()
    await fc.assert(
      fc.asyncProperty(fc.array(randomRequest, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const answers = await Promise.all(batch.map(send))
        for (const [i, res] of answers.entries()) {
          const req = batch[i] as Req
          const problem = checkAnswer(req, res)
          if (problem) findings.add(answerKey(req, res, problem.split(':')[0] as string), problem)
        }
      }),
      { numRuns: PHASE1_RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261214) },
    )
    expect(findings.list).toEqual([])
    // The service is still whole afterwards.
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    expect((await h.app.inject({ method: 'GET', url: '/v1/cases', headers: auth.admin })).statusCode).toBe(
      200,
    )
  })

  it(`refuses ${PHASE2_RUNS * BATCH} requests built to be rejected, and none of them changes stored data`, {
    timeout: 60_000,
  }, async () => {
    // Rate-limit counters count every authenticated request, refused or not: that is their job.
    const skip = (key: string) => key.includes(':rate:')
    const prefix = h.config.redis.prefix
    let before = await snapshotRedis(h.redis, prefix, skip)
    expect(before.size).toBeGreaterThan(10)
    const findings = new Findings()
    await fc.assert(
      fc.asyncProperty(fc.array(mustReject, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const answers = await Promise.all(batch.map(send))
        let accepted = false
        for (const [i, res] of answers.entries()) {
          const req = batch[i] as Req & { why: string }
          const problem = checkAnswer(req, res)
          if (problem) findings.add(answerKey(req, res, problem.split(':')[0] as string), problem)
          if (res.statusCode < 400) {
            accepted = true
            findings.add(answerKey(req, res, 'accepted'), `accepted (${req.why}): ${describeReq(req, res)}`)
          }
        }
        const after = await snapshotRedis(h.redis, prefix, skip)
        const changes = diffSnapshots(before, after)
        if (changes.length > 0 && !accepted)
          findings.add(
            `changed ${changes[0]?.slice(0, 60)}`,
            `stored data changed:\n${changes.slice(0, 10).join('\n')}\nafter one of:\n${batch.map((r) => `${r.why}: ${r.method} ${r.url.slice(0, 100)}`).join('\n')}`,
          )
        before = after
      }),
      { numRuns: PHASE2_RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261214) },
    )
    expect(findings.list).toEqual([])
  })

  it('sent at least 5,000 requests in all', () => {
    expect(requests).toBeGreaterThanOrEqual(5000)
  })
})
