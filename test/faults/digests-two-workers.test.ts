import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestIds } from '../../src/digests/ids.js'
import { latestDigest } from '../../src/digests/period.js'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type CourtbellProcess, logged, startCourtbell } from '../helpers/process.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'
import { listAll, processEnv, sleep, stopAll } from './support.js'

/**
 * Two worker processes on one Redis prefix both run the digest pass every second and both work the digests
 * queue: every address still gets exactly one digest for the period, and one delivery records it.
 */
const ZONE = 'Asia/Almaty'
const ADDRESSES = 12
const digestHour = DateTime.now().setZone(ZONE).minus({ minutes: 2 }).toFormat('HH:mm')
const addressOf = (i: number) => `reader-${i}@example.org`

let h: Harness
let smtp: SmtpSink
const processes: CourtbellProcess[] = []

beforeAll(async () => {
  smtp = await startSmtpSink()
  h = await startHarness({ name: 'faults-digests', env: { RATE_LIMIT_PER_MINUTE: '10000000' } })
  const headers = await h.auth('staff')
  const kase = (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
  ).json()
  const startsAt = DateTime.now().setZone(ZONE).plus({ days: 2 }).toFormat("yyyy-MM-dd'T'HH:mm")
  const hearing = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${kase.id}/hearings`,
    headers,
    payload: { title: 'Hearing this week', startsAt },
  })
  expect(hearing.statusCode).toBe(201)
  for (let i = 0; i < ADDRESSES; i++) {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kase.id}/subscriptions`,
      headers,
      payload: { email: addressOf(i), timeZone: ZONE, remindBefore: [], digest: 'daily' },
    })
    expect(res.statusCode).toBe(201)
  }
  const env = {
    ROLE: 'worker',
    SMTP_URL: smtp.url,
    DIGEST_HOUR: digestHour,
    RECONCILE_INTERVAL_MS: '1000',
  }
  const started = await Promise.allSettled(
    [1, 2].map(() => startCourtbell(processEnv(h.config.redis.prefix, env), 40_000)),
  )
  for (const s of started) if (s.status === 'fulfilled') processes.push(s.value)
  for (const s of started) if (s.status === 'rejected') throw s.reason
}, 60_000)

afterAll(async () => {
  await stopAll(processes)
  await h?.close()
  await smtp?.close()
}, 30_000)

describe('digests with two worker processes', () => {
  it('sends each address exactly one digest for the period', async () => {
    // Staff-subscribed readers also get a welcome email: only digests count here.
    const digests = () =>
      smtp.received.filter((r) => /^Your courtbell daily digest/.test(r.mail.subject ?? ''))
    await eventually(() => (digests().length >= ADDRESSES ? true : undefined), 30_000, `${ADDRESSES} digests`)
    // Both processes keep planning every second: give them several more passes to double anything.
    await sleep(5000)
    const perAddress = new Map<string, number>()
    for (const r of digests()) {
      const to = JSON.stringify(r.mail.to)
      const address = Array.from({ length: ADDRESSES }, (_, i) => addressOf(i)).find((a) => to.includes(a))
      expect(address).toBeDefined()
      perAddress.set(address as string, (perAddress.get(address as string) ?? 0) + 1)
    }
    expect(perAddress.size).toBe(ADDRESSES)
    expect([...perAddress.values()].every((n) => n === 1)).toBe(true)

    const headers = await h.auth('staff')
    const deliveries = await listAll<{ id: string; eventType: string; status: string }>(
      (url) => h.app.inject({ url, headers }),
      '/v1/deliveries?channel=email',
    )
    const recorded = deliveries.filter((d) => d.eventType === 'digest')
    expect(recorded).toHaveLength(ADDRESSES)
    const period = latestDigest('daily', ZONE, digestHour, Date.now()).period
    expect(new Set(recorded.map((d) => d.id))).toEqual(
      new Set(
        Array.from({ length: ADDRESSES }, (_, i) => digestIds(addressOf(i), 'daily', period).deliveryId),
      ),
    )
    expect(recorded.every((d) => d.status === 'succeeded')).toBe(true)
    // Both processes ran the whole time as planners and consumers; the pass lock lets one plan at a time, so
    // which of them logged a pass is a race: at least one did, and both are still alive.
    expect(processes.flatMap((p) => logged(p, 'digest pass')).length).toBeGreaterThan(0)
    for (const p of processes) expect(p.proc.exitCode).toBeNull()
  })
})
