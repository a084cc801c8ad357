import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'hearings' })
})
afterAll(async () => h.close())

type Hearing = {
  id: string
  caseId: string
  title: string
  startsAt: string
  allDay: boolean
  timeZone: string
  startsAtUtc: string
  location: string | null
  notes: string | null
  status: 'scheduled' | 'cancelled' | 'decided'
  outcome: { summary: string; decidedAt: string } | null
  version: number
  createdAt: string
  updatedAt: string
}
type Page = { items: Hearing[]; nextCursor: string | null }

async function createCase(overrides: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: await h.auth('staff'),
    payload: { ...bilash.case, ...overrides },
  })
  expect(res.statusCode).toBe(201)
  return res.json()
}

async function postHearing(
  caseId: string,
  body: Record<string, unknown>,
  scope: 'admin' | 'staff' = 'staff',
) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/hearings`,
    headers: await h.auth(scope),
    payload: body,
  })
}

async function createHearing(caseId: string, body: Record<string, unknown> = {}): Promise<Hearing> {
  const res = await postHearing(caseId, { ...bilash.hearing, ...body })
  expect(res.statusCode).toBe(201)
  return res.json()
}

async function getHearing(id: string, scope: 'admin' | 'staff' | 'partner' = 'staff') {
  return h.app.inject({ method: 'GET', url: `/v1/hearings/${id}`, headers: await h.auth(scope) })
}

async function listHearings(query: string, scope: 'admin' | 'staff' | 'partner' = 'staff'): Promise<Page> {
  const res = await h.app.inject({
    method: 'GET',
    url: `/v1/hearings?${query}`,
    headers: await h.auth(scope),
  })
  expect(res.statusCode).toBe(200)
  return res.json()
}

async function hearingsOfCase(caseId: string): Promise<Hearing[]> {
  return (await listHearings(`caseId=${caseId}&limit=200`)).items
}

/** Every page of a listing, following nextCursor. */
async function allPages(query: string, limit: number, scope: 'admin' | 'staff' | 'partner' = 'staff') {
  const pages: Hearing[][] = []
  let cursor: string | null = null
  do {
    const page: Page = await listHearings(
      `${query}&limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      scope,
    )
    expect(page.items.length).toBeLessThanOrEqual(limit)
    pages.push(page.items)
    cursor = page.nextCursor
    expect(pages.length).toBeLessThan(50)
  } while (cursor !== null)
  return pages
}

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
  expect(typeof body.detail).toBe('string')
  return body
}

function expectFieldError(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  path: string,
) {
  const body = expectProblem(res, 400)
  expect(body.errors.map((e: { path: string }) => e.path)).toContain(path)
}

