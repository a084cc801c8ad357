import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
let publicCaseId: string
let hearingId: string
let internalCaseId: string
let internalHearingId: string

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
const DEFAULT_REMIND_BEFORE = ['P7D', 'P1D', 'PT2H']

type Sub = {
  id: string
  hearingId: string | null
  caseId: string | null
  email: string
  name: string | null
  timeZone: string | null
  remindBefore: string[]
  status: 'pending' | 'active' | 'unsubscribed'
  createdAt: string
  updatedAt: string
}

beforeAll(async () => {
  h = await startHarness({ name: 'subscriptions' })
  const headers = await h.auth('staff')
  const post = async (url: string, payload: object) => {
    const res = await h.app.inject({ method: 'POST', url, headers, payload })
    expect(res.statusCode).toBe(201)
    return res.json().id as string
  }
  publicCaseId = await post('/v1/cases', bilash.case)
  hearingId = await post(`/v1/cases/${publicCaseId}/hearings`, bilash.hearing)
  internalCaseId = await post('/v1/cases', { ...bilash.case, visibility: 'internal' })
  internalHearingId = await post(`/v1/cases/${internalCaseId}/hearings`, bilash.hearing)
})
afterAll(async () => h.close())

/** Every subscription the staff list shows for a query string (all pages). */
async function listSubs(query: string): Promise<Sub[]> {
  const res = await h.app.inject({
    method: 'GET',
    url: `/v1/subscriptions?limit=200&${query}`,
    headers: await h.auth('staff'),
  })
  expect(res.statusCode).toBe(200)
  return res.json().items
}

async function allSubs(): Promise<Sub[]> {
  return listSubs('')
}

async function findSub(id: string): Promise<Sub | undefined> {
  return (await allSubs()).find((s) => s.id === id)
}

async function subscribe(
  target: { hearingId: string } | { caseId: string },
  payload: object,
  headers: Record<string, string> = {},
) {
  const url =
    'hearingId' in target
      ? `/v1/hearings/${target.hearingId}/subscriptions`
      : `/v1/cases/${target.caseId}/subscriptions`
  return h.app.inject({ method: 'POST', url, headers, payload })
}

function expectProblem(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
}

/** The same token with its payload replaced, signature kept: what a forger would try. */
function retarget(token: string, subscriptionId: string): string {
  const [payload, signature] = token.split('.') as [string, string]
  const [purpose, , expires] = Buffer.from(payload, 'base64url').toString('utf8').split('.')
  const forged = Buffer.from(`${purpose}.${subscriptionId}.${expires}`).toString('base64url')
  return `${forged}.${signature}`
}

