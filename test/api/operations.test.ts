import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'operations' })
})
afterAll(async () => h.close())

type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any }

function expectProblem(res: Res, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
  expect(typeof body.detail).toBe('string')
  return body
}

/** Brings a deliberately closed connection back, whatever state it is in. */
async function reconnect(redis: Harness['redis']) {
  await eventually(
    () => (['ready', 'end', 'wait'].includes(redis.status) ? true : undefined),
    5000,
    'a settled connection',
  )
  if (redis.status !== 'ready') await redis.connect()
}

/** No stack frames, source paths or internals in what a client gets. */
function expectNoInternals(res: Res) {
  expect(res.body).not.toMatch(/\bat .+:\d+:\d+/)
  expect(res.body).not.toMatch(/"stack"/)
  expect(res.body).not.toMatch(/node_modules|\/src\/|\.ts\b/)
}

async function caseCount(): Promise<number> {
  let count = 0
  let cursor: string | null = null
  do {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/cases?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      headers: await h.auth(),
    })
    expect(res.statusCode).toBe(200)
    const page: { items: unknown[]; nextCursor: string | null } = res.json()
    count += page.items.length
    cursor = page.nextCursor
  } while (cursor !== null)
  return count
}

/** Every route of API.md, with its method; path parameters are written {…} as OpenAPI does. */
const API_ROUTES: [method: string, path: string][] = [
  ['post', '/v1/api-keys'],
  ['get', '/v1/api-keys'],
  ['delete', '/v1/api-keys/{id}'],
  ['post', '/v1/cases'],
  ['get', '/v1/cases'],
  ['get', '/v1/cases/{id}'],
  ['patch', '/v1/cases/{id}'],
  ['post', '/v1/cases/{caseId}/hearings'],
  ['get', '/v1/hearings'],
  ['get', '/v1/hearings/{id}'],
  ['patch', '/v1/hearings/{id}'],
  ['post', '/v1/hearings/{id}/cancel'],
  ['post', '/v1/hearings/{id}/outcome'],
  ['post', '/v1/hearings/{id}/subscriptions'],
  ['post', '/v1/cases/{id}/subscriptions'],
  ['get', '/v1/subscriptions'],
  ['delete', '/v1/subscriptions/{id}'],
  ['get', '/subscriptions/confirm'],
  ['get', '/unsubscribe'],
  ['post', '/unsubscribe'],
  ['post', '/v1/webhook-endpoints'],
  ['get', '/v1/webhook-endpoints'],
  ['get', '/v1/webhook-endpoints/{id}'],
  ['patch', '/v1/webhook-endpoints/{id}'],
  ['delete', '/v1/webhook-endpoints/{id}'],
  ['post', '/v1/webhook-endpoints/{id}/rotate-secret'],
  ['post', '/v1/webhook-endpoints/{id}/test'],
  ['get', '/v1/deliveries'],
  ['get', '/v1/deliveries/{id}'],
  ['post', '/v1/deliveries/{id}/redeliver'],
  ['get', '/healthz'],
  ['get', '/readyz'],
]
/** The operations section of API.md also names the documentation itself. */
const DOC_ROUTES: [method: string, path: string][] = [
  ['get', '/openapi.json'],
  ['get', '/docs'],
]

