import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCalendarFeeds } from '../../src/calendar/feeds.js'
import type { DeadlineLike } from '../../src/calendar/item.js'
import type { Case } from '../../src/cases/case.schema.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'
import { readCalendar } from '../helpers/ical.js'

/** The calendar feeds over HTTP (issue 11): who may read which, what they hold, and how they change. */
let h: Harness
let staff: { authorization: string }

beforeAll(async () => {
  h = await startHarness({ name: 'calendar-feeds' })
  staff = await h.auth('staff')
})
afterAll(async () => h?.close())

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  opts: { headers?: Record<string, string>; payload?: object } = {},
) {
  return h.app.inject({
    method,
    url,
    headers: opts.headers ?? {},
    ...(opts.payload ? { payload: opts.payload } : {}),
  })
}
const newCase = async (fields: object = {}) =>
  (await call('POST', '/v1/cases', { headers: staff, payload: { ...bilash.case, ...fields } })).json() as {
    id: string
    title: string
  }
const newHearing = async (caseId: string, fields: object = {}) => {
  const res = await call('POST', `/v1/cases/${caseId}/hearings`, {
    headers: staff,
    payload: { ...bilash.hearing, ...fields },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as Hearing
}
const subscribe = async (path: string) => {
  const res = await call('POST', `${path}/subscriptions`, {
    headers: staff,
    payload: { email: `lawyer-${Math.random().toString(36).slice(2)}@lawfirm.test` },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; feedUrl: string; status: string }
}
/** The path of a feed URL, for app.inject. */
const pathOf = (feedUrl: string) => new URL(feedUrl).pathname
const expectCalendar = (res: LightMyRequestResponse) => {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
  expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8')
  return readCalendar(res.body)
}
const uid = (id: string) => `${id}@courtbell.test`

describe('a case feed', () => {
  it('lists every hearing of the case at its instant, with UID <id>@<host> and SEQUENCE = version', async () => {
    const kase = await newCase()
    const allDay = await newHearing(kase.id)
    const timed = await newHearing(kase.id, {
      startsAt: '2026-12-21T10:00',
      location: 'Courtroom 5',
      duration: 'PT2H',
    })
    const events = expectCalendar(await call('GET', `/v1/cases/${kase.id}/calendar.ics`, { headers: staff }))
    expect(events.map((e) => e.uid).sort()).toEqual([uid(allDay.id), uid(timed.id)].sort())
    expect(events.find((e) => e.uid === uid(allDay.id))).toMatchObject({
      start: '2026-12-14',
      allDay: true,
      sequence: 1,
    })
    expect(events.find((e) => e.uid === uid(timed.id))).toMatchObject({
      start: Date.parse(timed.startsAtUtc),
      zone: 'Asia/Almaty',
      durationMs: 2 * 3_600_000,
      location: 'Courtroom 5',
      sequence: 1,
      status: 'CONFIRMED',
    })
    expect(events[0]?.description).toContain(`Court: ${bilash.case.court}`)
  })

  it('is public without a key at /c/:caseId/calendar.ics, for a public case only', async () => {
    const open = await newCase()
    const sealed = await newCase({ visibility: 'internal', title: 'Sealed matter' })
    const hearing = await newHearing(open.id)
    await newHearing(sealed.id)
    const events = expectCalendar(await call('GET', `/c/${open.id}/calendar.ics`))
    expect(events.map((e) => e.uid)).toEqual([uid(hearing.id)])
    expect((await call('GET', `/c/${sealed.id}/calendar.ics`)).statusCode).toBe(404)
    expect((await call('GET', '/c/case_unknown/calendar.ics')).statusCode).toBe(404)
    expect((await call('GET', `/c/${open.id}/calendar.ics`)).headers['cache-control']).toBe(
      'public, max-age=300',
    )
  })

  it('answers keys and scopes as API.md says: staff any case, a partner public ones, no key 401', async () => {
    const open = await newCase()
    const sealed = await newCase({ visibility: 'internal', title: 'Sealed matter' })
    const partner = await h.auth('partner')
    const admin = await h.auth('admin')
    expect((await call('GET', `/v1/cases/${open.id}/calendar.ics`)).statusCode).toBe(401)
    expect(
      (await call('GET', `/v1/cases/${open.id}/calendar.ics`, { headers: { authorization: 'Bearer nope' } }))
        .statusCode,
    ).toBe(401)
    expect((await call('GET', `/v1/cases/${open.id}/calendar.ics`, { headers: partner })).statusCode).toBe(
      200,
    )
    expect((await call('GET', `/v1/cases/${sealed.id}/calendar.ics`, { headers: partner })).statusCode).toBe(
      404,
    )
    expect((await call('GET', `/v1/cases/${sealed.id}/calendar.ics`, { headers: staff })).statusCode).toBe(
      200,
    )
    expect((await call('GET', `/v1/cases/${sealed.id}/calendar.ics`, { headers: admin })).statusCode).toBe(
      200,
    )
    const missing = await call('GET', '/v1/cases/case_unknown/calendar.ics', { headers: staff })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-type']).toContain('application/problem+json')
  })

  it('moves a moved hearing in place: same UID, SEQUENCE up, new DTSTART', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const before = expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`))[0]
    const moved = await call('PATCH', `/v1/hearings/${hearing.id}`, {
      headers: staff,
      payload: { startsAt: '2026-12-16T15:30' },
    })
    expect(moved.json().version).toBe(2)
    const after = expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`))[0]
    expect(after?.uid).toBe(before?.uid)
    expect(after?.sequence).toBe((before?.sequence ?? 0) + 1)
    expect(after?.start).toBe(Date.parse('2026-12-16T10:30:00Z'))
  })

  it('keeps a cancelled hearing as STATUS:CANCELLED with a higher SEQUENCE, for 30 days after the cancellation', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const cancelled = await call('POST', `/v1/hearings/${hearing.id}/cancel`, {
      headers: staff,
      payload: { reason: 'Judge ill' },
    })
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', version: 2 })
    const [event] = expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`))
    expect(event).toMatchObject({ uid: uid(hearing.id), status: 'CANCELLED', sequence: 2 })
    // Cancelled 31 days ago: calendars have had a month to remove it, and the feed lets it go.
    const stored = (await h.services.hearings.get(hearing.id)) as Hearing
    const monthAgo = new Date(Date.now() - 31 * 86_400_000).toISOString()
    expect(await h.services.hearings.save({ ...stored, updatedAt: monthAgo }, stored)).toBe(true)
    expect(expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`))).toEqual([])
  })

  it('raises SEQUENCE when a decision is recorded', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id)
    await call('POST', `/v1/hearings/${hearing.id}/outcome`, {
      headers: staff,
      payload: { summary: 'Petition refused' },
    })
    const [event] = expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`))
    expect(event).toMatchObject({ sequence: 2, status: 'CONFIRMED' })
    expect(event?.description).toContain('Decision: Petition refused')
  })

  it('answers If-None-Match with 304 while nothing changed, and with the new feed once something did', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id)
    const url = `/c/${kase.id}/calendar.ics`
    const first = await call('GET', url)
    const etag = first.headers.etag as string
    expect(etag).toMatch(/^"[\w-]+"$/)
    const again = await call('GET', url, { headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    expect(again.headers.etag).toBe(etag)
    expect((await call('GET', url, { headers: { 'if-none-match': `"other", W/${etag}` } })).statusCode).toBe(
      304,
    )
    expect((await call('GET', url, { headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200)
    await call('PATCH', `/v1/hearings/${hearing.id}`, { headers: staff, payload: { title: 'Renamed' } })
    const changed = await call('GET', url, { headers: { 'if-none-match': etag } })
    expect(changed.statusCode).toBe(200)
    expect(changed.headers.etag).not.toBe(etag)
    expect(readCalendar(changed.body)[0]?.summary).toBe('Renamed')
  })
})

describe('a subscription feed', () => {
  it('is on every subscription as feedUrl, and holds what the subscription follows', async () => {
    const kase = await newCase()
    const one = await newHearing(kase.id)
    const other = await newHearing(kase.id, { startsAt: '2026-12-21T10:00' })
    const hearingSub = await subscribe(`/v1/hearings/${one.id}`)
    const caseSub = await subscribe(`/v1/cases/${kase.id}`)
    expect(hearingSub.feedUrl).toMatch(/^http:\/\/courtbell\.test\/calendar\/[\w-]+\.[\w-]+\.ics$/)
    const hearingFeed = expectCalendar(await call('GET', pathOf(hearingSub.feedUrl)))
    expect(hearingFeed.map((e) => e.uid)).toEqual([uid(one.id)])
    const caseFeed = expectCalendar(await call('GET', pathOf(caseSub.feedUrl)))
    expect(caseFeed.map((e) => e.uid).sort()).toEqual([uid(one.id), uid(other.id)].sort())
    const listed = await call('GET', `/v1/subscriptions?caseId=${kase.id}`, { headers: staff })
    expect(listed.json().items[0].feedUrl).toBe(caseSub.feedUrl)
  })

  it('needs no key, and is 404 once the subscription is unsubscribed or deleted', async () => {
    const kase = await newCase({ visibility: 'internal' })
    const hearing = await newHearing(kase.id)
    const kept = await subscribe(`/v1/hearings/${hearing.id}`)
    const deleted = await subscribe(`/v1/hearings/${hearing.id}`)
    const unsubscribed = await subscribe(`/v1/hearings/${hearing.id}`)
    for (const sub of [kept, deleted, unsubscribed])
      expect((await call('GET', pathOf(sub.feedUrl))).statusCode).toBe(200)
    expect((await call('DELETE', `/v1/subscriptions/${deleted.id}`, { headers: staff })).statusCode).toBe(204)
    const token = h.services.tokens.issue(unsubscribed.id, 'unsubscribe')
    expect((await call('POST', `/unsubscribe?token=${token}`)).statusCode).toBe(200)
    expect((await call('GET', pathOf(deleted.feedUrl))).statusCode).toBe(404)
    expect((await call('GET', pathOf(unsubscribed.feedUrl))).statusCode).toBe(404)
    expect((await call('GET', pathOf(kept.feedUrl))).statusCode).toBe(200)
  })

  it('refuses a tampered or borrowed token, and its token cannot unsubscribe', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id)
    const sub = await subscribe(`/v1/hearings/${hearing.id}`)
    const other = await subscribe(`/v1/cases/${kase.id}`)
    const path = pathOf(sub.feedUrl)
    const token = path.slice('/calendar/'.length, -'.ics'.length)
    const [payload, mac] = token.split('.') as [string, string]
    // The other subscription's id under this signature, a changed signature, an unsubscribe token, no suffix.
    const otherPayload = pathOf(other.feedUrl).slice('/calendar/'.length).split('.')[0]
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`
    for (const bad of [
      `/calendar/${otherPayload}.${mac}.ics`,
      `/calendar/${payload}.${flipped}.ics`,
      `/calendar/${h.services.tokens.issue(sub.id, 'unsubscribe')}.ics`,
      `/calendar/${token}`,
      '/calendar/nonsense.ics',
    ]) {
      const res = await call('GET', bad)
      expect(res.statusCode, bad).toBe(404)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
    expect((await call('POST', `/unsubscribe?token=${token}`)).statusCode).toBe(400)
    expect((await call('GET', path)).statusCode).toBe(200)
  })

  it('starts working when a self-service subscription is confirmed', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id)
    const res = await call('POST', `/v1/hearings/${hearing.id}/subscriptions`, {
      payload: { email: 'self@lawfirm.test' },
    })
    expect(res.statusCode).toBe(202)
    const pending = res.json() as { id: string; feedUrl: string }
    expect((await call('GET', pathOf(pending.feedUrl))).statusCode).toBe(404)
    await h.services.subscriptionService.confirm(h.services.tokens.issue(pending.id, 'confirm'))
    expect((await call('GET', pathOf(pending.feedUrl))).statusCode).toBe(200)
  })
})