describe('subscribing with a staff key', () => {
  it('subscribes a lawyer to a hearing: 201, active, with the default reminders', async () => {
    const res = await subscribe(
      { hearingId },
      { email: 'aiman@lawfirm.kz', name: 'Aiman Umarova' },
      await h.auth('staff'),
    )
    expect(res.statusCode).toBe(201)
    const sub: Sub = res.json()
    expect(sub).toMatchObject({
      hearingId,
      caseId: null,
      email: 'aiman@lawfirm.kz',
      name: 'Aiman Umarova',
      remindBefore: DEFAULT_REMIND_BEFORE,
      status: 'active',
    })
    expect(sub.id).toMatch(/^sub_/)
    expect(sub.createdAt).toMatch(INSTANT)
    expect(sub.updatedAt).toMatch(INSTANT)
    expect(Object.keys(sub)).toEqual(
      expect.arrayContaining([
        'id',
        'hearingId',
        'caseId',
        'email',
        'name',
        'timeZone',
        'remindBefore',
        'status',
        'createdAt',
        'updatedAt',
      ]),
    )
    expect(await findSub(sub.id)).toEqual(sub)
  })

  it('subscribes a lawyer to a whole case: 201, caseId set and hearingId null', async () => {
    const res = await subscribe(
      { caseId: publicCaseId },
      { email: 'case-follower@lawfirm.kz', timeZone: 'Europe/Berlin', remindBefore: ['P2D', 'PT30M'] },
      await h.auth('staff'),
    )
    expect(res.statusCode).toBe(201)
    const sub: Sub = res.json()
    expect(sub).toMatchObject({
      hearingId: null,
      caseId: publicCaseId,
      email: 'case-follower@lawfirm.kz',
      name: null,
      timeZone: 'Europe/Berlin',
      remindBefore: ['P2D', 'PT30M'],
      status: 'active',
    })
  })

  it('updates the existing subscription when the same email (in any case) subscribes again: 200, same id, no duplicate', async () => {
    const headers = await h.auth('staff')
    const first = await subscribe({ hearingId }, { email: 'Dina.Repeat@Lawfirm.kz', name: 'Dina' }, headers)
    expect(first.statusCode).toBe(201)
    const again = await subscribe(
      { hearingId },
      { email: 'dina.repeat@lawfirm.kz', name: 'Dina Nurpeisova', remindBefore: ['PT1H'], timeZone: 'UTC' },
      headers,
    )
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({
      id: first.json().id,
      hearingId,
      name: 'Dina Nurpeisova',
      remindBefore: ['PT1H'],
      timeZone: 'UTC',
      status: 'active',
      createdAt: first.json().createdAt,
    })
    expect(again.json().email.toLowerCase()).toBe('dina.repeat@lawfirm.kz')
    const mine = (await listSubs(`hearingId=${hearingId}`)).filter(
      (s) => s.email.toLowerCase() === 'dina.repeat@lawfirm.kz',
    )
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ id: first.json().id, name: 'Dina Nurpeisova', remindBefore: ['PT1H'] })
  })

  it('never duplicates a subscription, even when the same email subscribes twice at the same moment', async () => {
    const headers = await h.auth('staff')
    const [a, b] = await Promise.all([
      subscribe({ hearingId }, { email: 'racer@lawfirm.kz' }, headers),
      subscribe({ hearingId }, { email: 'RACER@lawfirm.kz' }, headers),
    ])
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201])
    expect(a.json().id).toBe(b.json().id)
    const mine = (await listSubs(`hearingId=${hearingId}`)).filter(
      (s) => s.email.toLowerCase() === 'racer@lawfirm.kz',
    )
    expect(mine).toHaveLength(1)
  })

  it('lets an admin key subscribe too', async () => {
    const res = await subscribe({ hearingId }, { email: 'admin-added@lawfirm.kz' }, await h.auth('admin'))
    expect(res.statusCode).toBe(201)
    expect(res.json().status).toBe('active')
  })

  it('rejects remindBefore values outside PT1S..P366D, non-ISO durations and lists of the wrong size, storing nothing', async () => {
    const headers = await h.auth('staff')
    const before = await allSubs()
    const cases: unknown[] = [
      ['PT0S'],
      ['P367D'],
      ['P1M'],
      ['2h'],
      ['P1D', 'PT0S'],
      Array.from({ length: 11 }, (_, i) => `PT${i + 1}H`),
      [],
    ]
    for (const remindBefore of cases) {
      const res = await subscribe({ hearingId }, { email: 'bad-durations@lawfirm.kz', remindBefore }, headers)
      expectProblem(res, 400)
      const errors: { path: string; message: string }[] = res.json().errors
      expect(errors.length, JSON.stringify(remindBefore)).toBeGreaterThan(0)
      for (const e of errors) {
        expect(e.path, JSON.stringify(remindBefore)).toMatch(/^\/remindBefore(\/\d+)?$/)
        expect(typeof e.message).toBe('string')
      }
    }
    const pointed = await subscribe(
      { hearingId },
      { email: 'bad-durations@lawfirm.kz', remindBefore: ['P1D', 'PT0S'] },
      headers,
    )
    expect(pointed.json().errors[0].path).toBe('/remindBefore/1')
    // The boundaries themselves are fine.
    const bounds = await subscribe(
      { caseId: publicCaseId },
      { email: 'bounds@lawfirm.kz', remindBefore: ['PT1S', 'P366D'] },
      headers,
    )
    expect(bounds.statusCode).toBe(201)
    expect(bounds.json().remindBefore).toEqual(['PT1S', 'P366D'])
    const after = await allSubs()
    expect(after.map((s) => s.id).sort()).toEqual([...before.map((s) => s.id), bounds.json().id].sort())
    expect(after.some((s) => s.email === 'bad-durations@lawfirm.kz')).toBe(false)
  })

  it('rejects a bad email, an unknown time zone and unknown fields with a problem naming the field', async () => {
    const headers = await h.auth('staff')
    const before = await allSubs()
    for (const email of ['not-an-email', '', 'two@@lawfirm.kz']) {
      const res = await subscribe({ hearingId }, { email }, headers)
      expectProblem(res, 400)
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('/email')
    }
    const missing = await subscribe({ hearingId }, { name: 'No Email' }, headers)
    expectProblem(missing, 400)
    expect(missing.json().errors.map((e: { path: string }) => e.path)).toContain('/email')

    const zone = await subscribe(
      { hearingId },
      { email: 'zone@lawfirm.kz', timeZone: 'Mars/Olympus' },
      headers,
    )
    expectProblem(zone, 400)
    expect(zone.json().errors[0].path).toBe('/timeZone')

    const unknown = await subscribe({ hearingId }, { email: 'extra@lawfirm.kz', phone: '+7 700' }, headers)
    expectProblem(unknown, 400)
    expect(unknown.json().errors[0].path).toBe('/phone')

    expect((await allSubs()).map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort())
  })

  it('answers 404 for an unknown hearing or case', async () => {
    const headers = await h.auth('staff')
    expectProblem(await subscribe({ hearingId: 'hrg_doesnotexist' }, { email: 'x@lawfirm.kz' }, headers), 404)
    expectProblem(await subscribe({ caseId: 'case_doesnotexist' }, { email: 'x@lawfirm.kz' }, headers), 404)
    // An id of another kind is not a hearing either.
    expectProblem(await subscribe({ hearingId: publicCaseId }, { email: 'x@lawfirm.kz' }, headers), 404)
    expect((await allSubs()).some((s) => s.email === 'x@lawfirm.kz')).toBe(false)
  })

  it('lets staff subscribe someone to a hearing of an internal case', async () => {
    const res = await subscribe(
      { hearingId: internalHearingId },
      { email: 'internal@lawfirm.kz' },
      await h.auth('staff'),
    )
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ hearingId: internalHearingId, status: 'active' })
  })

  it('answers 403 to a partner key and 401 to an unknown key, storing nothing', async () => {
    const before = await allSubs()
    expectProblem(
      await subscribe({ hearingId }, { email: 'partner-try@ngo.org' }, await h.auth('partner')),
      403,
    )
    expectProblem(
      await subscribe({ caseId: publicCaseId }, { email: 'partner-try@ngo.org' }, await h.auth('partner')),
      403,
    )
    expectProblem(
      await subscribe({ hearingId }, { email: 'unknown-key@ngo.org' }, { authorization: 'Bearer cb_nope' }),
      401,
    )
    expectProblem(
      await subscribe(
        { caseId: publicCaseId },
        { email: 'unknown-key@ngo.org' },
        { authorization: 'Bearer cb_nope' },
      ),
      401,
    )
    expect((await allSubs()).map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort())
  })
})

