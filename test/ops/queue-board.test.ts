import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, type Harness, startHarness } from '../helpers/harness.js'

/** /admin/queues: Bull Board behind HTTP Basic auth, an admin key as the password. */
let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'queue-board' })
})
afterAll(async () => h?.close())

const basic = (password: string, user = 'ops') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const get = (url: string, authorization?: string) =>
  h.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} })

describe('/admin/queues', () => {
  it('asks for Basic credentials: 401 without them or with an unknown key', async () => {
    for (const authorization of [undefined, basic('not-a-key-at-all-0000'), 'Bearer not-a-key-at-all-0000']) {
      const res = await get('/admin/queues', authorization)
      expect(res.statusCode, String(authorization)).toBe(401)
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="courtbell queues"/)
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
      expect(res.body).not.toContain('bull')
    }
  })

  it('refuses a key that is not an admin key with 403', async () => {
    const staffKey = (await h.auth('staff')).authorization.replace('Bearer ', '')
    expect((await get('/admin/queues', basic(staffKey))).statusCode).toBe(403)
    expect((await get('/admin/queues', `Bearer ${staffKey}`)).statusCode).toBe(403)
  })

  it('takes an admin key as a Bearer token too', async () => {
    expect((await get('/admin/queues', `Bearer ${ADMIN_KEY}`)).statusCode).toBe(200)
  })

  it('serves the dashboard, its assets and its API to an admin key, with a policy its page can live with', async () => {
    const page = await get('/admin/queues', basic(ADMIN_KEY))
    expect(page.statusCode).toBe(200)
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/)
    expect(page.body).toContain('courtbell queues')
    const csp = String(page.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain("'unsafe-eval'")

    // Every script and stylesheet the page names loads, under the same credentials.
    const assets = [...page.body.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1] as string)
    expect(assets.length).toBeGreaterThan(0)
    for (const asset of assets) {
      const res = await get(`/admin/queues/${asset}`, basic(ADMIN_KEY))
      expect(res.statusCode, asset).toBe(200)
      expect((await get(`/admin/queues/${asset}`)).statusCode, asset).toBe(401)
    }

    const api = await get('/admin/queues/api/queues', basic(ADMIN_KEY))
    expect(api.statusCode).toBe(200)
    const names = (api.json().queues as { name: string }[]).map((q) => q.name).sort()
    expect(names).toEqual(['digests', 'email', 'events', 'reminders', 'webhook'])
  })

  it('is listed in the OpenAPI document', async () => {
    const doc = (await get('/openapi.json')).json()
    expect(doc.paths['/admin/queues']?.get?.responses).toHaveProperty('401')
  })
})
