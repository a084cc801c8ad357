import { randomBytes } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, deleteKeys, type Harness, startHarness } from '../helpers/harness.js'
import { expectProblem, newKey } from './support.js'

/**
 * Rate limits (issue 4, item 4): per API key, held in Redis so that every replica shares them; per IP and
 * per email address on self-service subscription, so that courtbell cannot be used to flood an inbox.
 */

function expectRateLimited(res: LightMyRequestResponse) {
  expectProblem(res, 429)
  const retryAfter = res.headers['retry-after']
  expect(retryAfter, 'Retry-After header').toBeDefined()
  expect(String(retryAfter)).toMatch(/^\d+$/)
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
  expect(Number(retryAfter)).toBeLessThanOrEqual(60)
}

describe('per API key', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ name: 'sec-rate-key', env: { RATE_LIMIT_PER_MINUTE: '5' } })
  })
  afterAll(async () => h?.close())

  it('answers the 6th request of a minute with 429 problem+json and Retry-After; another key is unaffected', async () => {
    const busy = await newKey(h, 'staff', 'busy clerk')
    const other = await newKey(h, 'staff', 'other clerk')
    const partner = await newKey(h, 'partner', 'NGO')
    for (let i = 1; i <= 5; i++) {
      const res = await h.app.inject({ method: 'GET', url: '/v1/cases', headers: busy.headers })
      expect(res.statusCode, `request ${i}`).toBe(200)
    }
    expectRateLimited(await h.app.inject({ method: 'GET', url: '/v1/cases', headers: busy.headers }))
    // Still limited, on any route and any method: the limit is the key's, not the route's.
    expectRateLimited(await h.app.inject({ method: 'GET', url: '/v1/hearings', headers: busy.headers }))
    expectRateLimited(
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers: busy.headers, payload: bilash.case }),
    )
    for (const key of [other, partner])
      expect((await h.app.inject({ method: 'GET', url: '/v1/cases', headers: key.headers })).statusCode).toBe(
        200,
      )
    // A limited write did nothing.
    const cases = await h.app.inject({ method: 'GET', url: '/v1/cases?limit=200', headers: other.headers })
    expect(cases.json().items).toHaveLength(0)
  })

  it('counts failed requests too (a key cannot probe faster by sending bad input)', async () => {
    const prober = await newKey(h, 'staff', 'prober')
    for (let i = 0; i < 5; i++) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: prober.headers,
        payload: { nope: 1 },
      })
      expect(res.statusCode).toBe(400)
    }
    expectRateLimited(await h.app.inject({ method: 'GET', url: '/v1/cases', headers: prober.headers }))
  })
  it('keeps no count for unknown keys (bad tokens cannot fill Redis with windows)', async () => {
    const windows = async () => (await h.redis.keys(`${h.config.redis.prefix}:rate:*`)).length
    const before = await windows()
    for (let i = 0; i < 20; i++) {
      const bogus = { authorization: `Bearer cb_${randomBytes(32).toString('base64url')}` }
      expect((await h.app.inject({ method: 'GET', url: '/v1/cases', headers: bogus })).statusCode).toBe(401)
    }
    expect(await windows()).toBe(before)
  })
})

describe('held in Redis: two replicas on the same prefix share the limit', () => {
  const prefix = `cbtest-sec-rate-shared-${randomBytes(4).toString('hex')}`
  let a: Harness
  let b: Harness
  beforeAll(async () => {
    const env = { REDIS_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '5' }
    a = await startHarness({ name: 'sec-rate-a', env })
    b = await startHarness({ name: 'sec-rate-b', env })
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    if (a) {
      const { connectForApi } = await import('../../src/platform/redis.js')
      const redis = connectForApi(a.config.redis)
      redis.on('error', () => undefined)
      await redis.connect()
      await deleteKeys(redis, prefix)
      await redis.quit()
    }
  })

  it('3 requests on one replica and 2 on the other use up the key: the next is 429 on both', async () => {
    expect(a.config.redis.prefix).toBe(prefix)
    expect(b.config.redis.prefix).toBe(prefix)
    const key = await newKey(a, 'staff', 'clerk on two replicas')
    const get = (h: Harness) => h.app.inject({ method: 'GET', url: '/v1/cases', headers: key.headers })
    for (const h of [a, b, a, b, a]) expect((await get(h)).statusCode).toBe(200)
    expectRateLimited(await get(b))
    expectRateLimited(await get(a))
    const fresh = await newKey(b, 'staff', 'another clerk')
    expect((await a.app.inject({ method: 'GET', url: '/v1/cases', headers: fresh.headers })).statusCode).toBe(
      200,
    )
  })
})

