import { DateTime } from 'luxon'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { rawHeader, type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/** End to end: real workers, a real SMTP server and a real HTTP receiver, reminders seconds ahead. */
let h: Harness
let smtp: SmtpSink
let receiver: Receiver
let secret: string
let caseId: string

beforeAll(async () => {
  smtp = await startSmtpSink()
  receiver = await startReceiver()
  h = await startHarness({ name: 'e2e-reminders', workers: true, env: { SMTP_URL: smtp.url } })
  const headers = await h.auth('staff')
  caseId = (await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })).json().id
  const endpoint = await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers,
    payload: { url: receiver.url, caseIds: [caseId], remindBefore: ['PT3S'] },
  })
  secret = endpoint.json().secret
})
afterAll(async () => {
  await h.close()
  await smtp.close()
  await receiver.close()
})

/** A wall time in Almaty `seconds` from now, to the second, as staff would type it. */
const almatyIn = (seconds: number) =>
  DateTime.now().setZone('Asia/Almaty').plus({ seconds }).startOf('second').toFormat("yyyy-MM-dd'T'HH:mm:ss")

async function hearingWithLawyer(email: string, startsInSeconds: number) {
  const headers = await h.auth('staff')
  const hearing = (
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/hearings`,
      headers,
      payload: { title: `${email} hearing`, startsAt: almatyIn(startsInSeconds) },
    })
  ).json()
  const sub = await h.app.inject({
    method: 'POST',
    url: `/v1/hearings/${hearing.id}/subscriptions`,
    headers,
    payload: { email, name: 'Shynkuat Baizhanov', timeZone: 'Europe/Berlin', remindBefore: ['PT3S'] },
  })
  expect(sub.statusCode).toBe(201)
  return hearing as { id: string; startsAtUtc: string; version: number }
}

const remindersFor = (hearingId: string) =>
  receiver.ofType('hearing.reminder').filter((r) => r.json.data.hearing.id === hearingId)
const isReminder = (subject: string | undefined) => subject?.startsWith('Reminder') ?? false

/**
 * How many seconds before the hearing each reminder job waiting in the queue will fire: what is planned,
 * read from the queue itself (the moment BullMQ will run each job), not from the service's own bookkeeping.
 */
async function secondsBeforeStart(hearing: { id: string; startsAtUtc: string }) {
  const jobs = await h.services.queues.reminders.getJobs(['delayed', 'waiting'])
  return jobs
    .filter((j) => JSON.stringify(j.data).includes(hearing.id))
    .map((j) => Math.round((Date.parse(hearing.startsAtUtc) - (j.timestamp + j.delay)) / 1000))
    .sort((a, b) => a - b)
}
const verify = (body: string, headers: Record<string, unknown>) =>
  new Webhook(secret).verify(body, headers as Record<string, string>)

describe('reminders, end to end', () => {
  it('delivers the reminder email and the signed webhook within a second of the moment', async () => {
    const hearing = await hearingWithLawyer('on-time@example.org', 6)
    const dueAt = Date.parse(hearing.startsAtUtc) - 3000

    const [hook] = await eventually(
      () => (remindersFor(hearing.id).length ? remindersFor(hearing.id) : undefined),
      12_000,
      'reminder webhook',
    )
    const [mail] = await eventually(
      () => {
        const reminders = smtp.to('on-time@example.org').filter((m) => m.mail.subject?.startsWith('Reminder'))
        return reminders.length ? reminders : undefined
      },
      12_000,
      'reminder email',
    )
    for (const arrival of [hook?.receivedAt, mail?.receivedAt]) {
      expect(arrival).toBeGreaterThanOrEqual(dueAt)
      expect(arrival).toBeLessThan(dueAt + 1000)
    }

    expect(() => verify(hook?.body ?? '', hook?.headers ?? {})).not.toThrow()
    expect(hook?.json.data.reminder).toEqual({ remindBefore: 'PT3S', dueAt: new Date(dueAt).toISOString() })
    expect(hook?.json.data.case.id).toBe(caseId)

    const m = mail?.mail
    expect(m?.subject).toContain('Reminder')
    expect(m?.text).toContain('Asia/Almaty')
    expect(m?.text).toContain('Europe/Berlin')
    expect(m?.html).toContain('<')
    expect(m?.messageId).toMatch(/^<dlv_[a-f0-9]+@courtbell\.test>$/)
    expect(rawHeader(mail as never, 'List-Unsubscribe')).toMatch(
      /^<http:\/\/courtbell\.test\/unsubscribe\?token=.+>$/,
    )
    expect(rawHeader(mail as never, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')

    const deliveries = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/deliveries?hearingId=${hearing.id}`,
        headers: await h.auth('staff'),
      })
    ).json().items as { eventType: string; status: string; attempts: unknown[] }[]
    const reminderDeliveries = deliveries.filter((d) => d.eventType === 'hearing.reminder')
    expect(reminderDeliveries).toHaveLength(2)
    await eventually(async () => {
      const items = (
        await h.app.inject({
          method: 'GET',
          url: `/v1/deliveries?hearingId=${hearing.id}`,
          headers: await h.auth('staff'),
        })
      ).json().items
      return items.every((d: { status: string }) => d.status === 'succeeded') ? true : undefined
    })
  })

  it('moves the reminder when the hearing moves, and the old moment stays silent', async () => {
    const hearing = await hearingWithLawyer('moved@example.org', 6)
    const oldDue = Date.parse(hearing.startsAtUtc) - 3000
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${hearing.id}`,
      headers: await h.auth('staff'),
      payload: { startsAt: almatyIn(10) },
    })
    expect(patched.json().version).toBe(2)
    const newDue = Date.parse(patched.json().startsAtUtc) - 3000

    const [hook] = await eventually(
      () => (remindersFor(hearing.id).length ? remindersFor(hearing.id) : undefined),
      15_000,
      'moved reminder',
    )
    expect(hook?.receivedAt).toBeGreaterThanOrEqual(newDue)
    expect(hook?.receivedAt).toBeLessThan(newDue + 1000)
    expect(hook?.json.data.hearing.version).toBe(2)
    // Nothing arrived at the old moment, and nothing more arrives after the new one.
    await new Promise((r) => setTimeout(r, 1500))
    expect(remindersFor(hearing.id)).toHaveLength(1)
    expect(oldDue).toBeLessThan(newDue)

    const rescheduled = receiver
      .ofType('hearing.rescheduled')
      .find((r) => r.json.data.hearing.id === hearing.id)
    expect(rescheduled?.json.data.previous.startsAtUtc).toBe(hearing.startsAtUtc)
    const mails = smtp.to('moved@example.org').map((m) => m.mail.subject ?? '')
    expect(mails.filter((s) => s.startsWith('Reminder'))).toHaveLength(1)
    expect(mails.some((s) => /moved/i.test(s))).toBe(true)
  })

  it('plans a reminder only one lawyer wants, and drops it when they change it or unsubscribe', async () => {
    // The case's endpoint wants PT3S; PT6S is wanted by one lawyer per hearing only.
    const changing = await hearingWithLawyer('changes-mind@example.org', 10)
    const leaving = await hearingWithLawyer('leaves@example.org', 10)
    const headers = await h.auth('staff')
    const subscribe = (hearingId: string, email: string, remindBefore: string[]) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/hearings/${hearingId}/subscriptions`,
        headers,
        payload: { email, remindBefore },
      })
    expect((await subscribe(changing.id, 'changes-mind@example.org', ['PT6S'])).statusCode).toBe(200)
    const leaver = (await subscribe(leaving.id, 'leaves@example.org', ['PT6S'])).json()
    expect(await secondsBeforeStart(changing)).toEqual([3, 6])
    expect(await secondsBeforeStart(leaving)).toEqual([3, 6])

    expect((await subscribe(changing.id, 'changes-mind@example.org', ['PT5S'])).statusCode).toBe(200)
    expect(await secondsBeforeStart(changing)).toEqual([3, 5])

    const token = h.services.tokens.issue(leaver.id, 'unsubscribe')
    const unsubscribed = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(token)}`,
    })
    expect(unsubscribed.statusCode).toBe(200)
    expect(await secondsBeforeStart(leaving)).toEqual([3])
    // Moving the hearing plans what is wanted now, and nothing for the one who left.
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${leaving.id}`,
      headers,
      payload: { startsAt: almatyIn(11) },
    })
    expect(moved.statusCode).toBe(200)
    const movedHearing = moved.json()
    expect(await secondsBeforeStart(movedHearing)).toEqual([3])

    const [mail] = await eventually(
      () => {
        const reminders = smtp.to('changes-mind@example.org').filter((m) => isReminder(m.mail.subject))
        return reminders.length ? reminders : undefined
      },
      15_000,
      'reminder at the changed offset',
    )
    const newDue = Date.parse(changing.startsAtUtc) - 5000
    expect(mail?.receivedAt).toBeGreaterThanOrEqual(newDue)
    expect(mail?.receivedAt).toBeLessThan(newDue + 1000)
    await eventually(
      () => (remindersFor(movedHearing.id).length ? true : undefined),
      15_000,
      'webhook reminder of the moved hearing',
    )
    await new Promise((r) => setTimeout(r, 1000))
    expect(smtp.to('changes-mind@example.org').filter((m) => isReminder(m.mail.subject))).toHaveLength(1)
    expect(smtp.to('leaves@example.org').filter((m) => isReminder(m.mail.subject))).toHaveLength(0)
  })

  it('silences the reminder when the hearing is cancelled, and tells the lawyer', async () => {
    const hearing = await hearingWithLawyer('cancelled@example.org', 5)
    const cancel = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/cancel`,
      headers: await h.auth('staff'),
      payload: { reason: 'Judge ill' },
    })
    expect(cancel.json().status).toBe('cancelled')
    await eventually(
      () => smtp.to('cancelled@example.org').find((m) => /cancelled/i.test(m.mail.subject ?? '')),
      5000,
      'cancellation email',
    )
    await new Promise((r) => setTimeout(r, Date.parse(hearing.startsAtUtc) - 3000 - Date.now() + 1500))
    expect(remindersFor(hearing.id)).toHaveLength(0)
    expect(
      smtp.to('cancelled@example.org').filter((m) => m.mail.subject?.startsWith('Reminder')),
    ).toHaveLength(0)
    expect(receiver.ofType('hearing.cancelled').some((r) => r.json.data.hearing.id === hearing.id)).toBe(true)
  })

  it('announces the ruling to the NGO and the lawyer the moment staff record it', async () => {
    const hearing = await hearingWithLawyer('ruling@example.org', 3600)
    const recorded = Date.now()
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/outcome`,
      headers: await h.auth('staff'),
      payload: { summary: 'Petition refused' },
    })
    const hook = await eventually(
      () => receiver.ofType('hearing.decided').find((r) => r.json.data.hearing.id === hearing.id),
      5000,
      'decided webhook',
    )
    expect(hook.json.data.hearing.outcome.summary).toBe('Petition refused')
    expect(hook.receivedAt - recorded).toBeLessThan(2000)
    expect(() => verify(hook.body, hook.headers)).not.toThrow()
    const mail = await eventually(
      () => smtp.to('ruling@example.org').find((m) => /decision/i.test(m.mail.subject ?? '')),
      5000,
      'decision email',
    )
    expect(mail.mail.text).toContain('Petition refused')
  })
})
