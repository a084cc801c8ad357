import { readdirSync, readFileSync, statSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

/**
 * Every error a client can provoke is a problem document in courtbell's own words, or on a page an HTML
 * page (issue 14, points 5-7): each route of the OpenAPI document is walked with malformed input, and every
 * problem type seen, or named in the code, is documented in docs/api.md.
 */

type Doc = { paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { in: string }[] }>> }

let h: Harness
let doc: Doc
let admin: Record<string, string>
beforeAll(async () => {
  h = await startHarness({ name: 'api-malformed', env: { RATE_LIMIT_PER_MINUTE: '100000' } })
  admin = await h.auth('admin')
  doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json()
})
afterAll(async () => h?.close())

const docsApi = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8')
const seen = new Set<string>()

/** A problem document with courtbell's own type, or an HTML page; never a framework's words. */
function expectWellFormedError(res: LightMyRequestResponse, what: string) {
  expect(res.statusCode, what).toBeGreaterThanOrEqual(400)
  expect(res.statusCode, `${what}: no 5xx for bad input\n${res.body}`).toBeLessThan(500)
  const type = String(res.headers['content-type'])
  if (type.startsWith('text/html')) {
    expect(res.body, what).toMatch(/^<!doctype html>/i)
    return
  }
  expect(type, what).toMatch(/^application\/problem\+json/)
  const problem = JSON.parse(res.body)
  expect(problem, `${what}: ${res.body}`).toMatchObject({
    type: expect.stringMatching(/^urn:courtbell:problem:[a-z_]+$/),
    title: expect.any(String),
    status: res.statusCode,
    detail: expect.any(String),
  })
  expect(problem.type).toBe(`urn:courtbell:problem:${problem.code}`)
  expect(res.body.toLowerCase(), what).not.toMatch(/fst_|\[object object\]/)
  // No regular expression shown to a person.
  expect(problem.detail, what).not.toMatch(/\^|\$"|\\d|must match pattern/)
  seen.add(problem.code)
}

describe('every route of the OpenAPI document, given malformed input', () => {
  it('answers each with a problem document (or an HTML page), never a 5xx', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    )
    expect(operations.length).toBeGreaterThan(25)
    let checked = 0
    for (const { path, method, op } of operations) {
      if (path === '/docs') continue
      const hasParams = path.includes('{')
      const at = (id: string, query = '') => `${path.replace(/\{[^}]+\}/g, id)}${query}`
      const takesQuery = (op.parameters ?? []).some((p) => p.in === 'query')
      const requests: { what: string; url: string; headers?: Record<string, string>; payload?: string }[] = []
      const json = { ...admin, 'content-type': 'application/json' }
      if (hasParams) {
        requests.push({ what: 'unknown id', url: at('nope_0'), headers: admin })
        requests.push({ what: 'id too long', url: at('x'.repeat(1001)), headers: admin })
        requests.push({ what: 'bad percent-encoding', url: at('%E0%A4%A'), headers: admin })
      }
      if (
        takesQuery ||
        path.startsWith('/v1/') ||
        path.startsWith('/subscriptions') ||
        path === '/unsubscribe'
      ) {
        requests.push({ what: 'bad query', url: at('nope_0', '?limit=abc&nonsense=1'), headers: admin })
        requests.push({ what: 'token too short', url: at('nope_0', '?token=a'), headers: admin })
      }
      if (op.requestBody || method === 'POST' || method === 'PATCH') {
        const base = at('nope_0')
        requests.push({ what: 'invalid JSON', url: base, headers: json, payload: '{"title": ' })
        requests.push({ what: 'an array body', url: base, headers: json, payload: '[1, 2]' })
        requests.push({ what: 'unknown field', url: base, headers: json, payload: '{"nonsense": true}' })
        requests.push({
          what: 'wrong types',
          url: base,
          headers: json,
          payload: '{"title": 7, "email": 7, "url": 7}',
        })
        requests.push({
          what: 'text/plain',
          url: base,
          headers: { ...admin, 'content-type': 'text/plain' },
          payload: 'hi',
        })
        requests.push({
          what: 'too large',
          url: base,
          headers: json,
          payload: JSON.stringify({ title: 'x'.repeat(70_000) }),
        })
      }
      if (path.startsWith('/v1/'))
        requests.push({ what: 'bogus key', url: at('nope_0'), headers: { authorization: 'Bearer nope' } })
      for (const r of requests) {
        const res = await h.app.inject({
          method: method as 'GET',
          url: r.url,
          headers: r.headers ?? {},
          ...(r.payload === undefined ? {} : { payload: r.payload }),
        })
        if (res.statusCode < 400) continue // some malformed-looking input is fine for some routes (GET ignores bodies)
        expectWellFormedError(res, `${method} ${path} (${r.what})`)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(150)
    for (const code of [
      'invalid_request',
      'invalid_json',
      'unsupported_media_type',
      'body_too_large',
      'not_found',
      'unauthorized',
      'invalid_url',
    ])
      expect(seen, code).toContain(code)
  })

  it('documents every problem type it gave, in docs/api.md', () => {
    expect(seen.size).toBeGreaterThan(0)
    for (const code of seen) expect(docsApi, code).toContain(`\`${code}\``)
  })

  it('documents every problem type the code can give, in docs/api.md', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name)
        return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
      })
    const codes = new Set<string>()
    for (const file of files(new URL('../../src', import.meta.url).pathname)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/(?:new AppError|problemOf)\(\s*'([a-z_]+)'/g)) codes.add(m[1] as string)
    }
    expect(codes.size).toBeGreaterThan(10)
    for (const code of codes) expect(docsApi, code).toContain(`\`${code}\``)
  })
})