/** The parameter name is not part of the contract ({id} vs {caseId}); its position is. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}')

async function openApiOperations(): Promise<Set<string>> {
  const res = await h.app.inject({ method: 'GET', url: '/openapi.json' })
  expect(res.statusCode).toBe(200)
  const doc = res.json() as { paths: Record<string, Record<string, unknown>> }
  const ops = new Set<string>()
  for (const [path, item] of Object.entries(doc.paths ?? {}))
    for (const method of Object.keys(item)) ops.add(`${method.toLowerCase()} ${shape(path)}`)
  return ops
}

describe('operations', () => {
  it('answers /healthz with 200 without a key', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
  })

  it('answers /readyz with 200 while Redis answers', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(200)
  })

  it('serves an OpenAPI 3 document without a key', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) })
    expect(typeof doc.paths).toBe('object')
  })

  it('documents every route of the API with its method', async () => {
    const ops = await openApiOperations()
    const missing = API_ROUTES.filter(([method, path]) => !ops.has(`${method} ${shape(path)}`)).map(
      ([m, p]) => `${m.toUpperCase()} ${p}`,
    )
    expect(missing).toEqual([])
  })

  it('documents the documentation routes too (/openapi.json, /docs)', async () => {
    const ops = await openApiOperations()
    const missing = DOC_ROUTES.filter(([method, path]) => !ops.has(`${method} ${shape(path)}`)).map(
      ([m, p]) => `${m.toUpperCase()} ${p}`,
    )
    expect(missing).toEqual([])
  })

  it('serves a browsable HTML page at /docs', async () => {
    let res = await h.app.inject({ method: 'GET', url: '/docs' })
    for (let hops = 0; hops < 5 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
      const location = String(res.headers.location)
      res = await h.app.inject({ method: 'GET', url: new URL(location, 'http://localhost/docs').pathname })
    }
    expect(res.statusCode).toBe(200)
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/)
    expect(res.body).toMatch(/<html/i)
  })

  it('answers an unknown route with a 404 problem', async () => {
    const body = expectProblem(await h.app.inject({ method: 'GET', url: '/v1/nothing-here' }), 404)
    expect(body.status).toBe(404)
    expectProblem(await h.app.inject({ method: 'GET', url: '/v2/cases', headers: await h.auth() }), 404)
  })

  it('answers malformed JSON with a 400 problem, no stack trace, and stores nothing', async () => {
    const before = await caseCount()
    for (const payload of ['{"title": ', '{title: "x"}', "{'a':1}", '[}']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: { ...(await h.auth()), 'content-type': 'application/json' },
        payload,
      })
      expectProblem(res, 400)
      expectNoInternals(res)
    }
    expect(await caseCount()).toBe(before)
  })

  it('answers a body over 64 KiB with 413 and stores nothing', async () => {
    const before = await caseCount()
    const payload = JSON.stringify({ ...bilash.case, description: 'x'.repeat(65 * 1024) })
    expect(Buffer.byteLength(payload)).toBeGreaterThan(64 * 1024)
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...(await h.auth()), 'content-type': 'application/json' },
      payload,
    })
    expectProblem(res, 413)
    expectNoInternals(res)
    expect(await caseCount()).toBe(before)
  })

  it('answers a text/plain body with 415 and stores nothing', async () => {
    const before = await caseCount()
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...(await h.auth()), 'content-type': 'text/plain' },
      payload: JSON.stringify(bilash.case),
    })
    expectProblem(res, 415)
    expect(await caseCount()).toBe(before)
  })

  it('answers another unsupported media type with 415', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...(await h.auth()), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'title=x',
    })
    expectProblem(res, 415)
  })

  it('answers 503 while Redis is unreachable, stays live, and recovers', async () => {
    const down = await startHarness({ name: 'ops-down' })
    try {
      const headers = await down.auth('staff')
      expect((await down.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)

      down.redis.disconnect()
      // The socket closes asynchronously; wait until the connection is really gone.
      await eventually(() => (down.redis.status === 'end' ? true : undefined), 5000, 'the connection to end')
      const write = await down.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
      const problem = expectProblem(write, 503)
      expect(problem.status).toBe(503)
      expectNoInternals(write)
      const read = await down.app.inject({ method: 'GET', url: '/v1/hearings', headers })
      expectProblem(read, 503)
      expectProblem(await down.app.inject({ method: 'GET', url: '/readyz' }), 503)
      expect((await down.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)

      await reconnect(down.redis)
      expect((await down.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
      const again = await down.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
      expect(again.statusCode).toBe(201)
    } finally {
      await reconnect(down.redis)
      await down.close()
    }
  })
})