describe('hearing duration', () => {
  it('defaults to PT1H, is set on create and by PATCH, and must be from PT5M to PT12H', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    expect(hearing.duration).toBe('PT1H')
    const patched = await call('PATCH', `/v1/hearings/${hearing.id}`, {
      headers: staff,
      payload: { duration: 'PT45M' },
    })
    expect(patched.json()).toMatchObject({ duration: 'PT45M', version: 1 })
    expect((await newHearing(kase.id, { duration: 'PT12H' })).duration).toBe('PT12H')
    for (const duration of ['PT4M', 'PT12H1S', 'P1D', 'PT', '1h', 'PT1.5H']) {
      const res = await call('POST', `/v1/cases/${kase.id}/hearings`, {
        headers: staff,
        payload: { ...bilash.hearing, duration },
      })
      expect(res.statusCode, duration).toBe(400)
      expect(res.json().errors?.[0]?.path).toBe('/duration')
    }
    const [event] = expectCalendar(
      await call('GET', `/v1/cases/${kase.id}/calendar.ics`, { headers: staff }),
    ).filter((e) => e.uid === uid(hearing.id))
    expect(event?.durationMs).toBe(45 * 60_000)
  })
})

describe('deadlines in feeds', () => {
  const deadline = (caseId: string, id: string, hearingId: string | null): DeadlineLike => ({
    id,
    caseId,
    title: `Appeal ${id}`,
    notes: null,
    dueOn: '2026-12-29',
    endOfDay: '23:59',
    dueAtUtc: '2026-12-29T18:59:00.000Z',
    timeZone: 'Asia/Almaty',
    status: 'open',
    version: 1,
    trigger: hearingId ? { date: '2026-12-14', hearingId } : null,
    ruleId: hearingId ? 'kz.civil.appeal' : null,
    updatedAt: new Date().toISOString(),
  })

  it("come from the injected source: a case feed has all the case's, a hearing's feed those it triggered", async () => {
    const kase = (await newCase()) as Case
    const hearing = await newHearing(kase.id)
    const other = await newHearing(kase.id, { startsAt: '2026-12-21' })
    const deadlines = [
      deadline(kase.id, 'ddl_given', null),
      deadline(kase.id, 'ddl_triggered', hearing.id),
      deadline(kase.id, 'ddl_other', other.id),
    ]
    const feeds = createCalendarFeeds({
      cases: h.services.cases,
      hearings: h.services.hearings,
      tokens: h.services.tokens,
      publicBaseUrl: h.config.http.publicBaseUrl,
      deadlinesOfCase: async (caseId) => deadlines.filter((d) => d.caseId === caseId),
    })
    const caseFeed = readCalendar(await feeds.ofCase(kase))
    expect(caseFeed.map((e) => e.uid).sort()).toEqual(
      [hearing.id, other.id, 'ddl_given', 'ddl_triggered', 'ddl_other'].map(uid).sort(),
    )
    expect(caseFeed.find((e) => e.uid === uid('ddl_given'))).toMatchObject({
      start: '2026-12-29',
      allDay: true,
      summary: 'Deadline: Appeal ddl_given',
    })
    const sub = await subscribe(`/v1/hearings/${hearing.id}`)
    const stored = await h.services.subscriptions.get(sub.id)
    const hearingFeed = readCalendar(
      (await feeds.ofSubscription(stored as NonNullable<typeof stored>)) as string,
    )
    expect(hearingFeed.map((e) => e.uid).sort()).toEqual([hearing.id, 'ddl_triggered'].map(uid).sort())
    // Without a source (today's wiring), feeds hold hearings only.
    const plain = readCalendar(await h.services.calendar.ofCase(kase))
    expect(plain.map((e) => e.uid).sort()).toEqual([hearing.id, other.id].map(uid).sort())
  })
})