describe('scheduling a hearing', () => {
  it('turns a local wall time in Almaty into the UTC instant and echoes what was given', async () => {
    const kase = await createCase()
    const res = await postHearing(kase.id, {
      title: 'Decision on the petition',
      startsAt: '2026-12-14T10:00',
      timeZone: 'Asia/Almaty',
      location: 'Courtroom 4',
      notes: 'Bring the passport copies',
    })
    expect(res.statusCode).toBe(201)
    const hearing = res.json()
    expect(hearing).toMatchObject({
      caseId: kase.id,
      title: 'Decision on the petition',
      startsAt: '2026-12-14T10:00',
      allDay: false,
      timeZone: 'Asia/Almaty',
      startsAtUtc: '2026-12-14T05:00:00.000Z',
      location: 'Courtroom 4',
      notes: 'Bring the passport copies',
      status: 'scheduled',
      outcome: null,
      version: 1,
    })
    expect(hearing.id).toMatch(/^hrg_/)
    expect(Date.parse(hearing.createdAt)).not.toBeNaN()
    expect(Date.parse(hearing.updatedAt)).not.toBeNaN()
    const read = await getHearing(hearing.id)
    expect(read.statusCode).toBe(200)
    expect(read.json()).toEqual(hearing)
  })

  it('keeps location and notes null when they are sent as null', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { location: null, notes: null })
    expect(hearing).toMatchObject({ location: null, notes: null })
    expect((await getHearing(hearing.id)).json()).toMatchObject({ location: null, notes: null })
  })

  it('accepts a wall time with seconds', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00:30' })
    expect(hearing).toMatchObject({
      startsAt: '2026-12-14T10:00:30',
      allDay: false,
      startsAtUtc: '2026-12-14T05:00:30.000Z',
    })
  })

  it('anchors an all-day hearing (date only) at 09:00 local', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14' })
    expect(hearing).toMatchObject({
      startsAt: '2026-12-14',
      allDay: true,
      timeZone: 'Asia/Almaty',
      startsAtUtc: '2026-12-14T04:00:00.000Z',
    })
  })

  it('uses the offset Almaty had at the time for the historical fixture date (UTC+6 in 2020)', async () => {
    const kase = await createCase()
    const res = await postHearing(kase.id, { ...bilash.hearing, startsAt: '2020-12-14' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      startsAt: '2020-12-14',
      allDay: true,
      startsAtUtc: '2020-12-14T03:00:00.000Z',
      status: 'scheduled',
    })
  })

  it("takes the case's time zone when none is given", async () => {
    const kase = await createCase({ timeZone: 'Europe/Berlin' })
    const hearing = await createHearing(kase.id, {
      title: 'Berlin hearing',
      startsAt: '2026-12-14T10:00',
      timeZone: undefined,
    })
    expect(hearing).toMatchObject({ timeZone: 'Europe/Berlin', startsAtUtc: '2026-12-14T09:00:00.000Z' })
  })

  it('refuses a wall time that falls in a DST gap, storing nothing', async () => {
    const kase = await createCase({ timeZone: 'America/New_York' })
    const res = await postHearing(kase.id, {
      title: 'Never happens',
      startsAt: '2026-03-08T02:30',
      timeZone: 'America/New_York',
    })
    expectFieldError(res, '/startsAt')
    expect(await hearingsOfCase(kase.id)).toEqual([])
  })

  it('takes the earlier instant of an ambiguous wall time (DST overlap)', async () => {
    const kase = await createCase({ timeZone: 'America/New_York' })
    const hearing = await createHearing(kase.id, {
      title: 'Overlap',
      startsAt: '2026-11-01T01:30',
      timeZone: 'America/New_York',
    })
    expect(hearing).toMatchObject({ startsAt: '2026-11-01T01:30', startsAtUtc: '2026-11-01T05:30:00.000Z' })
  })

  it('rejects dates that are malformed or do not exist, storing nothing', async () => {
    const kase = await createCase()
    for (const startsAt of [
      '2026-13-01',
      '14.12.2026',
      '2026-02-30',
      '2026-12-14T25:00',
      '2026-12-14T10:00Z',
      '',
    ]) {
      const res = await postHearing(kase.id, { ...bilash.hearing, startsAt })
      expectFieldError(res, '/startsAt')
    }
    expect(await hearingsOfCase(kase.id)).toEqual([])
  })

  it('rejects missing and unknown fields and an unknown zone, storing nothing', async () => {
    const kase = await createCase()
    expectFieldError(await postHearing(kase.id, { startsAt: '2026-12-14' }), '/title')
    expectFieldError(await postHearing(kase.id, { title: 'x' }), '/startsAt')
    expectFieldError(await postHearing(kase.id, { ...bilash.hearing, judge: 'Smith' }), '/judge')
    expectFieldError(await postHearing(kase.id, { ...bilash.hearing, timeZone: 'Mars/Olympus' }), '/timeZone')
    expectFieldError(await postHearing(kase.id, { ...bilash.hearing, title: '' }), '/title')
    expect(await hearingsOfCase(kase.id)).toEqual([])
  })

  it('accepts a hearing in the past', async () => {
    const kase = await createCase()
    const res = await postHearing(kase.id, { ...bilash.hearing, startsAt: '2019-05-20T11:00' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ status: 'scheduled', startsAtUtc: '2019-05-20T05:00:00.000Z' })
  })

  it('answers 404 for an unknown case', async () => {
    expectProblem(await postHearing('case_doesnotexist', bilash.hearing), 404)
  })

  it('answers 401 without a key or with a revoked one, and 403 to a partner, storing nothing', async () => {
    const kase = await createCase()
    expectProblem(
      await h.app.inject({ method: 'POST', url: `/v1/cases/${kase.id}/hearings`, payload: bilash.hearing }),
      401,
    )
    const revoked = await h.services.keys.create('soon revoked', 'staff')
    await h.services.keys.revoke(revoked.id)
    expectProblem(
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${kase.id}/hearings`,
        headers: { authorization: `Bearer ${revoked.key}` },
        payload: bilash.hearing,
      }),
      401,
    )
    expectProblem(
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${kase.id}/hearings`,
        headers: await h.auth('partner'),
        payload: bilash.hearing,
      }),
      403,
    )
    expect(await hearingsOfCase(kase.id)).toEqual([])
  })
})