describe('the mistakes a newcomer makes first', () => {
  let caseId: string
  let hearingId: string
  beforeAll(async () => {
    const staff = await h.auth('staff')
    caseId = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers: staff, payload: bilash.case })
    ).json().id
    hearingId = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${caseId}/hearings`,
        headers: staff,
        payload: bilash.hearing,
      })
    ).json().id
  })

  it('cancels a hearing posted with content-type: application/json and no body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearingId}/cancel`,
      headers: { ...(await h.auth('staff')), 'content-type': 'application/json' },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().status).toBe('cancelled')
  })

  it('words an unknown zone the same on cases, hearings and subscriptions', async () => {
    const staff = await h.auth('staff')
    const answers = await Promise.all([
      h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: staff,
        payload: { ...bilash.case, timeZone: 'Asia/Almaty_' },
      }),
      h.app.inject({
        method: 'POST',
        url: `/v1/cases/${caseId}/hearings`,
        headers: staff,
        payload: { ...bilash.hearing, timeZone: 'Asia/Almaty_' },
      }),
      h.app.inject({
        method: 'POST',
        url: `/v1/cases/${caseId}/subscriptions`,
        headers: staff,
        payload: { email: 'zone@lawfirm.test', timeZone: 'Asia/Almaty_' },
      }),
      h.app.inject({
        method: 'PATCH',
        url: `/v1/cases/${caseId}`,
        headers: staff,
        payload: { timeZone: 'Asia/Almaty_' },
      }),
    ])
    const problems = answers.map((res) => res.json())
    for (const p of problems) expect(p.status).toBe(400)
    expect(new Set(problems.map((p) => p.detail)).size).toBe(1)
    expect(new Set(problems.map((p) => JSON.stringify(p.errors))).size).toBe(1)
    expect(problems[0].errors).toEqual([
      { path: '/timeZone', message: expect.stringContaining('Asia/Almaty_') },
    ])
  })

  it('explains a hearing time in words, without a regular expression', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/hearings`,
      headers: await h.auth('staff'),
      payload: { ...bilash.hearing, startsAt: '2026-12-14 10:00' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors[0]).toEqual({
      path: '/startsAt',
      message: expect.stringContaining('local time without offset, e.g. 2026-12-14T10:00'),
    })
  })

  it('says to send JSON when the body is not', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...(await h.auth('staff')), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'title=x',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({
      code: 'unsupported_media_type',
      detail: expect.stringMatching(/JSON/),
    })
  })
})

describe('raw bytes the HTTP parser refuses', () => {
  it('answers a request line with an unencoded 0xFF byte with a problem document', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = h.app.server.address() as AddressInfo
    const raw = Buffer.concat([
      Buffer.from('GET /v1/cases?cursor='),
      Buffer.from([0xff]),
      Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    ])
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(raw))
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8')
      })
      socket.on('close', () => resolve(text))
      socket.on('error', reject)
    })
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    expect(head.toLowerCase()).toContain('content-type: application/problem+json')
    expect(JSON.parse(body)).toMatchObject({
      type: 'urn:courtbell:problem:invalid_request',
      status: 400,
      detail: expect.stringMatching(/percent-encode/),
    })
    expect(body).not.toContain('"error"')
  })
})
