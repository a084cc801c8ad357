import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUE_NAMES } from '../../src/platform/queues.js'
import { almatyWallTime } from '../faults/support.js'
import { caseWithReminderEndpoint, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'

/**
 * /metrics as Prometheus reads it, parsed by an independent parser of the text format: who may scrape, which
 * families are there, and what changes when a reminder fires and its webhook is accepted.
 */
const METRICS_TOKEN = 'prometheus-scrape-token-0123456789'

let h: Harness
let receiver: Receiver
beforeAll(async () => {
  receiver = await startReceiver()
  h = await startHarness({ name: 'metrics', workers: true, env: { METRICS_TOKEN } })
}, 30_000)
afterAll(async () => {
  await h?.close()
  await receiver?.close()
})

const scrapeAs = (authorization?: string) =>
  h.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })

/** Families by name; one that comes back in pieces (see scrape) is put together. */
function byName(families: PrometheusFamily[]): Map<string, PrometheusFamily> {
  const all = new Map<string, PrometheusFamily>()
  for (const f of families) {
    const seen = all.get(f.name)
    all.set(f.name, seen ? { ...seen, metrics: [...seen.metrics, ...f.metrics] } : f)
  }
  return all
}

/** The families as declared (names, types, help). */
async function scrapeFamilies(): Promise<Map<string, PrometheusFamily>> {
  const res = await scrapeAs(`Bearer ${METRICS_TOKEN}`)
  expect(res.statusCode).toBe(200)
  return byName(parsePrometheusTextFormat(res.body))
}

/**
 * Every series with its labels. The parser folds a histogram into one sample and keeps the labels of none but
 * `le`; read without the histogram TYPE lines, each of _bucket, _sum and _count is a series of its own
 * (in pieces: the text format gives each label set's buckets, sum and count together).
 */