describe('listing and reading hearings', () => {
  it('lists hearings in start order, whatever order they were created in', async () => {
    const kase = await createCase()
    const created = []
    for (const startsAt of ['2031-03-03T10:00', '2031-03-01T10:00', '2031-03-04', '2031-03-02T15:30'])
      created.push(await createHearing(kase.id, { startsAt, title: startsAt }))
    const items = await hearingsOfCase(kase.id)
    expect(items.map((x) => x.startsAt)).toEqual([
      '2031-03-01T10:00',
      '2031-03-02T15:30',
      '2031-03-03T10:00',
      '2031-03-04',
    ])
    const utc = items.map((x) => x.startsAtUtc)
    expect([...utc].sort()).toEqual(utc)
  })

  it('filters by from (inclusive) and to', async () => {
    const kase = await createCase({ timeZone: 'UTC' })
    for (const startsAt of ['2032-01-01T08:00', '2032-01-02T08:00', '2032-01-03T08:00', '2032-01-04T08:00'])
      await createHearing(kase.id, { startsAt, title: startsAt, timeZone: 'UTC' })
    const from = await listHearings(`caseId=${kase.id}&from=2032-01-02T08:00:00.000Z`)
    expect(from.items.map((x) => x.startsAt)).toEqual([
      '2032-01-02T08:00',
      '2032-01-03T08:00',
      '2032-01-04T08:00',
    ])
    const to = await listHearings(`caseId=${kase.id}&to=2032-01-03T00:00:00.000Z`)
    expect(to.items.map((x) => x.startsAt)).toEqual(['2032-01-01T08:00', '2032-01-02T08:00'])
    const window = await listHearings(`from=2032-01-02T00:00:00Z&to=2032-01-03T12:00:00Z&caseId=${kase.id}`)
    expect(window.items.map((x) => x.startsAt)).toEqual(['2032-01-02T08:00', '2032-01-03T08:00'])
    // Without caseId the window alone selects the same hearings (nothing else is scheduled in 2032).
    const global = await listHearings('from=2032-01-02T00:00:00Z&to=2032-01-03T12:00:00Z')
    expect(global.items.map((x) => x.id)).toEqual(window.items.map((x) => x.id))
  })

  it('filters by case and by status', async () => {
    const a = await createCase()
    const b = await createCase()
    const a1 = await createHearing(a.id, { startsAt: '2033-05-01T10:00' })
    const a2 = await createHearing(a.id, { startsAt: '2033-05-02T10:00' })
    const b1 = await createHearing(b.id, { startsAt: '2033-05-01T11:00' })
    const cancel = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${a2.id}/cancel`,
      headers: await h.auth('staff'),
      payload: {},
    })
    expect(cancel.statusCode).toBe(200)
    expect((await hearingsOfCase(a.id)).map((x) => x.id)).toEqual([a1.id, a2.id])
    expect((await hearingsOfCase(b.id)).map((x) => x.id)).toEqual([b1.id])
    expect((await listHearings(`caseId=${a.id}&status=cancelled`)).items.map((x) => x.id)).toEqual([a2.id])
    expect((await listHearings(`caseId=${a.id}&status=scheduled`)).items.map((x) => x.id)).toEqual([a1.id])
    expect((await listHearings(`caseId=${a.id}&status=decided`)).items).toEqual([])
    expect((await listHearings('caseId=case_unknown')).items).toEqual([])
  })

  it('pages with limit and cursor, never repeating or losing a hearing', async () => {
    const kase = await createCase()
    const times = [
      '2034-02-05T10:00',
      '2034-02-01T10:00',
      '2034-02-03T10:00',
      '2034-02-03T10:00', // two hearings at the same instant
      '2034-02-02',
      '2034-02-07T16:00',
      '2034-02-04T09:15',
    ]
    const created: Hearing[] = []
    for (const startsAt of times) created.push(await createHearing(kase.id, { startsAt }))
    const pages = await allPages(`caseId=${kase.id}`, 3)
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1])
    const ids = pages.flat().map((x) => x.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(created.map((x) => x.id).sort())
    const utc = pages.flat().map((x) => x.startsAtUtc)
    expect([...utc].sort()).toEqual(utc)
    // Paging by one gives exactly the same sequence.
    expect((await allPages(`caseId=${kase.id}`, 1)).flat().map((x) => x.id)).toEqual(ids)
  })

  it('rejects bad list parameters with 400', async () => {
    const headers = await h.auth('staff')
    const cases: [string, string][] = [
      ['limit=0', '/querystring/limit'],
      ['limit=201', '/querystring/limit'],
      ['from=yesterday', '/querystring/from'],
      ['to=2026-12-14T10:00', '/querystring/to'],
      ['status=postponed', '/querystring/status'],
      ['colour=red', '/querystring/colour'],
    ]
    for (const [query, path] of cases) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/hearings?${query}`, headers })
      expectFieldError(res, path)
    }
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/hearings?cursor=%%%', headers }), 400)
  })

  it('shows a partner only hearings of public cases', async () => {
    const pub = await createCase({ visibility: 'public' })
    const internal = await createCase({ visibility: 'internal' })
    const seen = await createHearing(pub.id, { startsAt: '2035-06-01T10:00' })
    const hidden = await createHearing(internal.id, { startsAt: '2035-06-01T11:00' })
    const window = 'from=2035-06-01T00:00:00Z&to=2035-06-02T00:00:00Z'
    expect((await listHearings(window, 'staff')).items.map((x) => x.id)).toEqual([seen.id, hidden.id])
    const partnerItems = (await allPages(window, 200, 'partner')).flat()
    expect(partnerItems.map((x) => x.id)).toEqual([seen.id])
    expect((await allPages(`caseId=${internal.id}`, 200, 'partner')).flat()).toEqual([])
    const all = (await allPages('status=scheduled', 200, 'partner')).flat()
    expect(all.map((x) => x.id)).not.toContain(hidden.id)

    const readPublic = await getHearing(seen.id, 'partner')
    expect(readPublic.statusCode).toBe(200)
    expect(readPublic.json()).toEqual(seen)
    expectProblem(await getHearing(hidden.id, 'partner'), 404)
    expect((await getHearing(hidden.id, 'staff')).json()).toEqual(hidden)
  })

  it('pages a partner through public hearings without leaking internal ones', async () => {
    const pub = await createCase({ visibility: 'public' })
    const internal = await createCase({ visibility: 'internal' })
    const wanted: string[] = []
    for (let i = 1; i <= 4; i++) {
      wanted.push((await createHearing(pub.id, { startsAt: `2036-01-0${i}T10:00` })).id)
      await createHearing(internal.id, { startsAt: `2036-01-0${i}T11:00` })
    }
    const pages = await allPages('from=2036-01-01T00:00:00Z&to=2036-02-01T00:00:00Z', 2, 'partner')
    expect(pages.flat().map((x) => x.id)).toEqual(wanted)
  })

  it('answers 404 for an unknown hearing and 401 without a valid key', async () => {
    expectProblem(await getHearing('hrg_doesnotexist'), 404)
    expectProblem(await getHearing('case_notahearing'), 404)
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/hearings' }), 401)
    expectProblem(
      await h.app.inject({
        method: 'GET',
        url: '/v1/hearings',
        headers: { authorization: 'Bearer cb_not-a-real-key' },
      }),
      401,
    )
    const revoked = await h.services.keys.create('soon revoked', 'partner')
    await h.services.keys.revoke(revoked.id)
    expectProblem(
      await h.app.inject({
        method: 'GET',
        url: '/v1/hearings/hrg_doesnotexist',
        headers: { authorization: `Bearer ${revoked.key}` },
      }),
      401,
    )
  })
})