describe('self-service subscribing (no key, double opt-in)', () => {
  it('answers 202 pending and records a confirmation email delivery', async () => {
    const res = await subscribe({ hearingId }, { email: 'self.service@lawyer.kz', name: 'Self Service' })
    expect(res.statusCode).toBe(202)
    const sub: Sub = res.json()
    expect(sub).toMatchObject({
      hearingId,
      caseId: null,
      email: 'self.service@lawyer.kz',
      name: 'Self Service',
      remindBefore: DEFAULT_REMIND_BEFORE,
      status: 'pending',
    })
    expect(sub.id).toMatch(/^sub_/)
    expect((await findSub(sub.id))?.status).toBe('pending')

    const deliveries = await h.app.inject({
      method: 'GET',
      url: '/v1/deliveries?channel=email&limit=200',
      headers: await h.auth('staff'),
    })
    expect(deliveries.statusCode).toBe(200)
    const confirmation = deliveries
      .json()
      .items.find((d: { target: string }) => d.target === 'self.service@lawyer.kz')
    expect(confirmation).toMatchObject({
      channel: 'email',
      eventType: 'subscription.confirmation',
      target: 'self.service@lawyer.kz',
      hearingId,
    })
  })

  it('asks a case subscriber to confirm too', async () => {
    const res = await subscribe({ caseId: publicCaseId }, { email: 'case.self@lawyer.kz' })
    expect(res.statusCode).toBe(202)
    expect(res.json()).toMatchObject({ caseId: publicCaseId, hearingId: null, status: 'pending' })
  })

  it('keeps internal cases and their hearings out of reach: 404', async () => {
    const before = await allSubs()
    expectProblem(await subscribe({ hearingId: internalHearingId }, { email: 'snoop@lawyer.kz' }), 404)
    expectProblem(await subscribe({ caseId: internalCaseId }, { email: 'snoop@lawyer.kz' }), 404)
    expect((await allSubs()).map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort())
  })

  it('validates a self-service request like any other', async () => {
    const before = await allSubs()
    expectProblem(await subscribe({ hearingId }, { email: 'nope' }), 400)
    const durations = await subscribe({ hearingId }, { email: 'self.bad@lawyer.kz', remindBefore: ['PT0S'] })
    expectProblem(durations, 400)
    expect(durations.json().errors[0].path).toMatch(/^\/remindBefore/)
    expect((await allSubs()).map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort())
  })
})

