import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, bilash, eventually } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'
import {
  type CapturedHarness,
  expectProblem,
  snapshotRedis,
  startCapturedHarness,
  tokenOf,
} from './support.js'

/**
 * Keys and secrets (issue 4, items 2 and 7): random API keys stored as hashes, secrets shown once, an audit
 * trail without secrets, and logs (captured from the service's own pino logger at trace level, API and
 * workers) in which no key, webhook secret, token or Authorization value ever appears.
 */

let h: CapturedHarness
let smtp: SmtpSink
let receiver: Receiver
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` }
/** Every secret value this file sees; the log test greps for each. */
const secrets = new Set<string>([ADMIN_KEY])
const startedAt = Date.now()

type Headers = Record<string, string>
async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: Headers,
  payload?: object,
) {
  return h.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) })
}
async function newApiKey(scope: 'admin' | 'staff' | 'partner', name = `secrets ${scope}`) {
  const res = await call('POST', '/v1/api-keys', ADMIN, { name, scope })
  expect(res.statusCode).toBe(201)
  const body = res.json() as { id: string; key: string; name: string; scope: string }
  secrets.add(body.key)
  return { ...body, headers: { authorization: `Bearer ${body.key}` } }
}
function remember(secret: string) {
  secrets.add(secret)
  secrets.add(secret.replace(/^whsec_/, ''))
}

let staff: Awaited<ReturnType<typeof newApiKey>>
let partner: Awaited<ReturnType<typeof newApiKey>>

beforeAll(async () => {
  smtp = await startSmtpSink()
  receiver = await startReceiver()
  h = await startCapturedHarness({
    name: 'sec-secrets',
    workers: true,
    env: { SMTP_URL: smtp.url, RETRY_SCHEDULE: '100ms,100ms' },
  })
  staff = await newApiKey('staff', 'Almaty court clerk')
  partner = await newApiKey('partner', 'Atajurt NGO')
})
afterAll(async () => {
  await h?.close()
  await smtp?.close()
  await receiver?.close()
})

describe('API keys', () => {
  const made: { id: string; key: string }[] = []

  it('are random with at least 128 bits (length and alphabet), 50 of them all distinct', async () => {
    for (let i = 0; i < 50; i++) made.push(await newApiKey(i % 2 ? 'staff' : 'partner', `entropy ${i}`))
    const randomParts = made.map(({ key }) => key.replace(/^[A-Za-z]{1,8}_/, ''))
    const used = new Set(randomParts.join(''))
    for (const part of randomParts) {
      const bitsPerChar = /^[0-9a-f]+$/i.test(part) ? 4 : /^[A-Za-z0-9_\-+/]+=*$/.test(part) ? 6 : 0
      expect(bitsPerChar, `unexpected alphabet in ${part}`).toBeGreaterThan(0)
      expect(part.replace(/=+$/, '').length * bitsPerChar).toBeGreaterThanOrEqual(128)
    }
    // Random, not a counter or a timestamp: all distinct, no shared beginnings, the whole alphabet in use.
    expect(new Set(made.map((m) => m.key)).size).toBe(50)
    expect(new Set(randomParts.map((p) => p.slice(0, 8))).size).toBe(50)
    expect(used.size).toBeGreaterThanOrEqual(/^[0-9a-f]+$/i.test(randomParts.join('')) ? 16 : 60)
  })

  it('are stored only as hashes: no key value anywhere in Redis', async () => {
    const all = await snapshotRedis(h.redis, h.config.redis.prefix)
    const dump = [...all].map(([k, v]) => `${k} ${v}`).join('\n')
    expect(dump.length).toBeGreaterThan(0)
    for (const { key } of [...made, staff, partner]) expect(dump.includes(key), 'a key in Redis').toBe(false)
    expect(dump.includes(ADMIN_KEY)).toBe(false)
  })

  it('are stored only as hashes even when created with an Idempotency-Key (no plaintext in the replay cache)', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...ADMIN, 'idempotency-key': 'create-ngo-key-1' },
      payload: { name: 'created with an idempotency key', scope: 'partner' },
    })
    expect(res.statusCode).toBe(201)
    const key = res.json().key as string
    secrets.add(key)
    const all = await snapshotRedis(h.redis, h.config.redis.prefix)
    const holders = [...all].filter(([, value]) => value.includes(key)).map(([name]) => name)
    expect(holders, 'Redis keys holding the API key in plaintext').toEqual([])
  })

  it('never appear in listings, nor their hashes', async () => {
    let cursor: string | null = null
    const seen: Record<string, unknown>[] = []
    do {
      const res = await call('GET', `/v1/api-keys?limit=20${cursor ? `&cursor=${cursor}` : ''}`, ADMIN)
      expect(res.statusCode).toBe(200)
      for (const { key } of made) expect(res.body.includes(key)).toBe(false)
      const page = res.json() as { items: Record<string, unknown>[]; nextCursor: string | null }
      seen.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    expect(seen.length).toBeGreaterThanOrEqual(52)
    for (const item of seen) expect(Object.keys(item).sort()).toEqual(['createdAt', 'id', 'name', 'scope'])
  })

  it('a refusal never echoes the key it refused', async () => {
    const almost = `${staff.key.slice(0, -1)}X`
    const res = await call('GET', '/v1/cases', { authorization: `Bearer ${almost}` })
    expectProblem(res, 401)
    expect(res.body.includes(almost)).toBe(false)
    expect(res.body.includes(staff.key)).toBe(false)
  })
})

describe('webhook secrets', () => {
  it('are shown at creation and rotation only: never in GET, list or PATCH answers', async () => {
    for (const owner of [staff, partner]) {
      const res = await call('POST', '/v1/webhook-endpoints', owner.headers, { url: receiver.url })
      expect(res.statusCode).toBe(201)
      const { id, secret } = res.json() as { id: string; secret: string }
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
      expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(16)
      remember(secret)
      const rotated = await call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, owner.headers)
      expect(rotated.statusCode).toBe(200)
      const next = rotated.json().secret as string
      expect(next).toMatch(/^whsec_/)
      expect(next).not.toBe(secret)
      remember(next)
      const answers = [
        await call('GET', `/v1/webhook-endpoints/${id}`, owner.headers),
        await call('GET', '/v1/webhook-endpoints?limit=200', owner.headers),
        await call('PATCH', `/v1/webhook-endpoints/${id}`, owner.headers, { description: 'renamed' }),
        await call('PATCH', `/v1/webhook-endpoints/${id}`, owner.headers, { enabled: true }),
        await call('GET', `/v1/audit?entityId=${id}`, ADMIN),
      ]
      for (const a of answers) {
        expect(a.statusCode).toBe(200)
        expect(a.body).not.toContain('whsec_')
        expect(a.body).not.toContain(secret.slice(6))
        expect(a.body).not.toContain(next.slice(6))
        expect(a.body).not.toMatch(/"secrets?"\s*:/)
      }
    }
  })

  it('a PATCH cannot set a secret', async () => {
    const { id, secret } = (
      await call('POST', '/v1/webhook-endpoints', staff.headers, { url: receiver.url })
    ).json()
    remember(secret)
    const res = await call('PATCH', `/v1/webhook-endpoints/${id}`, staff.headers, {
      secret: 'whsec_QUJDREVGR0hJSktMTU5PUA==',
    })
    expectProblem(res, 400)
    expect(res.body).not.toContain(secret)
  })

  it('after a rotation deliveries carry both signatures for 24 h, then only the new one', {
    timeout: 20_000,
  }, async () => {
    const created = (await call('POST', '/v1/webhook-endpoints', staff.headers, { url: receiver.url })).json()
    remember(created.secret)
    const rotated = (
      await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, staff.headers)
    ).json()
    remember(rotated.secret)
    const sent = async () => {
      const res = await call('POST', `/v1/webhook-endpoints/${created.id}/test`, staff.headers)
      expect(res.statusCode).toBe(202)
      const deliveryId = res.json().deliveryId as string
      return eventually(
        () => receiver.received.find((r) => r.headers['webhook-id'] === deliveryId),
        10_000,
        'the test webhook',
      )
    }
    const hook = await sent()
    const signatures = String(hook.headers['webhook-signature']).split(' ')
    expect(signatures).toHaveLength(2)
    const headers = {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }
    for (const secret of [created.secret, rotated.secret])
      expect(() => new Webhook(secret).verify(hook.body, headers)).not.toThrow()

    // A rotation 25 h ago: the old secret has expired and signs nothing any more.
    const record = await h.services.endpoints.mustGet(created.id)
    const old = await h.services.endpoints.rotateSecret(record, Date.now() - 25 * 3600_000)
    remember(old.secret)
    const later = await sent()
    const only = String(later.headers['webhook-signature']).split(' ')
    expect(only).toHaveLength(1)
    const laterHeaders = {
      'webhook-id': String(later.headers['webhook-id']),
      'webhook-timestamp': String(later.headers['webhook-timestamp']),
      'webhook-signature': String(later.headers['webhook-signature']),
    }
    expect(() => new Webhook(old.secret).verify(later.body, laterHeaders)).not.toThrow()
    expect(() => new Webhook(rotated.secret).verify(later.body, laterHeaders)).toThrow()
  })
})

describe('the audit trail', () => {
  type Entry = {
    at: string
    actor: { keyId: string; name: string; scope: string }
    action: string
    entityId: string
    status: number
    before?: Record<string, unknown> | null
    after?: Record<string, unknown> | null
  }
  const trail = async (entityId: string): Promise<Entry[]> => {
    const res = await call('GET', `/v1/audit?entityId=${entityId}&limit=200`, ADMIN)
    expect(res.statusCode).toBe(200)
    for (const s of secrets) expect(res.body.includes(s), 'a secret in the audit trail').toBe(false)
    expect(res.body).not.toContain('whsec_')
    return res.json().items
  }

  it('records who, what and when for every write made with a key, and never a key or a secret', {
    timeout: 20_000,
  }, async () => {
    const t0 = Date.now()
    const writes: { entityId: string; action: string; by: typeof staff | 'admin' }[] = []
    const write = async (
      by: typeof staff | 'admin',
      method: 'POST' | 'PATCH' | 'DELETE',
      route: string,
      url: string,
      payload?: object,
    ) => {
      const res = await call(method, url, by === 'admin' ? ADMIN : by.headers, payload)
      expect(res.statusCode, res.body).toBeLessThan(300)
      const body = res.body ? (res.json() as Record<string, unknown>) : {}
      if (typeof body.key === 'string') secrets.add(body.key)
      if (typeof body.secret === 'string') remember(body.secret)
      // An action on a record is recorded under its id; a creation under the new record's id.
      const onRecord = /\/:id(\/(cancel|outcome|rotate-secret|test|redeliver))?$/.test(route)
      const entityId = onRecord ? (url.split('/')[3] as string) : (body.id as string)
      writes.push({ entityId, action: `${method} ${route}`, by })
      return body
    }
    const key = await write('admin', 'POST', '/v1/api-keys', '/v1/api-keys', {
      name: 'audited',
      scope: 'staff',
    })
    await write('admin', 'DELETE', '/v1/api-keys/:id', `/v1/api-keys/${key.id}`)
    const kase = await write(staff, 'POST', '/v1/cases', '/v1/cases', bilash.case)
    await write(staff, 'PATCH', '/v1/cases/:id', `/v1/cases/${kase.id}`, { caseNumber: '2-1234/2026' })
    const hearing = await write(
      staff,
      'POST',
      '/v1/cases/:caseId/hearings',
      `/v1/cases/${kase.id}/hearings`,
      bilash.hearing,
    )
    await write(staff, 'PATCH', '/v1/hearings/:id', `/v1/hearings/${hearing.id}`, {
      startsAt: '2026-12-15T10:00',
    })
    const second = await write(staff, 'POST', '/v1/cases/:caseId/hearings', `/v1/cases/${kase.id}/hearings`, {
      ...bilash.hearing,
      startsAt: '2027-01-10',
    })
    await write(staff, 'POST', '/v1/hearings/:id/outcome', `/v1/hearings/${second.id}/outcome`, {
      summary: 'Rejected',
    })
    const sub = await write(
      staff,
      'POST',
      '/v1/hearings/:id/subscriptions',
      `/v1/hearings/${hearing.id}/subscriptions`,
      {
        email: 'audited@lawfirm.test',
      },
    )
    await write(staff, 'DELETE', '/v1/subscriptions/:id', `/v1/subscriptions/${sub.id}`)
    const endpoint = await write(staff, 'POST', '/v1/webhook-endpoints', '/v1/webhook-endpoints', {
      url: receiver.url,
    })
    await write(staff, 'PATCH', '/v1/webhook-endpoints/:id', `/v1/webhook-endpoints/${endpoint.id}`, {
      description: 'NGO',
    })
    await write(
      staff,
      'POST',
      '/v1/webhook-endpoints/:id/rotate-secret',
      `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
    )
    const test = await write(
      staff,
      'POST',
      '/v1/webhook-endpoints/:id/test',
      `/v1/webhook-endpoints/${endpoint.id}/test`,
    )
    const deliveryId = test.deliveryId as string
    await eventually(async () => {
      const d = (await call('GET', `/v1/deliveries/${deliveryId}`, staff.headers)).json()
      return d.status === 'succeeded' ? d : undefined
    })
    await write(staff, 'POST', '/v1/deliveries/:id/redeliver', `/v1/deliveries/${deliveryId}/redeliver`)
    await write(
      partner,
      'DELETE',
      '/v1/webhook-endpoints/:id',
      `/v1/webhook-endpoints/${
        (await call('POST', '/v1/webhook-endpoints', partner.headers, { url: receiver.url })).json().id
      }`,
    )
    await write(staff, 'POST', '/v1/hearings/:id/cancel', `/v1/hearings/${hearing.id}/cancel`, {
      reason: 'Judge ill',
    })
    const t1 = Date.now()

    for (const w of writes) {
      const entries = await trail(w.entityId)
      const entry = entries.find((e) => e.action === w.action)
      expect(entry, `audit of ${w.action} on ${w.entityId}`).toBeDefined()
      if (!entry) continue
      const actor =
        w.by === 'admin'
          ? { keyId: 'key_admin', scope: 'admin' }
          : { keyId: w.by.id, name: w.by.name, scope: w.by.scope }
      expect(entry.actor).toMatchObject(actor)
      // A subscription made on a hearing is filed under both; the entry names one of them and shows the other.
      expect([entry.entityId, entry.after?.id]).toContain(w.entityId)
      expect(entry.status).toBeGreaterThanOrEqual(200)
      expect(entry.status).toBeLessThan(300)
      const at = Date.parse(entry.at)
      expect(at).toBeGreaterThanOrEqual(t0 - 1000)
      expect(at).toBeLessThanOrEqual(t1 + 1000)
    }
  })

  it('keeps the hearing before and after a PATCH', async () => {
    const kase = (await call('POST', '/v1/cases', staff.headers, bilash.case)).json()
    const hearing = (
      await call('POST', `/v1/cases/${kase.id}/hearings`, staff.headers, bilash.hearing)
    ).json()
    const res = await call('PATCH', `/v1/hearings/${hearing.id}`, staff.headers, {
      startsAt: '2026-12-16T11:30',
      location: 'Courtroom 5',
    })
    expect(res.statusCode).toBe(200)
    const entry = (await trail(hearing.id)).find((e) => e.action === 'PATCH /v1/hearings/:id')
    expect(entry?.before).toMatchObject({
      id: hearing.id,
      startsAt: '2026-12-14',
      version: 1,
      location: null,
    })
    expect(entry?.after).toMatchObject({
      id: hearing.id,
      startsAt: '2026-12-16T11:30',
      version: 2,
      location: 'Courtroom 5',
    })
    expect(entry?.actor).toMatchObject({ keyId: staff.id, scope: 'staff' })
  })
})

