import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

/** Security headers on the HTML pages and docs (@fastify/helmet), CORS off by default (issue 4, item 8). */

let h: Harness
let confirmToken: string
let unsubscribeToken: string
let staff: Record<string, string>

beforeAll(async () => {
  h = await startHarness({ name: 'sec-headers' })
  staff = await h.auth('staff')
  const kase = (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers: staff, payload: bilash.case })
  ).json()
  const hearing = (
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kase.id}/hearings`,
      headers: staff,
      payload: bilash.hearing,
    })
  ).json()
  const pending = (
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/subscriptions`,
      payload: { email: 'pages@lawfirm.test' },
    })
  ).json()
  const active = (
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/subscriptions`,
      headers: staff,
      payload: { email: 'pages-active@lawfirm.test' },
    })
  ).json()
  confirmToken = h.services.tokens.issue(pending.id, 'confirm')
  unsubscribeToken = h.services.tokens.issue(active.id, 'unsubscribe')
})
afterAll(async () => h?.close())

/** Parses a CSP header into directive → sources. */
function csp(res: LightMyRequestResponse): Map<string, string[]> {
  const header = String(res.headers['content-security-policy'] ?? '')
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [String(name).toLowerCase(), sources]),
  )
}

function expectHardened(res: LightMyRequestResponse, what: string) {
  const headers = res.headers
  expect(headers['content-security-policy'], `${what}: content-security-policy`).toBeDefined()
  const policy = csp(res)
  const scripts = policy.get('script-src') ?? policy.get('default-src') ?? []
  expect(scripts, `${what}: script-src`).not.toContain("'unsafe-inline'")
  expect(scripts, `${what}: script-src`).not.toContain("'unsafe-eval'")
  expect(scripts, `${what}: script-src`).not.toContain('*')
  expect(policy.get('object-src'), `${what}: object-src`).toEqual(["'none'"])
  expect(policy.get('frame-ancestors') ?? [], `${what}: frame-ancestors`).not.toContain('*')
  expect(headers['x-content-type-options'], `${what}: nosniff`).toBe('nosniff')
  expect(String(headers['x-frame-options']).toUpperCase(), `${what}: x-frame-options`).toMatch(
    /^(DENY|SAMEORIGIN)$/,
  )
  expect(headers['referrer-policy'], `${what}: referrer-policy`).toBeDefined()
  // The pages carry tokens in their URL: no referrer may leak them to another site.
  expect(String(headers['referrer-policy'])).toMatch(/no-referrer|same-origin|strict-origin/)
  expect(headers['cross-origin-opener-policy'], `${what}: coop`).toBe('same-origin')
  expect(headers['x-powered-by'], `${what}: x-powered-by`).toBeUndefined()
  expect(headers['access-control-allow-origin'], `${what}: CORS`).toBeUndefined()
}

describe('security headers on the HTML pages and docs', () => {
  it('on /docs (and its assets and the OpenAPI document)', async () => {
    const docs = await h.app.inject({ method: 'GET', url: '/docs' })
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toMatch(/^text\/html/)
    expectHardened(docs, '/docs')
    const assets = [...docs.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
    expect(assets.length).toBeGreaterThan(0)
    for (const asset of assets.filter((a) => !/^https?:/.test(a)).slice(0, 6)) {
      const url = asset.startsWith('/') ? asset : `/docs/${asset.replace(/^\.\//, '')}`
      const res = await h.app.inject({ method: 'GET', url })
      if (res.statusCode !== 200) continue
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
      expect(res.headers['access-control-allow-origin'], url).toBeUndefined()
    }
    const openapi = await h.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(openapi.headers['x-content-type-options']).toBe('nosniff')
  })

  it('on the confirm page, valid link or not', async () => {
    for (const token of [confirmToken, 'not-a-valid-token']) {
      const res = await h.app.inject({ method: 'GET', url: `/subscriptions/confirm?token=${token}` })
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expectHardened(res, `confirm (${res.statusCode})`)
    }
  })

  it('on the unsubscribe pages (GET with its form, POST one-click), valid link or not', async () => {
    // The form posts back to this site only.
    const form = await h.app.inject({ method: 'GET', url: `/unsubscribe?token=${unsubscribeToken}` })
    const action = /<form[^>]*action="([^"]+)"/.exec(form.body)?.[1] ?? ''
    expect(action.startsWith('/')).toBe(true)
    expect(action.startsWith('//')).toBe(false)
    const formAction = csp(form).get('form-action') ?? csp(form).get('default-src')
    expect(formAction).toEqual(["'self'"])
    for (const method of ['GET', 'POST'] as const)
      for (const token of [unsubscribeToken, 'not-a-valid-token']) {
        const res = await h.app.inject({ method, url: `/unsubscribe?token=${token}` })
        expect(res.headers['content-type']).toMatch(/^text\/html/)
        expectHardened(res, `${method} unsubscribe (${res.statusCode})`)
      }
  })

  it('API answers, errors included, are never sniffed as something else', async () => {
    for (const [url, headers] of [
      ['/v1/cases', staff],
      ['/v1/cases', {}],
      ['/v1/nope', {}],
      ['/healthz', {}],
    ] as const) {
      const res = await h.app.inject({ method: 'GET', url, headers })
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
      expect(res.headers['content-type'], url).toMatch(/^application\/(problem\+)?json/)
    }
  })
})

