import { DateTime } from 'luxon'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/** End to end: deadlines through real workers, a real SMTP server and a real webhook receiver. */
let h: Harness
let smtp: SmtpSink
let receiver: Receiver
let secret: string
let caseId: string

beforeAll(async () => {
  smtp = await startSmtpSink()
  receiver = await startReceiver()
  h = await startHarness({ name: 'e2e-deadlines', workers: true, env: { SMTP_URL: smtp.url } })
  const headers = await h.auth('staff')
  caseId = (
    await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers,
      payload: { ...bilash.case, deadlineRules: ['kz.crpc-416-appeal'] },
    })
  ).json().id
  const endpoint = await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers,
    payload: { url: receiver.url, caseIds: [caseId], remindBefore: ['PT3S', 'P1D'] },
  })
  secret = endpoint.json().secret
  const sub = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/subscriptions`,
    headers,
    payload: {
      email: 'lawyer@example.org',
      name: 'Shynkuat Baizhanov',
      timeZone: 'Europe/Berlin',
      remindBefore: ['PT3S'],
    },
  })
  expect(sub.statusCode).toBe(201)
})
afterAll(async () => {
  await h.close()
  await smtp.close()
  await receiver.close()
})

const staff = () => h.auth('staff')
const hooksFor = (type: string, deadlineId: string) =>
  receiver.ofType(type).filter((r) => r.json.data.deadline?.id === deadlineId)
/** When each reminder job waiting for this deadline will fire, as BullMQ holds it (BullMQ takes its own timestamp: to the second). */
async function jobMoments(deadlineId: string) {
  const jobs = await h.services.queues.reminders.getJobs(['delayed', 'waiting'])
  return jobs
    .filter((j) => JSON.stringify(j.data).includes(deadlineId))
    .map((j) => new Date(Math.round((j.timestamp + j.delay) / 1000) * 1000).toISOString())
    .sort()
}

describe('deadlines, end to end', () => {
  it("a given deadline's reminder arrives by email and signed webhook within a second of its moment", async () => {
    const at = DateTime.now().setZone('Asia/Almaty').plus({ seconds: 6 }).startOf('second')
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/deadlines`,
      headers: await staff(),
      payload: { title: 'File the appeal', dueOn: at.toISODate(), endOfDay: at.toFormat('HH:mm:ss') },
    })
    expect(res.statusCode).toBe(201)
    const deadline = res.json()
    const dueAt = Date.parse(deadline.dueAtUtc) - 3000
    const [hook] = await eventually(
      () =>
        hooksFor('deadline.reminder', deadline.id).length
          ? hooksFor('deadline.reminder', deadline.id)
          : undefined,
      12_000,
      'deadline reminder webhook',
    )
    const mails = () =>
      smtp.to('lawyer@example.org').filter((m) => m.mail.subject?.startsWith('Reminder: File the appeal'))
    const [mail] = await eventually(
      () => (mails().length ? mails() : undefined),
      12_000,
      'deadline reminder email',
    )
    for (const arrival of [hook?.receivedAt, mail?.receivedAt]) {
      expect(arrival).toBeGreaterThanOrEqual(dueAt)
      expect(arrival).toBeLessThan(dueAt + 1000)
    }
    expect(() =>
      new Webhook(secret).verify(hook?.body ?? '', hook?.headers as Record<string, string>),
    ).not.toThrow()
    expect(Object.keys(hook?.json.data ?? {}).sort()).toEqual(['case', 'deadline', 'reminder'])
    expect(hook?.json.data.reminder).toEqual({ remindBefore: 'PT3S', dueAt: new Date(dueAt).toISOString() })
    expect(mail?.mail.text).toContain('Asia/Almaty')
    expect(mail?.mail.text).toContain('Europe/Berlin')
    // The creation was announced too, to both.
    expect(hooksFor('deadline.created', deadline.id)).toHaveLength(1)
  })

  it('an override of its last day moves a computed deadline and its reminders, and announces it', async () => {
    const trigger = DateTime.now().setZone('Asia/Almaty').plus({ days: 30 }).toISODate() as string
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/deadlines`,
      headers: await staff(),
      payload: { ruleId: 'kz.cpc-429-private-complaint', trigger: { date: trigger } },
    })
    const deadline = res.json()
    await eventually(
      async () => ((await jobMoments(deadline.id)).length === 2 ? true : undefined),
      5000,
      'planned',
    )
    const before = await jobMoments(deadline.id)
    const put = await h.app.inject({
      method: 'PUT',
      url: `/v1/court-calendars/KZ/days/${deadline.dueOn}`,
      headers: await staff(),
      payload: { open: false, reason: 'Court closed: heating failure' },
    })
    expect(put.statusCode).toBe(200)
    const moved = (
      await h.app.inject({ method: 'GET', url: `/v1/deadlines/${deadline.id}`, headers: await staff() })
    ).json()
    expect(moved.dueOn > deadline.dueOn).toBe(true)
    expect(moved.version).toBe(2)
    expect(moved.computation.skipped).toContainEqual({
      date: deadline.dueOn,
      reason: 'Court closed: heating failure',
    })
    const after = await eventually(
      async () => {
        const m = await jobMoments(deadline.id)
        return m.length === 2 && m.join() !== before.join() ? m : undefined
      },
      5000,
      'reminders moved',
    )
    expect(after).toEqual(
      [
        DateTime.fromISO(moved.dueAtUtc).setZone('Asia/Almaty').minus({ days: 1 }).toUTC().toISO(),
        new Date(Date.parse(moved.dueAtUtc) - 3000).toISOString(),
      ].sort(),
    )
    const [hook] = await eventually(
      () =>
        hooksFor('deadline.rescheduled', deadline.id).length
          ? hooksFor('deadline.rescheduled', deadline.id)
          : undefined,
      10_000,
      'deadline.rescheduled webhook',
    )
    expect(hook?.json.data.previous).toEqual({ dueOn: deadline.dueOn, dueAtUtc: deadline.dueAtUtc })
    // Idempotent: the same override again moves nothing and announces nothing.
    await h.app.inject({
      method: 'PUT',
      url: `/v1/court-calendars/KZ/days/${deadline.dueOn}`,
      headers: await staff(),
      payload: { open: false, reason: 'Court closed: heating failure' },
    })
    expect(await h.services.recomputation.dayChanged({ jurisdiction: 'KZ', date: deadline.dueOn })).toEqual({
      recomputed: 1,
      moved: 0,
    })
    expect(
      (
        await h.app.inject({ method: 'GET', url: `/v1/deadlines/${deadline.id}`, headers: await staff() })
      ).json().version,
    ).toBe(2)
  })

  it('a decided hearing creates the automatic deadline and its deadline.created webhook', async () => {
    const headers = await staff()
    const hearing = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${caseId}/hearings`,
        headers,
        payload: bilash.hearing,
      })
    ).json()
    const decided = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/outcome`,
      headers,
      payload: { summary: 'Declared wanted; measure of restraint chosen', decidedAt: '2026-12-14T06:00:00Z' },
    })
    expect(decided.statusCode).toBe(200)
    const created = await eventually(
      () => {
        const found = receiver
          .ofType('deadline.created')
          .filter((r) => r.json.data.deadline.trigger?.hearingId === hearing.id)
        return found.length ? found : undefined
      },
      10_000,
      'deadline.created webhook',
    )
    expect(created).toHaveLength(1)
    expect(created[0]?.json.data.deadline).toMatchObject({
      ruleId: 'kz.crpc-416-appeal',
      dueOn: '2026-12-29',
      trigger: { date: '2026-12-14', hearingId: hearing.id },
      computation: { from: '2026-12-14', period: 'P15D', lastDayCounted: '2026-12-29' },
    })
    const list = (
      await h.app.inject({ method: 'GET', url: `/v1/deadlines?caseId=${caseId}&limit=200`, headers })
    ).json()
    expect(
      list.items.filter(
        (d: { trigger: { hearingId: string } | null }) => d.trigger?.hearingId === hearing.id,
      ),
    ).toHaveLength(1)
  })
})
