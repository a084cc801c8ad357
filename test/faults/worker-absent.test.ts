import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type CourtbellProcess, logged, startCourtbell } from '../helpers/process.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'
import { almatyWallTime, killAll, processEnv, sleep } from './support.js'

/** What the tests count: reminders and notices, not the one welcome a person subscribed by staff gets. */
const noticesTo = (email: string) =>
  smtp.to(email).filter((m) => !m.mail.subject?.startsWith('You are subscribed'))

/**
 * What happens when no worker runs at a reminder's moment, and the one window in which a message can go
 * out twice: a crash between the remote side accepting it and our record of that.
 */
let h: Harness
let smtp: SmtpSink
let receiver: Receiver
const processes: CourtbellProcess[] = []

beforeAll(async () => {
  smtp = await startSmtpSink()
  receiver = await startReceiver()
  h = await startHarness({ name: 'fault-absent', env: { SMTP_URL: smtp.url } })
})
afterAll(async () => {
  await killAll(processes)
  await h.close()
  await smtp.close()
  await receiver.close()
})

const staff = () => h.auth('staff')
const worker = async (extra: Record<string, string> = {}) => {
  const p = await startCourtbell(
    processEnv(h.config.redis.prefix, { ROLE: 'worker', SMTP_URL: smtp.url, JOB_LOCK_MS: '2000', ...extra }),
  )
  processes.push(p)
  return p
}

async function caseWithFollowers(remindBefore: string[]) {
  const kase = (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers: await staff(), payload: bilash.case })
  ).json()
  await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: await staff(),
    payload: {
      url: receiver.url,
      caseIds: [kase.id],
      remindBefore,
      eventTypes: ['hearing.reminder', 'hearing.cancelled'],
    },
  })
  return kase.id as string
}

