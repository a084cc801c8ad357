import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/**
 * Fault 4 of issue 3: misbehaving receivers. Webhook receiver down, slow, 500, 429 + Retry-After, 410 Gone;
 * SMTP 4xx then 2xx, always 4xx, and 5xx. With RETRY_SCHEDULE '100ms,100ms' a delivery has 3 attempts.
 */
const TIMEOUT_MS = 300
let h: Harness
let smtp: SmtpSink
let server: http.Server
let base: string
let deadUrl: string
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Hit = { path: string; webhookId: string; type: string; at: number }
const hits: Hit[] = []
/** Per path: how to answer the n-th request (0-based). */
const behaviours: Record<string, (n: number, res: http.ServerResponse) => void> = {
  '/ok': (_n, res) => res.writeHead(200).end(),
  '/slow': (_n, res) => {
    const t = setTimeout(() => res.writeHead(200).end(), TIMEOUT_MS * 4)
    res.on('close', () => clearTimeout(t))
  },
  '/error500': (_n, res) => res.writeHead(500).end('oops'),
  '/busy429': (n, res) =>
    n < 2 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end(),
  '/gone410': (_n, res) => res.writeHead(410).end(),
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string
      let type = 'unparseable'
      try {
        type = JSON.parse(Buffer.concat(chunks).toString('utf8')).type
      } catch {}
      const n = hits.filter((x) => x.path === path).length
      hits.push({ path, webhookId: String(req.headers['webhook-id']), type, at: Date.now() })
      ;(behaviours[path] ?? behaviours['/ok'])?.(n, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // A port nothing listens on: bind one, note it, close it.
  const probe = http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/down`
  await new Promise<void>((resolve) => probe.close(() => resolve()))

  smtp = await startSmtpSink()
  h = await startHarness({
    name: 'fault-receivers',
    workers: true,
    env: {
      SMTP_URL: smtp.url,
      RETRY_SCHEDULE: '100ms,100ms',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
  })
}, 30_000)

afterAll(async () => {
  await h?.close().catch(() => undefined)
  await smtp?.close()
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
}, 30_000)

type Delivery = {
  id: string
  status: string
  target: string
  channel: string
  eventType: string
  attempts: { at: string; statusCode?: number; error?: string; durationMs: number }[]
}
const staff = () => h.auth('staff')
const getDelivery = async (id: string): Promise<Delivery> =>
  (await h.app.inject({ method: 'GET', url: `/v1/deliveries/${id}`, headers: await staff() })).json()
const settled = (id: string, timeoutMs = 15_000) =>
  eventually(
    async () => {
      const d = await getDelivery(id)
      return d.status === 'succeeded' || d.status === 'failed' ? d : undefined
    },
    timeoutMs,
    `delivery ${id} to settle`,
  )

/** An endpoint that follows only a case with no hearings, so it gets nothing but its test events. */
let quietCaseId: string | undefined
async function endpoint(url: string, caseIds?: string[]) {
  quietCaseId ??= (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers: await staff(), payload: bilash.case })
  ).json().id as string
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: await staff(),
    payload: { url, caseIds: caseIds ?? [quietCaseId] },
  })
  expect(res.statusCode).toBe(201)
  return res.json() as { id: string; enabled: boolean }
}
async function sendTest(endpointId: string) {
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/webhook-endpoints/${endpointId}/test`,
    headers: await staff(),
  })
  return res
}
const hitsOf = (path: string) => hits.filter((x) => x.path === path)
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number))
const summary = (d: Delivery) =>
  `${d.status}/${d.attempts.length}[${d.attempts.map((a) => a.statusCode ?? a.error).join('|')}]`