describe('logs', () => {
  it('never contain an API key, a whsec_ secret, a token or an Authorization value, through every flow', {
    timeout: 40_000,
  }, async () => {
    const staffHeaders = staff.headers
    // Case, hearing, a lawyer subscribing herself (double opt-in), confirming, being notified, unsubscribing.
    const kase = (await call('POST', '/v1/cases', staffHeaders, bilash.case)).json()
    const hearing = (await call('POST', `/v1/cases/${kase.id}/hearings`, staffHeaders, bilash.hearing)).json()
    const email = 'log-check@lawfirm.test'
    const sub = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/subscriptions`,
      payload: { email, name: 'Log Check' },
    })
    expect(sub.statusCode).toBe(202)
    const confirmation = await eventually(() => smtp.to(email)[0], 10_000, 'the confirmation email')
    const confirmUrl = String(confirmation.mail.text).match(
      /https?:\/\/\S+\/subscriptions\/confirm\?token=\S+/,
    )?.[0]
    expect(confirmUrl).toBeDefined()
    const confirmToken = tokenOf(confirmUrl as string)
    secrets.add(confirmToken)
    const confirmed = await h.app.inject({
      method: 'POST',
      url: `/subscriptions/confirm?token=${confirmToken}`,
    })
    expect(confirmed.statusCode).toBe(200)
    const moved = await call('PATCH', `/v1/hearings/${hearing.id}`, staffHeaders, {
      startsAt: '2026-12-18T10:00',
    })
    expect(moved.statusCode).toBe(200)
    const notice = await eventually(() => smtp.to(email)[1], 10_000, 'the rescheduled notice')
    const unsubscribeUrl = String(notice.mail.text).match(/https?:\/\/\S+\/unsubscribe\?token=\S+/)?.[0]
    expect(unsubscribeUrl).toBeDefined()
    const unsubscribeToken = tokenOf(unsubscribeUrl as string)
    secrets.add(unsubscribeToken)
    for (const method of ['GET', 'POST'] as const)
      expect((await h.app.inject({ method, url: `/unsubscribe?token=${unsubscribeToken}` })).statusCode).toBe(
        200,
      )
    // Broken and foreign tokens, and keys that are not quite right.
    const forged = `${unsubscribeToken.slice(0, -2)}xx`
    secrets.add(forged)
    expect(
      (await h.app.inject({ method: 'GET', url: `/subscriptions/confirm?token=${forged}` })).statusCode,
    ).toBe(400)
    expect((await h.app.inject({ method: 'POST', url: `/unsubscribe?token=${forged}` })).statusCode).toBe(400)
    const wrongKey = `${staff.key}zz`
    secrets.add(wrongKey)
    expect((await call('GET', '/v1/cases', { authorization: `Bearer ${wrongKey}` })).statusCode).toBe(401)
    expect(
      (
        await call('GET', '/v1/cases', {
          authorization: `Basic ${Buffer.from(`u:${staff.key}`).toString('base64')}`,
        })
      ).statusCode,
    ).toBe(401)
    // Webhooks: a successful one and a failing one (retried, then failed).
    const endpoint = (await call('POST', '/v1/webhook-endpoints', staffHeaders, { url: receiver.url })).json()
    remember(endpoint.secret)
    const failing = (
      await call('POST', '/v1/webhook-endpoints', staffHeaders, { url: 'http://127.0.0.1:9/closed' })
    ).json()
    remember(failing.secret)
    const okTest = (await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`, staffHeaders)).json()
    const badTest = (await call('POST', `/v1/webhook-endpoints/${failing.id}/test`, staffHeaders)).json()
    for (const id of [okTest.deliveryId, badTest.deliveryId])
      await eventually(async () => {
        const d = (await call('GET', `/v1/deliveries/${id}`, staffHeaders)).json()
        return d.status === 'succeeded' || d.status === 'failed' ? d : undefined
      })
    // The token-signing secret lives in Redis; it must not be logged either.
    const tokenSecret = await h.redis.get(h.services.store.keys.tokenSecret)
    if (tokenSecret) secrets.add(tokenSecret)
    // Rotation signatures are only derived values, but the secrets themselves: every one seen so far.
    for (const mail of smtp.received) {
      for (const line of mail.rawHeaders) {
        const token = line.match(/token=([^>\s]+)/)?.[1]
        if (token) secrets.add(token)
      }
    }

    await new Promise((r) => setTimeout(r, 200))
    const logs = h.logs.join('')
    // The capture works: request lines, worker lines and redacted links are all there.
    expect(h.logs.length).toBeGreaterThan(40)
    expect(logs).toContain('/subscriptions/confirm?token=[redacted]')
    expect(logs).toContain('/unsubscribe?token=[redacted]')
    expect(logs).toContain('"deliveryId"')
    expect(logs).toContain(kase.id)

    const leaks = [...secrets].filter((s) => s.length >= 8 && logs.includes(s))
    expect(leaks.map((s) => `${s.slice(0, 6)}…`)).toEqual([])
    expect(logs).not.toContain('whsec_')
    expect(logs).not.toMatch(/Bearer\s+[^\s"\\]{8,}/i)
    expect(logs).not.toMatch(/"authorization"\s*:\s*"(?!\[redacted\])/i)
    expect(Date.now() - startedAt).toBeLessThan(60_000)
  })
})
