import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestIds } from '../../src/digests/ids.js'
import { latestDigest } from '../../src/digests/period.js'
import { bilash, deleteKeys, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { rawHeader, type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/**
 * Digests end to end, with a real SMTP server: DIGEST_HOUR is set two minutes back in the readers' zone, so
 * today's digest is due (late by two minutes) the moment a pass plans it.
 */
const ZONE = 'Asia/Almaty'
const almatyNow = () => DateTime.now().setZone(ZONE)
const digestHour = almatyNow().minus({ minutes: 2 }).toFormat('HH:mm')
const wall = (dt: DateTime) => dt.startOf('minute').toFormat("yyyy-MM-dd'T'HH:mm")
const isDigest = (subject: string | undefined) => subject?.startsWith('Your courtbell daily digest') ?? false

let h: Harness
let smtp: SmtpSink
let staff: { authorization: string }
let followedCase: string
let quietCase: string

beforeAll(async () => {
  smtp = await startSmtpSink()
  h = await startHarness({
    name: 'e2e-digests',
    workers: true,
    env: { SMTP_URL: smtp.url, DIGEST_HOUR: digestHour, RATE_LIMIT_PER_MINUTE: '100000' },
  })
  staff = await h.auth('staff')
  const newCase = async (title: string) =>
    (
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: staff,
        payload: { ...bilash.case, title },
      })
    ).json().id as string
  followedCase = await newCase(bilash.case.title)
  quietCase = await newCase('A case with nothing this week')
  const hearing = async (caseId: string, title: string, startsAt: string) => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/hearings`,
      headers: staff,
      payload: { title, startsAt, location: 'Room 4' },
    })
    expect(res.statusCode).toBe(201)
    return res.json().id as string
  }
  const now = almatyNow()
  await hearing(followedCase, 'Preliminary hearing in two days', wall(now.plus({ days: 2 })))
  await hearing(followedCase, 'Ruling in ten days', wall(now.plus({ days: 10 })))
  await hearing(followedCase, 'Ruling, time to be announced', now.plus({ days: 4 }).toISODate() as string)
  const moved = await hearing(followedCase, 'Hearing that moved', wall(now.plus({ days: 1 })))
  const cancelled = await hearing(followedCase, 'Hearing that was cancelled', wall(now.plus({ days: 3 })))
  await hearing(quietCase, 'Too far for a daily digest', wall(now.plus({ days: 9 })))
  const patch = await h.app.inject({
    method: 'PATCH',
    url: `/v1/hearings/${moved}`,
    headers: staff,
    payload: { startsAt: wall(now.plus({ days: 1, hours: 3 })) },
  })
  expect(patch.statusCode).toBe(200)
  const cancel = await h.app.inject({
    method: 'POST',
    url: `/v1/hearings/${cancelled}/cancel`,
    headers: staff,
    payload: { reason: 'judge ill' },
  })
  expect(cancel.statusCode).toBe(200)
}, 30_000)

afterAll(async () => {
  await h?.close()
  await smtp?.close()
})

async function subscribe(caseId: string, email: string, digest: string, remindBefore: string[] = []) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/subscriptions`,
    headers: staff,
    payload: { email, timeZone: ZONE, remindBefore, digest },
  })
}

const today = () => latestDigest('daily', ZONE, digestHour, Date.now())
/** Digests received by an address, however its case was written. */
const digestsTo = (address: string) =>
  smtp.received.filter(
    (r) => JSON.stringify(r.mail.to).toLowerCase().includes(address) && isDigest(r.mail.subject),
  )

async function settled() {
  await eventually(
    async () => {
      const q = h.services.queues.digests
      const counts = await q.getJobCounts('active', 'waiting', 'prioritized')
      return Object.values(counts).every((n) => n === 0) ? true : undefined
    },
    10_000,
    'the digests queue to drain',
  )
  await eventually(
    async () =>
      (await h.services.queues.email.getJobCounts('active', 'waiting')).waiting === 0 ? true : undefined,
    10_000,
    'the email queue to drain',
  )
}

describe('subscribing to a digest', () => {
  it('allows remindBefore: [] with a digest, and refuses it without one', async () => {
    const ok = await subscribe(quietCase, 'notices-only@example.org', 'weekly')
    expect(ok.statusCode).toBe(201)
    expect(ok.json()).toMatchObject({ digest: 'weekly', remindBefore: [] })
    const refused = await subscribe(quietCase, 'nothing@example.org', 'none')
    expect(refused.statusCode).toBe(400)
    expect(refused.headers['content-type']).toContain('application/problem+json')
    expect(refused.json().errors[0].path).toBe('/remindBefore')
    const plain = await subscribe(quietCase, 'plain@example.org', 'none', ['P1D'])
    expect(plain.json().digest).toBe('none')
  })
})