describe('fault: webhook receivers', () => {
  it('down, slow, 500, 429 with Retry-After: each ends in the right state with the right attempts', async () => {
    const [down, slow, err500, busy] = await Promise.all([
      endpoint(deadUrl),
      endpoint(`${base}/slow`),
      endpoint(`${base}/error500`),
      endpoint(`${base}/busy429`),
    ])
    const started = Date.now()
    const ids: Record<string, string> = {}
    for (const [name, e] of Object.entries({ down, slow, err500, busy })) {
      const res = await sendTest(e.id)
      expect(res.statusCode).toBe(202)
      ids[name] = res.json().deliveryId
    }
    const [dDown, dSlow, d500, dBusy] = await Promise.all(
      ['down', 'slow', 'err500', 'busy'].map((n) => settled(ids[n] as string)),
    )
    const elapsed = Date.now() - started
    const busyGaps = gaps(hitsOf('/busy429').map((x) => x.at))
    const slowDurations = dSlow?.attempts.map((a) => a.durationMs) ?? []
    // Nothing more arrives once a delivery is settled.
    await sleep(500)
    console.log(
      `fault receivers/webhook: down=${summary(dDown as Delivery)} slow=${summary(dSlow as Delivery)} ` +
        `slowAttemptMs=${slowDurations.join(',')} error500=${summary(d500 as Delivery)} ` +
        `busy429=${summary(dBusy as Delivery)} busy429GapsMs=${busyGaps.join(',')} ` +
        `requests(slow,500,429)=${hitsOf('/slow').length},${hitsOf('/error500').length},${hitsOf('/busy429').length} ` +
        `elapsedMs=${elapsed}`,
    )

    expect(dDown?.status).toBe('failed')
    expect(dDown?.attempts).toHaveLength(3)
    for (const a of dDown?.attempts ?? []) expect(a.error).toMatch(/refused/)

    expect(dSlow?.status).toBe('failed')
    expect(dSlow?.attempts).toHaveLength(3)
    for (const a of dSlow?.attempts ?? []) {
      expect(a.error).toMatch(/timeout/)
      expect(a.statusCode).toBeUndefined()
      expect(a.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
      expect(a.durationMs).toBeLessThan(TIMEOUT_MS * 4)
    }
    expect(hitsOf('/slow')).toHaveLength(3)

    expect(d500?.status).toBe('failed')
    expect(d500?.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500])
    expect(hitsOf('/error500')).toHaveLength(3)

    // 429, 429, then 200: each retry waits the 1 s the receiver asked for, not the 100 ms of the schedule.
    expect(dBusy?.status).toBe('succeeded')
    expect(dBusy?.attempts.map((a) => a.statusCode)).toEqual([429, 429, 200])
    expect(hitsOf('/busy429')).toHaveLength(3)
    for (const gap of busyGaps) expect(gap).toBeGreaterThanOrEqual(1000)

    // One webhook-id per delivery across its retries.
    for (const [name, path] of [
      ['slow', '/slow'],
      ['err500', '/error500'],
      ['busy', '/busy429'],
    ] as const)
      expect(new Set(hitsOf(path).map((x) => x.webhookId))).toEqual(new Set([ids[name]]))
  }, 30_000)

  it('410 Gone disables the endpoint: nothing more is sent to it, what it would have had is recorded as failed', async () => {
    const kase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers: await staff(), payload: bilash.case })
    ).json()
    const gone = await endpoint(`${base}/gone410`, [kase.id])
    const first = await sendTest(gone.id)
    expect(first.statusCode).toBe(202)
    const d = await settled(first.json().deliveryId)
    const view = (
      await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${gone.id}`, headers: await staff() })
    ).json()

    // Further events: a test event, and a hearing (scheduled, then cancelled) in the case it follows.
    const second = await sendTest(gone.id)
    const secondDelivery = second.statusCode === 202 ? await settled(second.json().deliveryId) : undefined
    const hearing = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${kase.id}/hearings`,
        headers: await staff(),
        payload: bilash.hearing,
      })
    ).json()
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/cancel`,
      headers: await staff(),
      payload: {},
    })
    await sleep(1500)
    const hearingDeliveries = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/deliveries?endpointId=${gone.id}&limit=200`,
        headers: await staff(),
      })
    ).json().items as Delivery[]
    console.log(
      `fault receivers/410: delivery=${summary(d)} enabled=${view.enabled} reason="${view.disabledReason}" ` +
        `secondTest=${second.statusCode}${secondDelivery ? `:${summary(secondDelivery)}` : ''} ` +
        `requestsTo410=${hitsOf('/gone410').length} hearingEventDeliveries=${hearingDeliveries.filter((x) => x.eventType !== 'webhook.test').length}`,
    )
    expect(d.status).toBe('failed')
    expect(d.attempts.map((a) => a.statusCode)).toEqual([410])
    expect(view.enabled).toBe(false)
    expect(second.statusCode).toBe(409)
    if (secondDelivery) expect(secondDelivery.status).toBe('failed')
    expect(hitsOf('/gone410')).toHaveLength(1)
    // What it would have had is on record (API.md 1.1), failed without an attempt on the wire.
    const wouldHaveHad = hearingDeliveries.filter((x) => x.eventType !== 'webhook.test')
    expect(wouldHaveHad.map((x) => x.eventType).sort()).toEqual(['hearing.cancelled', 'hearing.scheduled'])
    for (const x of wouldHaveHad) {
      expect(x.status).toBe('failed')
      expect(x.attempts.map((a) => a.error)).toEqual(['endpoint disabled'])
    }
  }, 30_000)
})