async function scrape(): Promise<Map<string, PrometheusFamily>> {
  const res = await scrapeAs(`Bearer ${METRICS_TOKEN}`)
  expect(res.statusCode).toBe(200)
  return byName(parsePrometheusTextFormat(res.body.replace(/^# TYPE \S+ histogram$/gm, '')))
}

const matches = (labels: Record<string, string> | undefined, want: Record<string, string>) =>
  Object.entries(want).every(([k, v]) => labels?.[k] === v)

/** A counter's or gauge's value for these labels (0 when the series is absent). */
function sampleValue(
  families: Map<string, PrometheusFamily>,
  name: string,
  labels: Record<string, string> = {},
) {
  const sample = families.get(name)?.metrics.find((m) => matches(m.labels, labels))
  return Number(sample?.value ?? 0)
}

/** A histogram's observation count for these labels (0 when the series is absent). */
function countOf(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}) {
  return (families.get(`${name}_count`)?.metrics ?? [])
    .filter((m) => matches(m.labels, labels))
    .reduce((n, m) => n + Number(m.value ?? 0), 0)
}

/** A hearing in the followed case whose PT2S reminder comes due in about 3 s; resolves once it was received. */
async function fireOneReminder() {
  const caseId = await caseWithReminderEndpoint(h, receiver.url, ['PT2S'], ['hearing.reminder'])
  const startsAt = Math.ceil((Date.now() + 5000) / 1000) * 1000
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/hearings`,
    headers: await h.auth('staff'),
    payload: { title: 'metrics hearing', startsAt: almatyWallTime(startsAt) },
  })
  expect(res.statusCode).toBe(201)
  const hearingId = res.json().id as string
  await eventually(
    () => receiver.ofType('hearing.reminder').find((r) => r.json.data.hearing.id === hearingId),
    15_000,
    'the reminder webhook',
  )
  // The receiver has it; the delivery record (and its count) is written right after the 2xx.
  await eventually(
    async () => {
      const list = await h.app.inject({
        method: 'GET',
        url: `/v1/deliveries?hearingId=${hearingId}`,
        headers: await h.auth('staff'),
      })
      return list.json().items.some((d: { status: string }) => d.status === 'succeeded') ? true : undefined
    },
    5000,
    'the delivery recorded as succeeded',
  )
}

describe('/metrics', () => {
  it('answers the METRICS_TOKEN and admin keys; 401 without a key or with an unknown one; 403 for others', async () => {
    const token = await scrapeAs(`Bearer ${METRICS_TOKEN}`)
    expect(token.statusCode).toBe(200)
    expect(String(token.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/)
    expect((await scrapeAs((await h.auth('admin')).authorization)).statusCode).toBe(200)
    for (const scope of ['staff', 'partner'] as const) {
      const res = await scrapeAs((await h.auth(scope)).authorization)
      expect(res.statusCode, scope).toBe(403)
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
    }
    for (const authorization of [undefined, 'Bearer not-the-token-nor-a-key', `Basic ${METRICS_TOKEN}`]) {
      const res = await scrapeAs(authorization)
      expect(res.statusCode, String(authorization)).toBe(401)
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
    }
  })

  it('exports every family API.md names, and Node process metrics', async () => {
    const families = await scrapeFamilies()
    const expected: [string, PrometheusFamily['type']][] = [
      ['courtbell_deliveries_total', 'COUNTER'],
      ['courtbell_reminder_lag_seconds', 'HISTOGRAM'],
      ['courtbell_delivery_seconds', 'HISTOGRAM'],
      ['courtbell_queue_jobs', 'GAUGE'],
      ['courtbell_oldest_overdue_seconds', 'GAUGE'],
      ['courtbell_reconciler_pass_seconds', 'HISTOGRAM'],
      ['courtbell_http_request_seconds', 'HISTOGRAM'],
      ['process_cpu_seconds_total', 'COUNTER'],
      ['process_resident_memory_bytes', 'GAUGE'],
      ['nodejs_eventloop_lag_seconds', 'GAUGE'],
    ]
    for (const [name, type] of expected) expect(families.get(name)?.type, name).toBe(type)
    for (const queue of QUEUE_NAMES)
      for (const state of ['waiting', 'active', 'delayed', 'failed'])
        expect(
          families.get('courtbell_queue_jobs')?.metrics.some((m) => matches(m.labels, { queue, state })),
          `${queue} ${state}`,
        ).toBe(true)
    expect(sampleValue(await scrape(), 'courtbell_oldest_overdue_seconds')).toBeGreaterThanOrEqual(0)
    // The reconciler ran its first pass when the workers started.
    await eventually(
      async () => (countOf(await scrape(), 'courtbell_reconciler_pass_seconds') >= 1 ? true : undefined),
      10_000,
      'a timed reconciler pass',
    )
  })

  it('labels HTTP requests with the route pattern, never the raw URL', async () => {
    const caseId = await caseWithReminderEndpoint(h, receiver.url, ['PT1H'])
    const found = await h.app.inject({
      method: 'GET',
      url: `/v1/cases/${caseId}`,
      headers: await h.auth('staff'),
    })
    expect(found.statusCode).toBe(200)
    await h.app.inject({ method: 'GET', url: '/v1/cases/case_doesnotexist', headers: await h.auth('staff') })
    await h.app.inject({ method: 'GET', url: `/no/such/${caseId}` })
    const families = await scrape()
    const samples = families.get('courtbell_http_request_seconds_bucket')?.metrics ?? []
    expect(
      countOf(families, 'courtbell_http_request_seconds', {
        route: '/v1/cases/:id',
        method: 'GET',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1)
    expect(
      countOf(families, 'courtbell_http_request_seconds', {
        route: '/v1/cases/:id',
        method: 'GET',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1)
    expect(
      countOf(families, 'courtbell_http_request_seconds', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1)
    const labelValues = samples.flatMap((m) => Object.values(m.labels ?? {}))
    expect(labelValues.filter((v) => /case_|whe_|hrg_|dlv_/.test(v))).toEqual([])
  })

  it('counts the delivery and its time when a reminder fires and its webhook is accepted', async () => {
    const before = await scrape()
    await fireOneReminder()
    const after = await scrape()
    const webhook = (status: string) => ({ channel: 'webhook', status })
    for (const status of ['pending', 'succeeded'])
      expect(
        sampleValue(after, 'courtbell_deliveries_total', webhook(status)) -
          sampleValue(before, 'courtbell_deliveries_total', webhook(status)),
        status,
      ).toBeGreaterThanOrEqual(1)
    expect(
      countOf(after, 'courtbell_delivery_seconds', { channel: 'webhook' }) -
        countOf(before, 'courtbell_delivery_seconds', { channel: 'webhook' }),
    ).toBeGreaterThanOrEqual(1)
  }, 30_000)

  // Counted in src/reminders/fire.ts through observeReminderLag (src/metrics/metrics.ts).
  it('observes the reminder lag when a reminder fires', async () => {
    const before = countOf(await scrape(), 'courtbell_reminder_lag_seconds')
    await fireOneReminder()
    expect(countOf(await scrape(), 'courtbell_reminder_lag_seconds')).toBeGreaterThan(before)
  }, 30_000)
})
