import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sleep } from '../helpers/async.js'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/**
 * The endpoint lifecycle of API.md 1.1 end to end, with real loopback receivers and a real SMTP sink:
 * 410 Gone disables at once; a long run of failures warns the contact, then disables; events for a disabled
 * endpoint are on record as failed; re-enabling sends nothing by itself; replay sends the failed deliveries
 * again with their original webhook-id, which standardwebhooks verifies.
 */
const DISABLE_AFTER_MS = 4000

let h: Harness
let smtp: SmtpSink
const receivers: Receiver[] = []

beforeAll(async () => {
  smtp = await startSmtpSink()
  h = await startHarness({
    name: 'endpoint-lifecycle',
    workers: true,
    env: {
      SMTP_URL: smtp.url,
      WEBHOOK_DISABLE_AFTER: `${DISABLE_AFTER_MS / 1000}s`,
      RETRY_SCHEDULE: Array.from({ length: 16 }, () => '500ms').join(','),
    },
  })
}, 30_000)

afterAll(async () => {
  await h?.close()
  await smtp?.close()
  await Promise.all(receivers.map((r) => r.close()))
})

type Delivery = {
  id: string
  status: string
  eventType: string
  attempts: { at: string; statusCode?: number; error?: string }[]
}

async function receiver(status: number) {
  const r = await startReceiver()
  r.setResponse(() => status)
  receivers.push(r)
  return r
}

async function newCase() {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: await h.auth('staff'),
    payload: bilash.case,
  })
  return res.json().id as string
}

async function createEndpoint(url: string, caseId: string, contactEmail: string) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: await h.auth('staff'),
    payload: { url, caseIds: [caseId], contactEmail, eventTypes: ['hearing.scheduled', 'webhook.test'] },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; secret: string; contactEmail: string; disabledAt: null }
}