describe('fault: SMTP server', () => {
  it('4xx then 2xx succeeds, 4xx throughout fails after 3 attempts, 5xx fails at once', async () => {
    const kase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers: await staff(), payload: bilash.case })
    ).json()
    const hearing = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${kase.id}/hearings`,
        headers: await staff(),
        payload: bilash.hearing,
      })
    ).json()
    const emails = [
      'greylisted@example.org',
      'always-busy@example.org',
      'nobody@example.org',
      'fine@example.org',
    ]
    for (const email of emails) {
      const sub = await h.app.inject({
        method: 'POST',
        url: `/v1/hearings/${hearing.id}/subscriptions`,
        headers: await staff(),
        payload: { email },
      })
      expect(sub.statusCode).toBe(201)
    }
    // Subscribed by staff, each first gets a welcome; the server turns difficult after that.
    for (const email of emails) await eventually(() => smtp.to(email)[0], 10_000, `the welcome to ${email}`)
    const refused: Record<string, number> = {}
    let greylist = 1
    smtp.setReply((to) => {
      const code =
        to === 'greylisted@example.org' && greylist-- > 0
          ? 451
          : to === 'always-busy@example.org'
            ? 452
            : to === 'nobody@example.org'
              ? 550
              : undefined
      if (code) refused[to] = (refused[to] ?? 0) + 1
      return code
    })
    const cancel = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/cancel`,
      headers: await staff(),
      payload: { reason: 'Judge ill' },
    })
    expect(cancel.statusCode).toBe(200)
    const list = await eventually(
      async () => {
        const items: Delivery[] = (
          await h.app.inject({
            method: 'GET',
            url: `/v1/deliveries?hearingId=${hearing.id}&channel=email`,
            headers: await staff(),
          })
        )
          .json()
          .items.filter((d: Delivery) => d.eventType === 'hearing.cancelled')
        return items.length === emails.length &&
          items.every((d) => d.status === 'succeeded' || d.status === 'failed')
          ? items
          : undefined
      },
      15_000,
      'every email to settle',
    )
    await sleep(500)
    const by = (email: string) => list.find((d) => d.target === email) as Delivery
    console.log(
      `fault receivers/smtp: greylisted(451,then ok)=${summary(by('greylisted@example.org'))} ` +
        `always452=${summary(by('always-busy@example.org'))} nobody550=${summary(by('nobody@example.org'))} ` +
        `fine=${summary(by('fine@example.org'))} refusals=${JSON.stringify(refused)} ` +
        `accepted=${emails.map((e) => smtp.to(e).length).join(',')}`,
    )
    expect(by('greylisted@example.org').status).toBe('succeeded')
    expect(by('greylisted@example.org').attempts).toHaveLength(2)
    expect(smtp.to('greylisted@example.org')).toHaveLength(2)
    expect(by('always-busy@example.org').status).toBe('failed')
    expect(by('always-busy@example.org').attempts).toHaveLength(3)
    expect(refused['always-busy@example.org']).toBe(3)
    expect(by('nobody@example.org').status).toBe('failed')
    expect(by('nobody@example.org').attempts).toHaveLength(1)
    expect(refused['nobody@example.org']).toBe(1)
    expect(smtp.to('nobody@example.org')).toHaveLength(1)
    expect(by('fine@example.org').status).toBe('succeeded')
    expect(by('fine@example.org').attempts).toHaveLength(1)
    expect(smtp.to('fine@example.org')).toHaveLength(2)
    smtp.setReply(() => undefined)
  }, 30_000)
})