describe('changing a hearing', () => {
  async function patch(id: string, payload: Record<string, unknown>, scope: 'staff' | 'partner' = 'staff') {
    return h.app.inject({ method: 'PATCH', url: `/v1/hearings/${id}`, headers: await h.auth(scope), payload })
  }
  async function cancel(id: string, payload?: Record<string, unknown>, scope: 'staff' | 'partner' = 'staff') {
    return h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${id}/cancel`,
      headers: await h.auth(scope),
      ...(payload === undefined ? {} : { payload }),
    })
  }
  async function decide(id: string, payload: Record<string, unknown>, scope: 'staff' | 'partner' = 'staff') {
    return h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${id}/outcome`,
      headers: await h.auth(scope),
      payload,
    })
  }
  async function current(id: string): Promise<Hearing> {
    return (await getHearing(id)).json()
  }

  it('keeps the version when only the title, location or notes change', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const res = await patch(hearing.id, {
      title: 'Decision (room changed)',
      location: 'Room 12',
      notes: null,
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      title: 'Decision (room changed)',
      location: 'Room 12',
      notes: null,
      version: 1,
      startsAt: '2026-12-14T10:00',
      startsAtUtc: '2026-12-14T05:00:00.000Z',
    })
    expect(await current(hearing.id)).toEqual(res.json())
  })

  it('increments the version and recomputes the instant when the time changes', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14' })
    const moved = await patch(hearing.id, { startsAt: '2026-12-15T14:30' })
    expect(moved.statusCode).toBe(200)
    expect(moved.json()).toMatchObject({
      startsAt: '2026-12-15T14:30',
      allDay: false,
      startsAtUtc: '2026-12-15T09:30:00.000Z',
      version: 2,
      status: 'scheduled',
    })
    expect(Date.parse(moved.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(hearing.updatedAt))
    const rezoned = await patch(hearing.id, { timeZone: 'Europe/Berlin' })
    expect(rezoned.json()).toMatchObject({
      startsAt: '2026-12-15T14:30',
      timeZone: 'Europe/Berlin',
      startsAtUtc: '2026-12-15T13:30:00.000Z',
      version: 3,
    })
    expect(await current(hearing.id)).toEqual(rezoned.json())
    // The listing follows the move.
    const listed = await listHearings(
      `caseId=${kase.id}&from=2026-12-15T13:30:00.000Z&to=2026-12-15T13:31:00.000Z`,
    )
    expect(listed.items.map((x) => x.id)).toEqual([hearing.id])
    expect((await listHearings(`caseId=${kase.id}&to=2026-12-15T00:00:00Z`)).items).toEqual([])
  })

  it('rejects bad patches with 400 and changes nothing', async () => {
    const kase = await createCase({ timeZone: 'America/New_York' })
    const hearing = await createHearing(kase.id, {
      startsAt: '2026-03-07T10:00',
      timeZone: 'America/New_York',
    })
    const cases: [Record<string, unknown>, string][] = [
      [{ judge: 'Smith' }, '/judge'],
      [{ startsAt: '2026-13-01' }, '/startsAt'],
      [{ startsAt: '14.12.2026' }, '/startsAt'],
      [{ startsAt: '2026-03-08T02:30' }, '/startsAt'],
      [{ timeZone: 'Mars/Olympus' }, '/timeZone'],
      [{ title: '' }, '/title'],
    ]
    for (const [payload, path] of cases) expectFieldError(await patch(hearing.id, payload), path)
    expectProblem(await patch(hearing.id, {}), 400)
    expect(await current(hearing.id)).toEqual(hearing)
  })

  it('answers 404 to changes of an unknown hearing', async () => {
    expectProblem(await patch('hrg_doesnotexist', { title: 'x' }), 404)
    expectProblem(await cancel('hrg_doesnotexist', {}), 404)
    expectProblem(await decide('hrg_doesnotexist', { summary: 'x' }), 404)
  })

  it('cancels a hearing once; a second cancel or a time change is a 409', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const res = await cancel(hearing.id, { reason: 'Judge ill' })
    expect(res.statusCode).toBe(200)
    // A status change is a change calendars must take (API.md 1.1: SEQUENCE = version).
    expect(res.json()).toMatchObject({ id: hearing.id, status: 'cancelled', version: 2 })
    const cancelled = await current(hearing.id)
    expect(cancelled.status).toBe('cancelled')
    expectProblem(await cancel(hearing.id, {}), 409)
    expectProblem(await patch(hearing.id, { startsAt: '2026-12-20T10:00' }), 409)
    expectProblem(await patch(hearing.id, { timeZone: 'Europe/Berlin' }), 409)
    expect(await current(hearing.id)).toEqual(cancelled)
  })

  it('cancels without a body, as { reason? } allows', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const res = await cancel(hearing.id)
    expect(res.statusCode).toBe(200)
    expect(res.json().status).toBe('cancelled')
  })

  it('rejects an unknown field on cancel with 400 and changes nothing', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    expectFieldError(await cancel(hearing.id, { why: 'x' }), '/why')
    expect(await current(hearing.id)).toEqual(hearing)
  })

  it('records an outcome; afterwards the time cannot change', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const before = Date.now()
    const res = await decide(hearing.id, { summary: 'Petition rejected' })
    expect(res.statusCode).toBe(200)
    const decided = res.json()
    expect(decided).toMatchObject({
      status: 'decided',
      outcome: { summary: 'Petition rejected' },
      version: 2,
    })
    expect(Date.parse(decided.outcome.decidedAt)).toBeGreaterThanOrEqual(before - 1000)
    expect(await current(hearing.id)).toEqual(decided)
    expectProblem(await patch(hearing.id, { startsAt: '2026-12-20T10:00' }), 409)
    expectProblem(await decide(hearing.id, { summary: 'Again' }), 409)
    expectProblem(await cancel(hearing.id, {}), 409)
    expect(await current(hearing.id)).toEqual(decided)
  })

  it('records an outcome with an explicit decidedAt', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const res = await decide(hearing.id, { summary: 'Adjourned sine die', decidedAt: '2026-12-14T07:15:00Z' })
    expect(res.statusCode).toBe(200)
    expect(res.json().outcome).toEqual({
      summary: 'Adjourned sine die',
      decidedAt: '2026-12-14T07:15:00.000Z',
    })
  })

  it('rejects a bad outcome with 400 and changes nothing', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    expectFieldError(await decide(hearing.id, {}), '/summary')
    expectFieldError(await decide(hearing.id, { summary: '' }), '/summary')
    expectFieldError(await decide(hearing.id, { summary: 'x', decidedAt: 'tomorrow' }), '/decidedAt')
    expectFieldError(await decide(hearing.id, { summary: 'x', verdict: 'guilty' }), '/verdict')
    expect(await current(hearing.id)).toEqual(hearing)
  })

  it('refuses to decide a cancelled hearing', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    expect((await cancel(hearing.id, {})).statusCode).toBe(200)
    expectProblem(await decide(hearing.id, { summary: 'x' }), 409)
    expect((await current(hearing.id)).status).toBe('cancelled')
  })

  it('answers 403 to a partner changing, cancelling or deciding, and changes nothing', async () => {
    const kase = await createCase({ visibility: 'public' })
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    expectProblem(await patch(hearing.id, { title: 'hacked' }, 'partner'), 403)
    expectProblem(await cancel(hearing.id, {}, 'partner'), 403)
    expectProblem(await decide(hearing.id, { summary: 'x' }, 'partner'), 403)
    expect(await current(hearing.id)).toEqual(hearing)
  })

  it('answers 401 to changes without a key or with a revoked one, and changes nothing', async () => {
    const kase = await createCase()
    const hearing = await createHearing(kase.id, { startsAt: '2026-12-14T10:00' })
    const revoked = await h.services.keys.create('soon revoked', 'staff')
    await h.services.keys.revoke(revoked.id)
    for (const headers of [{}, { authorization: `Bearer ${revoked.key}` }]) {
      expectProblem(
        await h.app.inject({
          method: 'PATCH',
          url: `/v1/hearings/${hearing.id}`,
          headers,
          payload: { title: 'x' },
        }),
        401,
      )
      expectProblem(
        await h.app.inject({
          method: 'POST',
          url: `/v1/hearings/${hearing.id}/cancel`,
          headers,
          payload: {},
        }),
        401,
      )
      expectProblem(
        await h.app.inject({
          method: 'POST',
          url: `/v1/hearings/${hearing.id}/outcome`,
          headers,
          payload: { summary: 'x' },
        }),
        401,
      )
    }
    expect(await current(hearing.id)).toEqual(hearing)
  })
})