describe('deadlines in the served feeds', () => {
  it('lists a given deadline as a day, and a cancelled one as STATUS:CANCELLED with SEQUENCE up', async () => {
    const kase = await newCase()
    const hearing = await newHearing(kase.id)
    const created = await call('POST', `/v1/cases/${kase.id}/deadlines`, {
      headers: staff,
      payload: { title: 'File the appeal', dueOn: '2026-12-29', notes: 'Art. 403 CPC; bring copies' },
    })
    expect(created.statusCode, created.body).toBe(201)
    const deadline = created.json() as { id: string; version: number }
    const events = expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`))
    expect(events.map((e) => e.uid).sort()).toEqual([uid(hearing.id), uid(deadline.id)].sort())
    expect(events.find((e) => e.uid === uid(deadline.id))).toMatchObject({
      start: '2026-12-29',
      allDay: true,
      summary: 'Deadline: File the appeal',
      sequence: deadline.version,
      status: 'CONFIRMED',
    })
    const cancelled = await call('POST', `/v1/deadlines/${deadline.id}/cancel`, {
      headers: staff,
      payload: {},
    })
    expect(cancelled.statusCode, cancelled.body).toBe(200)
    const after = expectCalendar(await call('GET', `/c/${kase.id}/calendar.ics`)).find(
      (e) => e.uid === uid(deadline.id),
    )
    expect(after).toMatchObject({ status: 'CANCELLED', sequence: cancelled.json().version })
    expect(cancelled.json().version).toBeGreaterThan(deadline.version)
  })
})
