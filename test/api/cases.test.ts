import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'cases' })
})
afterAll(async () => h.close())

describe('cases', () => {
  it('registers the Bilash case and reads it back', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: await h.auth('staff'),
      payload: bilash.case,
    })
    expect(created.statusCode).toBe(201)
    const kase = created.json()
    expect(kase).toMatchObject({ ...bilash.case, caseNumber: null })
    expect(kase.id).toMatch(/^case_/)
    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/cases/${kase.id}`,
      headers: await h.auth('staff'),
    })
    expect(read.json()).toEqual(kase)
  })

  it('rejects unknown fields and a bad zone with a problem response, storing nothing', async () => {
    const before = (
      await h.app.inject({ method: 'GET', url: '/v1/cases?limit=200', headers: await h.auth() })
    ).json().items.length
    const unknown = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: await h.auth(),
      payload: { ...bilash.case, judge: 'x' },
    })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(unknown.json()).toMatchObject({ status: 400, errors: [{ path: '/judge' }] })
    const zone = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: await h.auth(),
      payload: { ...bilash.case, timeZone: 'Mars/Olympus' },
    })
    expect(zone.statusCode).toBe(400)
    expect(zone.json().errors[0].path).toBe('/timeZone')
    const after = (
      await h.app.inject({ method: 'GET', url: '/v1/cases?limit=200', headers: await h.auth() })
    ).json().items.length
    expect(after).toBe(before)
  })

  it('answers 401 without a key and 403 to a partner writing', async () => {
    expect((await h.app.inject({ method: 'POST', url: '/v1/cases', payload: bilash.case })).statusCode).toBe(
      401,
    )
    const partner = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: await h.auth('partner'),
      payload: bilash.case,
    })
    expect(partner.statusCode).toBe(403)
  })

  it('hides internal cases from partners', async () => {
    const internal = (
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: await h.auth(),
        payload: { ...bilash.case, visibility: 'internal' },
      })
    ).json()
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/v1/cases/${internal.id}`,
          headers: await h.auth('partner'),
        })
      ).statusCode,
    ).toBe(404)
    const list = (
      await h.app.inject({ method: 'GET', url: '/v1/cases?limit=200', headers: await h.auth('partner') })
    ).json()
    expect(list.items.map((c: { id: string }) => c.id)).not.toContain(internal.id)
    expect(list.items.every((c: { visibility: string }) => c.visibility === 'public')).toBe(true)
  })

  it('pages through cases with a cursor and filters by tag', async () => {
    const headers = await h.auth()
    for (let i = 0; i < 5; i++)
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers,
        payload: { ...bilash.case, tags: ['paged'], title: `case ${i}` },
      })
    const first = (await h.app.inject({ method: 'GET', url: '/v1/cases?tag=paged&limit=2', headers })).json()
    expect(first.items.map((c: { title: string }) => c.title)).toEqual(['case 0', 'case 1'])
    const second = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/cases?tag=paged&limit=2&cursor=${first.nextCursor}`,
        headers,
      })
    ).json()
    expect(second.items.map((c: { title: string }) => c.title)).toEqual(['case 2', 'case 3'])
    const third = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/cases?tag=paged&limit=2&cursor=${second.nextCursor}`,
        headers,
      })
    ).json()
    expect(third).toMatchObject({ items: [{ title: 'case 4' }], nextCursor: null })
    expect((await h.app.inject({ method: 'GET', url: '/v1/cases?limit=0', headers })).statusCode).toBe(400)
    expect((await h.app.inject({ method: 'GET', url: '/v1/cases?cursor=%%%', headers })).statusCode).toBe(400)
  })

  it('patches a case and answers 404 for an unknown one', async () => {
    const headers = await h.auth('staff')
    const kase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    ).json()
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/cases/${kase.id}`,
      headers,
      payload: { caseNumber: '2-1234/2020' },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ caseNumber: '2-1234/2020', title: bilash.case.title })
    expect(
      (await h.app.inject({ method: 'PATCH', url: '/v1/cases/case_nope', headers, payload: { title: 'x' } }))
        .statusCode,
    ).toBe(404)
    expect(
      (await h.app.inject({ method: 'PATCH', url: `/v1/cases/${kase.id}`, headers, payload: {} })).statusCode,
    ).toBe(400)
  })
})
