import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { readCalendar } from '../helpers/ical.js'
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/** Reminder and notice emails carry the hearing as event.ics, and link the subscriber's feed (issue 11). */
let h: Harness
let smtp: SmtpSink
let staff: { authorization: string }

beforeAll(async () => {
  smtp = await startSmtpSink()
  h = await startHarness({ name: 'calendar-emails', workers: true, env: { SMTP_URL: smtp.url } })
  staff = await h.auth('staff')
})
afterAll(async () => {
  await h?.close()
  await smtp?.close()
})

async function post(url: string, payload: object) {
  const res = await h.app.inject({ method: 'POST', url, headers: staff, payload })
  expect(res.statusCode, res.body).toBeLessThan(300)
  return res.json()
}

const mailTo = (email: string, subject: RegExp) =>
  eventually(
    () => smtp.to(email).find((m) => subject.test(m.mail.subject ?? '')),
    15_000,
    `an email to ${email} matching ${subject}`,
  )

function attachmentOf(mail: ReceivedMail) {
  const ics = mail.mail.attachments.filter((a) => a.filename === 'event.ics')
  expect(ics).toHaveLength(1)
  const attachment = ics[0] as (typeof ics)[number]
  const type = attachment.headers.get('content-type') as { value: string; params: Record<string, string> }
  return { type, text: attachment.content.toString('utf8') }
}

async function feedEvent(feedUrl: string) {
  const res = await h.app.inject({ method: 'GET', url: new URL(feedUrl).pathname })
  expect(res.statusCode).toBe(200)
  return readCalendar(res.body)[0]
}

describe('emails to a subscriber', () => {
  it('attach event.ics (METHOD:PUBLISH) to a reminder, with the UID and SEQUENCE of the feed, and link the feed', async () => {
    const kase = await post('/v1/cases', bilash.case)
    // A hearing a few seconds from now (whole seconds, as a wall time in Almaty), reminded 6 s before.
    const at = DateTime.fromMillis(Math.ceil((Date.now() + 12_000) / 1000) * 1000, { zone: 'Asia/Almaty' })
    const hearing: Hearing = await post(`/v1/cases/${kase.id}/hearings`, {
      title: 'Appeal hearing, part 2; room 5',
      startsAt: at.toFormat("yyyy-MM-dd'T'HH:mm:ss"),
      duration: 'PT30M',
    })
    const sub = await post(`/v1/hearings/${hearing.id}/subscriptions`, {
      email: 'reminded@lawfirm.test',
      remindBefore: ['PT6S'],
    })
    const mail = await mailTo('reminded@lawfirm.test', /^Reminder/)
    const { type, text } = attachmentOf(mail)
    expect(type.value).toBe('text/calendar')
    expect(type.params).toMatchObject({ charset: 'utf-8', method: 'PUBLISH' })
    expect(text).toContain('\r\nMETHOD:PUBLISH\r\n')
    const [event] = readCalendar(text)
    expect(event).toMatchObject({
      uid: `${hearing.id}@courtbell.test`,
      sequence: 1,
      start: Date.parse(hearing.startsAtUtc),
      durationMs: 30 * 60_000,
      summary: hearing.title,
      status: 'CONFIRMED',
    })
    const inFeed = await feedEvent(sub.feedUrl)
    expect({ uid: event?.uid, sequence: event?.sequence }).toEqual({
      uid: inFeed?.uid,
      sequence: inFeed?.sequence,
    })
    expect(mail.mail.text).toContain(sub.feedUrl)
    expect(mail.mail.html).toContain(sub.feedUrl)
  })

  it('attach the moved hearing to the notice (same UID, SEQUENCE up) and the cancelled one as STATUS:CANCELLED', async () => {
    const kase = await post('/v1/cases', bilash.case)
    const hearing: Hearing = await post(`/v1/cases/${kase.id}/hearings`, {
      ...bilash.hearing,
      startsAt: '2026-12-14T10:00',
    })
    const sub = await post(`/v1/hearings/${hearing.id}/subscriptions`, { email: 'noticed@lawfirm.test' })
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${hearing.id}`,
      headers: staff,
      payload: { startsAt: '2026-12-15T11:00' },
    })
    expect(moved.statusCode).toBe(200)
    const movedMail = await mailTo('noticed@lawfirm.test', /^Hearing moved/)
    const [movedEvent] = readCalendar(attachmentOf(movedMail).text)
    expect(movedEvent).toMatchObject({
      uid: `${hearing.id}@courtbell.test`,
      sequence: 2,
      start: Date.parse('2026-12-15T06:00:00Z'),
      status: 'CONFIRMED',
    })
    expect(movedMail.mail.text).toContain(sub.feedUrl)

    await post(`/v1/hearings/${hearing.id}/cancel`, { reason: 'Judge ill' })
    const cancelMail = await mailTo('noticed@lawfirm.test', /^Hearing cancelled/)
    const [cancelledEvent] = readCalendar(attachmentOf(cancelMail).text)
    expect(cancelledEvent).toMatchObject({
      uid: `${hearing.id}@courtbell.test`,
      sequence: 3,
      status: 'CANCELLED',
    })
    expect(await feedEvent(sub.feedUrl)).toEqual(cancelledEvent)
  })

  it('attach a deadline as a day to its notice, and link the feed', async () => {
    const kase = await post('/v1/cases', bilash.case)
    const sub = await post(`/v1/cases/${kase.id}/subscriptions`, { email: 'deadlines@lawfirm.test' })
    const deadline = await post(`/v1/cases/${kase.id}/deadlines`, {
      title: 'File the appeal',
      dueOn: '2026-12-29',
    })
    const mail = await mailTo('deadlines@lawfirm.test', /deadline/i)
    const { type, text } = attachmentOf(mail)
    expect(type.params).toMatchObject({ method: 'PUBLISH' })
    const [event] = readCalendar(text)
    expect(event).toMatchObject({
      uid: `${deadline.id}@courtbell.test`,
      sequence: deadline.version,
      start: '2026-12-29',
      allDay: true,
      summary: 'Deadline: File the appeal',
    })
    expect(await feedEvent(sub.feedUrl)).toEqual(event)
    expect(mail.mail.text).toContain(sub.feedUrl)
  })

  it('attach nothing to a confirmation request', async () => {
    const kase = await post('/v1/cases', bilash.case)
    const hearing: Hearing = await post(`/v1/cases/${kase.id}/hearings`, bilash.hearing)
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/subscriptions`,
      payload: { email: 'asking@lawfirm.test' },
    })
    expect(res.statusCode).toBe(202)
    const mail = await mailTo('asking@lawfirm.test', /^Confirm/)
    expect(mail.mail.attachments).toHaveLength(0)
  })
})