async function hearing(caseId: string, startsInMs: number, email: string, remindBefore: string[]) {
  const created = (
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/hearings`,
      headers: await staff(),
      payload: { title: email, startsAt: almatyWallTime(Date.now() + startsInMs) },
    })
  ).json()
  await h.app.inject({
    method: 'POST',
    url: `/v1/hearings/${created.id}/subscriptions`,
    headers: await staff(),
    payload: { email, remindBefore },
  })
  return created as { id: string; startsAtUtc: string }
}

const deliveriesOf = async (hearingId: string) =>
  (
    await h.app.inject({
      method: 'GET',
      url: `/v1/deliveries?hearingId=${hearingId}`,
      headers: await staff(),
    })
  ).json().items as {
    eventType: string
    status: string
    channel: string
  }[]

describe('no worker at the moment', () => {
  it('records a reminder as missed once the hearing has begun, and sends one still useful late', async () => {
    const caseId = await caseWithFollowers(['PT2S', 'PT14S'])
    const begun = await hearing(caseId, 4000, 'begun@example.org', ['PT2S'])
    const later = await hearing(caseId, 17_000, 'later@example.org', ['PT14S'])
    // Both reminders come due with no worker running; the first hearing begins too.
    await sleep(Date.parse(begun.startsAtUtc) - Date.now() + 1000)
    const beforeWorker = (
      await h.app.inject({ method: 'GET', url: '/v1/stats', headers: await staff() })
    ).json()
    const p = await worker()

    const lateHook = await eventually(
      () => receiver.ofType('hearing.reminder').find((r) => r.json.data.hearing.id === later.id),
      10_000,
      'late reminder',
    )
    const lateBy = lateHook.receivedAt - (Date.parse(later.startsAtUtc) - 14_000)
    const missed = await eventually(
      async () => {
        const items = (await deliveriesOf(begun.id)).filter((d) => d.eventType === 'hearing.reminder')
        return items.length === 2 && items.every((d) => d.status === 'missed') ? items : undefined
      },
      10_000,
      'missed deliveries',
    )
    const listing = (
      await h.app.inject({ method: 'GET', url: '/v1/deliveries?status=missed', headers: await staff() })
    ).json().items
    const stats = (await h.app.inject({ method: 'GET', url: '/v1/stats', headers: await staff() })).json()
    const missedLog = logged(p, 'reminder missed: its moment has come')
    console.log(
      `fault worker-absent: missed=${missed.length} listedMissed=${listing.length} statsMissed=${stats.deliveries.byStatus.missed} missedLogLines=${missedLog.length} overdueLagBeforeWorkerMs=${beforeWorker.reminders.oldestDueLagMs} sentLate=1 lateByMs=${lateBy} beforeHearingMs=${Date.parse(later.startsAtUtc) - lateHook.receivedAt}`,
    )

    expect(
      receiver.ofType('hearing.reminder').filter((r) => r.json.data.hearing.id === begun.id),
    ).toHaveLength(0)
    expect(noticesTo('begun@example.org')).toHaveLength(0)
    expect(listing).toHaveLength(2)
    expect(stats.deliveries.byStatus.missed).toBe(2)
    expect(missedLog).toHaveLength(1)
    expect(lateBy).toBeGreaterThan(1000) // it really was due while no worker ran
    expect(lateHook.receivedAt).toBeLessThan(Date.parse(later.startsAtUtc))
    await eventually(
      () => (noticesTo('later@example.org').length === 1 ? true : undefined),
      5000,
      'late reminder email',
    )
    p.kill('SIGTERM')
    await p.exited
  }, 45_000)
})

describe('the duplicate window', () => {
  it('does not send an accepted email again when its job is replayed', async () => {
    const caseId = await caseWithFollowers(['P1D'])
    const h1 = await hearing(caseId, 86_400_000 * 3, 'replayed@example.org', ['P1D'])
    const p = await worker()
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${h1.id}/cancel`,
      headers: await staff(),
      payload: {},
    })
    const email = await eventually(
      async () => (await deliveriesOf(h1.id)).find((d) => d.channel === 'email' && d.status === 'succeeded'),
      10_000,
      'sent notice',
    )
    const id = (email as unknown as { id: string }).id
    await h.services.queues.email.add('email', { deliveryId: id }, { jobId: `${id}_replay` })
    await sleep(1500)
    console.log(`fault replay: emailsAfterReplay=${noticesTo('replayed@example.org').length}`)
    expect(noticesTo('replayed@example.org')).toHaveLength(1)
    p.kill('SIGTERM')
    await p.exited
  }, 30_000)

  it('measures it: a crash after SMTP accepted and before the record sends that one email twice', async () => {
    const caseId = await caseWithFollowers(['P1D'])
    const h1 = await hearing(caseId, 86_400_000 * 3, 'crash-email@example.org', ['P1D'])
    const crashing = await worker({ CRASH_AT: 'after-email-sent' })
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${h1.id}/cancel`,
      headers: await staff(),
      payload: {},
    })
    const exit = await crashing.exited
    expect(exit.signal).toBe('SIGKILL')
    const p = await worker()
    await eventually(
      async () => (await deliveriesOf(h1.id)).find((d) => d.channel === 'email' && d.status === 'succeeded'),
      15_000,
      'email recorded',
    )
    const emails = noticesTo('crash-email@example.org').length
    const hooks = receiver.ofType('hearing.cancelled').filter((r) => r.json.data.hearing.id === h1.id).length
    console.log(
      `fault duplicate-window/email: crashes=1 emailsReceived=${emails} duplicated=${emails - 1} webhooksReceived=${hooks}`,
    )
    expect(emails).toBeGreaterThanOrEqual(1)
    expect(emails - 1).toBeLessThanOrEqual(1)
    p.kill('SIGTERM')
    await p.exited
  }, 45_000)

  it('measures it for webhooks: the same webhook-id arrives twice at most', async () => {
    const caseId = await caseWithFollowers(['P1D'])
    const h1 = await hearing(caseId, 86_400_000 * 3, 'crash-hook@example.org', ['P1D'])
    const crashing = await worker({ CRASH_AT: 'after-webhook-sent' })
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${h1.id}/cancel`,
      headers: await staff(),
      payload: {},
    })
    expect((await crashing.exited).signal).toBe('SIGKILL')
    const p = await worker()
    await eventually(
      async () =>
        (await deliveriesOf(h1.id)).find((d) => d.channel === 'webhook' && d.status === 'succeeded'),
      15_000,
      'webhook recorded',
    )
    const arrivals = receiver.ofType('hearing.cancelled').filter((r) => r.json.data.hearing.id === h1.id)
    const ids = new Set(arrivals.map((a) => a.headers['webhook-id']))
    console.log(
      `fault duplicate-window/webhook: crashes=1 received=${arrivals.length} distinctWebhookIds=${ids.size} duplicated=${arrivals.length - ids.size}`,
    )
    expect(ids.size).toBe(1)
    expect(arrivals.length).toBeLessThanOrEqual(2)
    p.kill('SIGTERM')
    await p.exited
  }, 45_000)
})