const getEndpoint = async (id: string) =>
  (
    await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}`, headers: await h.auth('staff') })
  ).json()

const sendTest = async (id: string) =>
  h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers: await h.auth('staff') })

const deliveriesOf = async (endpointId: string): Promise<Delivery[]> =>
  (
    await h.app.inject({
      method: 'GET',
      url: `/v1/deliveries?endpointId=${endpointId}&limit=200`,
      headers: await h.auth('staff'),
    })
  ).json().items

const getDelivery = async (id: string): Promise<Delivery> =>
  (await h.app.inject({ method: 'GET', url: `/v1/deliveries/${id}`, headers: await h.auth('staff') })).json()

const finished = (id: string) =>
  eventually(
    async () => {
      const d = await getDelivery(id)
      return ['succeeded', 'failed'].includes(d.status) ? d : undefined
    },
    15_000,
    `delivery ${id} finished`,
  )

describe('endpoint lifecycle', () => {
  it('disables on 410, records what it would have had, re-enables, and replays with the original ids', async () => {
    const gone = await receiver(410)
    const caseId = await newCase()
    const endpoint = await createEndpoint(gone.url, caseId, 'gone-ops@example.org')
    expect(endpoint).toMatchObject({ contactEmail: 'gone-ops@example.org', disabledAt: null })

    const first = await sendTest(endpoint.id)
    expect(first.statusCode).toBe(202)
    const failedTest = await finished(first.json().deliveryId)
    expect(failedTest.status).toBe('failed')
    expect(failedTest.attempts.map((a) => a.statusCode)).toEqual([410])

    const disabled = await getEndpoint(endpoint.id)
    expect(disabled.enabled).toBe(false)
    expect(disabled.disabledReason).toMatch(/410/)
    expect(Date.parse(disabled.disabledAt)).toBeGreaterThan(0)
    const notice = await eventually(() => smtp.to('gone-ops@example.org')[0], 10_000, 'the disabled notice')
    expect(notice.mail.subject).toMatch(/disabled/)
    expect(notice.mail.text).toContain(gone.url)

    // Disabled: a test is refused; a hearing event is recorded as failed, and nothing reaches the receiver.
    const refused = await sendTest(endpoint.id)
    expect(refused.statusCode).toBe(409)
    expect(String(refused.headers['content-type'])).toMatch(/^application\/problem\+json/)
    const hearing = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/hearings`,
      headers: await h.auth('staff'),
      payload: bilash.hearing,
    })
    expect(hearing.statusCode).toBe(201)
    const recorded = await eventually(
      async () => (await deliveriesOf(endpoint.id)).find((d) => d.eventType === 'hearing.scheduled'),
      10_000,
      'the hearing.scheduled delivery',
    )
    expect(recorded.status).toBe('failed')
    expect(recorded.attempts).toHaveLength(1)
    expect(recorded.attempts[0]?.error).toBe('endpoint disabled')
    expect(gone.received).toHaveLength(1)

    // Re-enabled: fresh, and nothing is sent by that alone.
    gone.setResponse(() => 204)
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhook-endpoints/${endpoint.id}`,
      headers: await h.auth('staff'),
      payload: { enabled: true },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null })
    await sleep(1000)
    expect(gone.received).toHaveLength(1)

    // Replay: both failed deliveries go out again as themselves.
    const replay = await h.app.inject({
      method: 'POST',
      url: `/v1/webhook-endpoints/${endpoint.id}/replay`,
      headers: await h.auth('staff'),
      payload: { since: new Date(Date.now() - 3600_000).toISOString() },
    })
    expect(replay.statusCode, replay.body).toBe(202)
    expect(replay.json()).toEqual({ count: 2 })
    await eventually(() => (gone.received.length >= 3 ? true : undefined), 10_000, 'the replayed deliveries')
    const replayed = gone.received.slice(1)
    expect(new Set(replayed.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([failedTest.id, recorded.id]),
    )
    for (const hook of replayed)
      expect(() =>
        new Webhook(endpoint.secret).verify(hook.body, hook.headers as Record<string, string>),
      ).not.toThrow()
    for (const id of [failedTest.id, recorded.id]) {
      const d = await finished(id)
      expect(d.status).toBe('succeeded')
      expect(d.attempts).toHaveLength(2)
    }
  }, 60_000)

  it('warns the contact during a long run of failures, then disables the endpoint', async () => {
    const down = await receiver(503)
    const endpoint = await createEndpoint(down.url, await newCase(), 'down-ops@example.org')
    const test = await sendTest(endpoint.id)
    expect(test.statusCode).toBe(202)

    const warning = await eventually(
      () => smtp.to('down-ops@example.org').find((m) => /failing/.test(m.mail.subject ?? '')),
      DISABLE_AFTER_MS + 10_000,
      'the warning',
    )
    expect(warning.mail.text).toContain(down.url)
    const disabled = await eventually(
      async () => {
        const e = await getEndpoint(endpoint.id)
        return e.enabled ? undefined : e
      },
      DISABLE_AFTER_MS + 10_000,
      'the endpoint disabled',
    )
    expect(disabled.disabledReason).toMatch(/failed for/)
    const notice = await eventually(
      () => smtp.to('down-ops@example.org').find((m) => /disabled/.test(m.mail.subject ?? '')),
      10_000,
      'the disabled notice',
    )
    expect(notice.mail.text).toContain(down.url)
    expect(notice.receivedAt).toBeGreaterThanOrEqual(warning.receivedAt)

    // Disabled after the configured span of failures, counted from the first failed attempt; warned at half.
    const d = await finished(test.json().deliveryId)
    const failedAttempts = d.attempts.filter((a) => a.statusCode === 503)
    const firstFailure = Date.parse(failedAttempts[0]?.at ?? '')
    expect(Date.parse(disabled.disabledAt) - firstFailure).toBeGreaterThanOrEqual(DISABLE_AFTER_MS)
    expect(d.status).toBe('failed')
    expect(d.attempts.at(-1)?.error ?? `HTTP ${d.attempts.at(-1)?.statusCode}`).toMatch(
      /endpoint disabled|HTTP 503/,
    )
    const requests = down.received.length
    await sleep(1500)
    expect(down.received).toHaveLength(requests)
    expect(smtp.to('down-ops@example.org')).toHaveLength(2)
  }, 60_000)

  it('forgets a run of failures once a delivery succeeds', async () => {
    const flaky = await receiver(500)
    let calls = 0
    flaky.setResponse(() => (++calls <= 2 ? 500 : 200))
    const endpoint = await createEndpoint(flaky.url, await newCase(), 'flaky-ops@example.org')
    const d = await finished((await sendTest(endpoint.id)).json().deliveryId)
    expect(d.status).toBe('succeeded')
    const stored = await h.services.endpoints.get(endpoint.id)
    expect(stored?.failingSince ?? null).toBeNull()
    expect(stored?.enabled).toBe(true)
  }, 30_000)

  it('refuses a replay reaching more than 7 days back, and another partner’s endpoint', async () => {
    const ok = await receiver(200)
    const endpoint = await createEndpoint(ok.url, await newCase(), 'ok-ops@example.org')
    const replay = (since: string, headers: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${endpoint.id}/replay`,
        headers,
        payload: { since },
      })
    const tooOld = await replay(new Date(Date.now() - 8 * 86_400_000).toISOString(), await h.auth('staff'))
    expect(tooOld.statusCode).toBe(400)
    expect(String(tooOld.headers['content-type'])).toMatch(/^application\/problem\+json/)
    expect((await replay('yesterday', await h.auth('staff'))).statusCode).toBe(400)
    const partner = await replay(new Date().toISOString(), await h.auth('partner'))
    expect(partner.statusCode).toBe(404)
    const none = await replay(new Date(Date.now() - 86_400_000).toISOString(), await h.auth('staff'))
    expect(none.statusCode).toBe(202)
    expect(none.json()).toEqual({ count: 0 })
  })
})