describe('a daily digest', () => {
  it('arrives with the window’s hearings, marked, and nothing outside the window', async () => {
    expect((await subscribe(followedCase, 'Lawyer@Example.org', 'daily')).statusCode).toBe(201)
    expect((await subscribe(quietCase, 'lawyer@example.org', 'daily')).statusCode).toBe(201)
    await h.workers?.planDigestsNow()
    const [received] = await eventually(
      () => (digestsTo('lawyer@example.org').length > 0 ? digestsTo('lawyer@example.org') : undefined),
      15_000,
      'the digest',
    )
    const text = received?.mail.text ?? ''
    expect(text).toContain('Hearing: Preliminary hearing in two days')
    expect(text).toContain('Hearing — MOVED: Hearing that moved')
    expect(text).toContain('Hearing — CANCELLED: Hearing that was cancelled')
    expect(text).toContain('(time not yet announced)')
    expect(text).not.toContain('Ruling in ten days')
    expect(text).not.toContain('Too far for a daily digest')
    expect(text).not.toContain('A case with nothing this week')
    expect(received?.mail.subject).toContain(': 4 items')
    expect(rawHeader(received!, 'List-Unsubscribe')).toMatch(
      /^<http:\/\/courtbell\.test\/digests\/stop\?token=/,
    )
    expect(rawHeader(received!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')

    const deliveries = await h.app.inject({ url: '/v1/deliveries?channel=email&limit=200', headers: staff })
    const digests = deliveries
      .json()
      .items.filter(
        (d: { eventType: string; target: string }) =>
          d.eventType === 'digest' && d.target.toLowerCase() === 'lawyer@example.org',
      )
    expect(digests).toHaveLength(1)
    expect(digests[0]).toMatchObject({
      id: digestIds('lawyer@example.org', 'daily', today().period).deliveryId,
      channel: 'email',
      status: 'succeeded',
      hearingId: null,
    })
  })

  it('is not sent when there is nothing to list, and not sent twice by another pass', async () => {
    expect((await subscribe(quietCase, 'quiet@example.org', 'daily')).statusCode).toBe(201)
    await h.workers?.planDigestsNow()
    await settled()
    await h.workers?.planDigestsNow()
    await settled()
    expect(digestsTo('quiet@example.org')).toHaveLength(0)
    expect(digestsTo('lawyer@example.org')).toHaveLength(1)
  })

  it('is made once when several workers compose the same digest at the same moment', async () => {
    expect((await subscribe(followedCase, 'racer@example.org', 'daily')).statusCode).toBe(201)
    await h.services.queues.digests.pause()
    try {
      await h.workers?.planDigestsNow() // records the plan; the queued job waits
      const { period, moment } = today()
      const job = { address: 'racer@example.org', frequency: 'daily' as const, period, moment }
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => h.services.digests.sender.send(job)))
      expect(outcomes).toContain('queued')
    } finally {
      await h.services.queues.digests.resume()
    }
    await eventually(
      () => (digestsTo('racer@example.org').length > 0 ? true : undefined),
      15_000,
      'the digest',
    )
    await settled()
    expect(digestsTo('racer@example.org')).toHaveLength(1)
  })

  it('still goes out after its queue was lost, once the pass has run', async () => {
    expect((await subscribe(followedCase, 'after-loss@example.org', 'daily')).statusCode).toBe(201)
    const { jobId } = digestIds('after-loss@example.org', 'daily', today().period)
    await h.services.queues.digests.pause()
    await h.workers?.planDigestsNow()
    expect(await h.services.queues.digests.getJob(jobId)).toBeDefined()
    // The queue's keys are gone (paused state included): the job with them.
    await deleteKeys(h.redis, `${h.config.redis.prefix}:q:digests`)
    expect(await h.services.queues.digests.getJob(jobId)).toBeUndefined()
    await h.workers?.planDigestsNow()
    await eventually(
      () => (digestsTo('after-loss@example.org').length > 0 ? true : undefined),
      15_000,
      'the digest after the loss',
    )
    await settled()
    expect(digestsTo('after-loss@example.org')).toHaveLength(1)
  })

  it('stops, by the link in its footer, for every subscription of the address', async () => {
    const [received] = digestsTo('lawyer@example.org')
    const link = rawHeader(received!, 'List-Unsubscribe')?.slice(1, -1) as string
    const path = link.replace('http://courtbell.test', '')
    const ask = await h.app.inject({ url: path })
    expect(ask.statusCode).toBe(200)
    expect(ask.body).toContain('<form method="post"')
    const subsBefore = await h.app.inject({
      url: '/v1/subscriptions?email=lawyer@example.org',
      headers: staff,
    })
    expect(subsBefore.json().items.map((s: { digest: string }) => s.digest)).toEqual(['daily', 'daily'])
    const stop = await h.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(stop.statusCode).toBe(200)
    const subsAfter = await h.app.inject({
      url: '/v1/subscriptions?email=lawyer@example.org',
      headers: staff,
    })
    expect(
      subsAfter.json().items.map((s: { digest: string; status: string }) => [s.digest, s.status]),
    ).toEqual([
      ['none', 'active'],
      ['none', 'active'],
    ])
    const forged = await h.app.inject({ method: 'POST', url: '/digests/stop?token=forged.token.value' })
    expect(forged.statusCode).toBe(400)
  })
})
