import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'idempotency' })
})
afterAll(async () => h.close())

const countCases = async () =>
  (await h.app.inject({ method: 'GET', url: '/v1/cases?limit=200', headers: await h.auth() })).json().items
    .length

describe('Idempotency-Key', () => {
  it('answers a retried POST with the first answer and creates nothing new', async () => {
    const headers = { ...(await h.auth('staff')), 'idempotency-key': 'create-bilash-1' }
    const before = await countCases()
    const first = await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    const retry = await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    expect(first.statusCode).toBe(201)
    expect(retry.statusCode).toBe(201)
    expect(retry.json()).toEqual(first.json())
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(await countCases()).toBe(before + 1)
  })

  it('keeps retried hearings and their events to one', async () => {
    const staff = await h.auth('staff')
    const kase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers: staff, payload: bilash.case })
    ).json()
    const headers = { ...staff, 'idempotency-key': 'ruling-hearing' }
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        h.app.inject({
          method: 'POST',
          url: `/v1/cases/${kase.id}/hearings`,
          headers,
          payload: bilash.hearing,
        }),
      ),
    )
    const created = answers.filter((a) => a.statusCode === 201)
    expect(new Set(created.map((a) => a.json().id)).size).toBe(1)
    expect(answers.every((a) => a.statusCode === 201 || a.statusCode === 409)).toBe(true)
    const list = (
      await h.app.inject({ method: 'GET', url: `/v1/hearings?caseId=${kase.id}`, headers: staff })
    ).json()
    expect(list.items).toHaveLength(1)
  })

  it('refuses the same key with a different body (422) and keeps keys apart per caller', async () => {
    const staff = await h.auth('staff')
    const first = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...staff, 'idempotency-key': 'k-2' },
      payload: bilash.case,
    })
    expect(first.statusCode).toBe(201)
    const other = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...staff, 'idempotency-key': 'k-2' },
      payload: { ...bilash.case, title: 'another case' },
    })
    expect(other.statusCode).toBe(422)
    expect(other.headers['content-type']).toMatch(/problem\+json/)
    const admin = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...(await h.auth()), 'idempotency-key': 'k-2' },
      payload: bilash.case,
    })
    expect(admin.statusCode).toBe(201)
    expect(admin.json().id).not.toBe(first.json().id)
  })
})