describe('listing and deleting subscriptions (staff)', () => {
  let onHearing: Sub
  let onCase: Sub

  beforeAll(async () => {
    const headers = await h.auth('staff')
    onHearing = (await subscribe({ hearingId }, { email: 'Filter.Me@lawfirm.kz' }, headers)).json()
    onCase = (await subscribe({ caseId: publicCaseId }, { email: 'filter.me@lawfirm.kz' }, headers)).json()
  })

  it('filters by hearing, by case and by email', async () => {
    const byHearing = await listSubs(`hearingId=${hearingId}`)
    expect(byHearing.map((s) => s.id)).toContain(onHearing.id)
    expect(byHearing.every((s) => s.hearingId === hearingId)).toBe(true)

    const byCase = await listSubs(`caseId=${publicCaseId}`)
    expect(byCase.map((s) => s.id)).toContain(onCase.id)
    expect(byCase.every((s) => s.caseId === publicCaseId && s.hearingId === null)).toBe(true)

    const byEmail = await listSubs(`email=${encodeURIComponent('filter.me@lawfirm.kz')}`)
    expect(byEmail.map((s) => s.id).sort()).toEqual([onHearing.id, onCase.id].sort())

    const both = await listSubs(`hearingId=${hearingId}&email=${encodeURIComponent('filter.me@lawfirm.kz')}`)
    expect(both.map((s) => s.id)).toEqual([onHearing.id])

    expect(await listSubs('hearingId=hrg_nothing')).toEqual([])
  })

  it('answers with a page { items, nextCursor }', async () => {
    const headers = await h.auth('staff')
    const first = await h.app.inject({ method: 'GET', url: '/v1/subscriptions?limit=1', headers })
    expect(first.statusCode).toBe(200)
    const page = first.json()
    expect(page.items).toHaveLength(1)
    expect(typeof page.nextCursor).toBe('string')
    const second = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/subscriptions?limit=1&cursor=${page.nextCursor}`,
        headers,
      })
    ).json()
    expect(second.items).toHaveLength(1)
    expect(second.items[0].id).not.toBe(page.items[0].id)
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/subscriptions?limit=0', headers }), 400)
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/subscriptions?limit=201', headers }), 400)
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/subscriptions?colour=blue', headers }), 400)
  })

  it('needs a staff key to list: 401 without or with an unknown key, 403 for a partner', async () => {
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/subscriptions' }), 401)
    expectProblem(
      await h.app.inject({
        method: 'GET',
        url: '/v1/subscriptions',
        headers: { authorization: 'Bearer cb_unknown' },
      }),
      401,
    )
    expectProblem(
      await h.app.inject({ method: 'GET', url: '/v1/subscriptions', headers: await h.auth('partner') }),
      403,
    )
    const admin = await h.app.inject({ method: 'GET', url: '/v1/subscriptions', headers: await h.auth() })
    expect(admin.statusCode).toBe(200)
  })

  it('deletes a subscription: 204, then it is gone and a second delete answers 404', async () => {
    const headers = await h.auth('staff')
    const sub: Sub = (await subscribe({ hearingId }, { email: 'to.delete@lawfirm.kz' }, headers)).json()

    expectProblem(await h.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${sub.id}` }), 401)
    expectProblem(
      await h.app.inject({
        method: 'DELETE',
        url: `/v1/subscriptions/${sub.id}`,
        headers: { authorization: 'Bearer cb_unknown' },
      }),
      401,
    )
    expectProblem(
      await h.app.inject({
        method: 'DELETE',
        url: `/v1/subscriptions/${sub.id}`,
        headers: await h.auth('partner'),
      }),
      403,
    )
    expect(await findSub(sub.id)).toEqual(sub)

    const deleted = await h.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${sub.id}`, headers })
    expect(deleted.statusCode).toBe(204)
    expect(deleted.body).toBe('')
    expect(await findSub(sub.id)).toBeUndefined()
    expect((await listSubs(`hearingId=${hearingId}`)).map((s) => s.id)).not.toContain(sub.id)
    expectProblem(await h.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${sub.id}`, headers }), 404)
    expectProblem(await h.app.inject({ method: 'DELETE', url: '/v1/subscriptions/sub_nope', headers }), 404)
    // An id of another kind is no subscription.
    expectProblem(
      await h.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${hearingId}`, headers }),
      404,
    )

    // The email may subscribe afresh afterwards: a new subscription.
    const again = await subscribe({ hearingId }, { email: 'to.delete@lawfirm.kz' }, headers)
    expect(again.statusCode).toBe(201)
    expect(again.json().id).not.toBe(sub.id)
  })
})

describe('confirm and unsubscribe pages', () => {
  async function pending(email: string): Promise<Sub> {
    const res = await subscribe({ hearingId }, { email })
    expect(res.statusCode).toBe(202)
    return res.json()
  }
  async function active(email: string): Promise<Sub> {
    const res = await subscribe({ hearingId }, { email }, await h.auth('staff'))
    expect(res.statusCode).toBe(201)
    return res.json()
  }
  const page = (method: 'GET' | 'POST', path: string, token: string) =>
    h.app.inject({ method, url: `${path}?token=${encodeURIComponent(token)}` })

  it('confirms a pending subscription through the emailed link: 200 HTML, now active', async () => {
    const sub = await pending('confirm.me@lawyer.kz')
    const token = h.services.tokens.issue(sub.id, 'confirm')
    // GET shows the button and changes nothing (a mail scanner prefetching the link confirms no one).
    const shown = await page('GET', '/subscriptions/confirm', token)
    expect(shown.statusCode).toBe(200)
    expect(shown.body).toContain('<button type="submit">Confirm subscription</button>')
    expect((await findSub(sub.id))?.status).toBe('pending')
    const res = await page('POST', '/subscriptions/confirm', token)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toMatch(/<html/i)
    expect(res.body).toContain('confirm.me@lawyer.kz')
    expect((await findSub(sub.id))?.status).toBe('active')
  })

  it('refuses a mangled or forged confirmation token with a 400 HTML page and changes nothing', async () => {
    const sub = await pending('mangled@lawyer.kz')
    const good = h.services.tokens.issue(sub.id, 'confirm')
    const [payload, signature] = good.split('.') as [string, string]
    const flip = (s: string) => (s.endsWith('A') ? `${s.slice(0, -1)}B` : `${s.slice(0, -1)}A`)
    const bad = [
      `${payload}.${flip(signature)}`,
      `${flip(payload)}.${signature}`,
      `${payload}.${signature}.extra`,
      `${payload}${signature}`,
      'x'.repeat(40),
      `${Buffer.from(`confirm.${sub.id}.${Date.now() + 1e9}`).toString('base64url')}.${'A'.repeat(43)}`,
    ]
    for (const token of bad) {
      const res = await page('GET', '/subscriptions/confirm', token)
      expect(res.statusCode, token).toBe(400)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(res.body).toMatch(/<html/i)
    }
    expect((await findSub(sub.id))?.status).toBe('pending')
  })

  it('does not accept an unsubscribe token as a confirmation (400)', async () => {
    const sub = await pending('wrong.purpose@lawyer.kz')
    const res = await page('GET', '/subscriptions/confirm', h.services.tokens.issue(sub.id, 'unsubscribe'))
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect((await findSub(sub.id))?.status).toBe('pending')
  })

  it('does not confirm subscription B with a token made for A', async () => {
    const a = await pending('confirm.a@lawyer.kz')
    const b = await pending('confirm.b@lawyer.kz')
    const res = await page(
      'GET',
      '/subscriptions/confirm',
      retarget(h.services.tokens.issue(a.id, 'confirm'), b.id),
    )
    expect(res.statusCode).toBe(400)
    expect((await findSub(a.id))?.status).toBe('pending')
    expect((await findSub(b.id))?.status).toBe('pending')
  })

  it('shows an unsubscribe page with a button that POSTs, without unsubscribing yet', async () => {
    const sub = await active('unsub.page@lawyer.kz')
    const res = await page('GET', '/unsubscribe', h.services.tokens.issue(sub.id, 'unsubscribe'))
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toMatch(/<form[^>]*method="post"/i)
    expect(res.body).toMatch(/<button[^>]*>/i)
    expect((await findSub(sub.id))?.status).toBe('active')
  })

  it('unsubscribes with an RFC 8058 one-click POST (form-urlencoded): 200, then unsubscribed', async () => {
    const sub = await active('one.click@lawyer.kz')
    const token = h.services.tokens.issue(sub.id, 'unsubscribe')
    const res = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(res.statusCode).toBe(200)
    expect((await findSub(sub.id))?.status).toBe('unsubscribed')
    // Doing it again is harmless, and the page now says it is done.
    const again = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(again.statusCode).toBe(200)
    expect((await findSub(sub.id))?.status).toBe('unsubscribed')
  })

  it('unsubscribes with an RFC 8058 one-click POST sent as multipart/form-data', async () => {
    const sub = await active('one.click.multipart@lawyer.kz')
    const token = h.services.tokens.issue(sub.id, 'unsubscribe')
    const boundary = '----courtbelltestboundary'
    const res = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    })
    expect(res.statusCode).toBe(200)
    expect((await findSub(sub.id))?.status).toBe('unsubscribed')
  })

  it('unsubscribes when the button on the page is pressed (an empty form post)', async () => {
    const sub = await active('button.press@lawyer.kz')
    const token = h.services.tokens.issue(sub.id, 'unsubscribe')
    const res = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect((await findSub(sub.id))?.status).toBe('unsubscribed')
  })

  it('does not unsubscribe B with a token made for A, even with the payload rewritten to B', async () => {
    const a = await active('unsub.a@lawyer.kz')
    const b = await active('unsub.b@lawyer.kz')
    const forged = retarget(h.services.tokens.issue(a.id, 'unsubscribe'), b.id)
    const getForged = await page('GET', '/unsubscribe', forged)
    expect(getForged.statusCode).toBe(400)
    expect(getForged.headers['content-type']).toMatch(/^text\/html/)
    const postForged = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(forged)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(postForged.statusCode).toBe(400)
    expect(postForged.headers['content-type']).toMatch(/^text\/html/)
    expect((await findSub(a.id))?.status).toBe('active')
    expect((await findSub(b.id))?.status).toBe('active')
  })

  it('refuses a confirmation token on the unsubscribe endpoints (400) and changes nothing', async () => {
    const sub = await active('unsub.wrong.purpose@lawyer.kz')
    const token = h.services.tokens.issue(sub.id, 'confirm')
    expect((await page('GET', '/unsubscribe', token)).statusCode).toBe(400)
    const post = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(post.statusCode).toBe(400)
    expect((await findSub(sub.id))?.status).toBe('active')
  })

  it('answers 400 to a link of a deleted subscription', async () => {
    const sub = await active('deleted.link@lawyer.kz')
    const token = h.services.tokens.issue(sub.id, 'unsubscribe')
    const deleted = await h.app.inject({
      method: 'DELETE',
      url: `/v1/subscriptions/${sub.id}`,
      headers: await h.auth('staff'),
    })
    expect(deleted.statusCode).toBe(204)
    expect((await page('GET', '/unsubscribe', token)).statusCode).toBe(400)
    expect((await page('POST', '/unsubscribe', token)).statusCode).toBe(400)
    expect(await findSub(sub.id)).toBeUndefined()
  })

  it('answers 400 without a token', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/subscriptions/confirm' })).statusCode).toBe(400)
    expect((await h.app.inject({ method: 'GET', url: '/unsubscribe' })).statusCode).toBe(400)
    expect((await h.app.inject({ method: 'POST', url: '/unsubscribe' })).statusCode).toBe(400)
  })
})