describe('HSTS and upgrade-insecure-requests only where the service is reached over https', () => {
  it('neither over the plain http PUBLIC_BASE_URL of a laptop', async () => {
    for (const url of ['/docs', '/healthz', `/unsubscribe?token=${unsubscribeToken}`]) {
      const res = await h.app.inject({ method: 'GET', url })
      expect(res.headers['strict-transport-security'], url).toBeUndefined()
      expect(csp(res).has('upgrade-insecure-requests'), url).toBe(false)
    }
  })

  it('both when PUBLIC_BASE_URL is https', async () => {
    const secure = await startHarness({
      name: 'sec-headers-https',
      env: { PUBLIC_BASE_URL: 'https://courtbell.example.org' },
    })
    try {
      for (const url of ['/docs', '/healthz', '/unsubscribe?token=x']) {
        const res = await secure.app.inject({ method: 'GET', url })
        expect(res.headers['strict-transport-security'], url).toMatch(/max-age=\d{6,}/)
        expect(csp(res).has('upgrade-insecure-requests'), url).toBe(true)
      }
    } finally {
      await secure.close()
    }
  })
})

describe('CORS is off by default', () => {
  const ORIGIN = 'https://evil.example'
  const routes = [
    '/v1/cases',
    '/v1/hearings',
    '/v1/webhook-endpoints',
    '/v1/deliveries',
    '/v1/api-keys',
    '/v1/subscriptions',
    '/healthz',
    '/openapi.json',
    '/docs',
    '/subscriptions/confirm?token=x',
    '/unsubscribe?token=x',
  ]

  function expectNoCors(res: LightMyRequestResponse, what: string) {
    for (const header of [
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'access-control-allow-methods',
      'access-control-allow-headers',
      'access-control-expose-headers',
    ])
      expect(res.headers[header], `${what}: ${header}`).toBeUndefined()
  }

  it('no Access-Control-Allow-Origin on API answers to a cross-origin request, with or without a key', async () => {
    for (const url of routes)
      for (const headers of [{ origin: ORIGIN }, { origin: ORIGIN, ...staff }, { origin: 'null' }])
        expectNoCors(await h.app.inject({ method: 'GET', url, headers }), `GET ${url}`)
    expectNoCors(
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: { origin: ORIGIN, ...staff },
        payload: bilash.case,
      }),
      'POST /v1/cases',
    )
  })

  it('a preflight OPTIONS is not granted', async () => {
    for (const url of routes) {
      const res = await h.app.inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      })
      expectNoCors(res, `OPTIONS ${url}`)
      expect(res.statusCode, `OPTIONS ${url}`).toBeGreaterThanOrEqual(400)
    }
  })
})