describe('self-service subscription', () => {
  let h: Harness
  let hearingIds: string[]
  let caseId: string

  beforeAll(async () => {
    h = await startHarness({ name: 'sec-rate-subscribe' })
    const headers = await h.auth('staff')
    caseId = (await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })).json()
      .id
    hearingIds = []
    for (let i = 0; i < 8; i++)
      hearingIds.push(
        (
          await h.app.inject({
            method: 'POST',
            url: `/v1/cases/${caseId}/hearings`,
            headers,
            payload: { ...bilash.hearing, title: `Hearing ${i}`, startsAt: `2027-01-${String(10 + i)}` },
          })
        ).json().id,
      )
  })
  afterAll(async () => h?.close())

  const subscribe = (
    hearingId: string,
    email: string,
    remoteAddress: string,
    headers: Record<string, string> = {},
  ) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearingId}/subscriptions`,
      remoteAddress,
      headers,
      payload: { email },
    })

  /** Confirmation emails created for an address: one delivery each. */
  async function confirmations(email: string): Promise<number> {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/deliveries?channel=email&limit=200',
      headers: await h.auth('staff'),
    })
    const items = res.json().items as { target: string; eventType: string }[]
    return items.filter(
      (d) => d.target.toLowerCase() === email.toLowerCase() && d.eventType === 'subscription.confirmation',
    ).length
  }

  it('allows 20 requests an hour per IP address, then 429 with Retry-After; another IP is unaffected', async () => {
    const ip = '203.0.113.7'
    for (let i = 0; i < 20; i++) {
      const res = await subscribe(hearingIds[i % 8] as string, `ip-${i}@lawfirm.test`, ip)
      expect(res.statusCode, `request ${i + 1}: ${res.body}`).toBe(202)
    }
    const over = await subscribe(hearingIds[0] as string, 'ip-over@lawfirm.test', ip)
    expectProblem(over, 429)
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(3600)
    expect(await confirmations('ip-over@lawfirm.test')).toBe(0)
    // Forwarded-for headers are not trusted: they do not make another IP.
    for (const xff of ['198.51.100.1', '198.51.100.2, 10.0.0.1'])
      expectProblem(
        await h.app.inject({
          method: 'POST',
          url: `/v1/hearings/${hearingIds[1]}/subscriptions`,
          remoteAddress: ip,
          headers: { 'x-forwarded-for': xff, 'x-real-ip': xff, forwarded: `for=${xff}` },
          payload: { email: `xff-${xff.length}@lawfirm.test` },
        }),
        429,
      )
    expect(
      (await subscribe(hearingIds[0] as string, 'other-ip@lawfirm.test', '203.0.113.8')).statusCode,
    ).toBe(202)
    // Staff are not subject to it.
    const staff = await h.auth('staff')
    expect((await subscribe(hearingIds[0] as string, 'by-staff@lawfirm.test', ip, staff)).statusCode).toBe(
      201,
    )
  })

  // A person may follow a handful of cases in a row (API.md "Pages for people"); a stranger still cannot flood an inbox.
  it('caps confirmation emails per address (6 an hour), whatever the IP, target or letter case', async () => {
    const victim = 'victim@ngo.test'
    const spellings = [
      victim,
      'Victim@ngo.test',
      'VICTIM@NGO.TEST',
      victim,
      'vIcTiM@ngo.test',
      victim,
      victim,
      victim,
      victim,
    ]
    const statuses: number[] = []
    for (const [i, email] of spellings.entries()) {
      // A new IP and a new hearing each time: only the address ties the requests together.
      const res = await subscribe(hearingIds[i % 8] as string, email, `192.0.2.${10 + i}`)
      statuses.push(res.statusCode)
      if (res.statusCode === 429) {
        expectProblem(res, 429)
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      }
    }
    expect(statuses.slice(0, 6)).toEqual([202, 202, 202, 202, 202, 202])
    expect(statuses.slice(6).every((s) => s === 429)).toBe(true)
    expect(await confirmations(victim)).toBe(6)
    // The whole case as a target counts against the same address.
    const caseRes = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/subscriptions`,
      remoteAddress: '192.0.2.99',
      payload: { email: victim },
    })
    expectProblem(caseRes, 429)
    expect(await confirmations(victim)).toBe(6)
  })

  it('repeating a request for the same pending subscription also counts (no resend loop)', async () => {
    const email = 'resend@ngo.test'
    const codes: number[] = []
    for (let i = 0; i < 6; i++)
      codes.push((await subscribe(hearingIds[0] as string, email, `192.0.2.${120 + i}`)).statusCode)
    expect(codes).toEqual([202, 202, 202, 429, 429, 429])
    expect(await confirmations(email)).toBeLessThanOrEqual(3)
  })
})
