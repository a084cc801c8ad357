import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, bilash, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'keys' })
})
afterAll(async () => h.close())

type KeyView = { id: string; name: string; scope: string; createdAt: string }
type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any }

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

async function createKey(payload: Record<string, unknown>, headers?: Record<string, string>): Promise<Res> {
  return h.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: headers ?? (await h.auth('admin')),
    payload,
  })
}

async function listAllKeys(): Promise<KeyView[]> {
  const items: KeyView[] = []
  let cursor: string | null = null
  do {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/api-keys?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      headers: await h.auth('admin'),
    })
    expect(res.statusCode).toBe(200)
    const page: { items: KeyView[]; nextCursor: string | null } = res.json()
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return items
}

function expectProblem(res: Res, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
  return body
}

describe('API keys', () => {
  it('creates a key and shows the secret exactly once', async () => {
    const before = Date.now()
    const res = await createKey({ name: 'Almaty court clerk', scope: 'staff' })
    expect(res.statusCode).toBe(201)
    const created = res.json()
    expect(created).toEqual({
      id: expect.stringMatching(/^key_/),
      name: 'Almaty court clerk',
      scope: 'staff',
      key: expect.any(String),
      createdAt: expect.any(String),
    })
    expect(created.key.length).toBeGreaterThanOrEqual(32)
    expect(Date.parse(created.createdAt)).toBeGreaterThanOrEqual(before - 1000)

    const listRes = await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers: await h.auth() })
    expect(listRes.statusCode).toBe(200)
    const listed = (await listAllKeys()).find((k) => k.id === created.id)
    expect(listed).toEqual({
      id: created.id,
      name: 'Almaty court clerk',
      scope: 'staff',
      createdAt: created.createdAt,
    })
    // Neither the key nor anything derived from it is ever shown again.
    const hash = createHash('sha256').update(created.key).digest('hex')
    for (const raw of [listRes.body, JSON.stringify(await listAllKeys())]) {
      expect(raw).not.toContain(created.key)
      expect(raw).not.toContain(hash)
      expect(raw).not.toContain(createHash('sha256').update(ADMIN_KEY).digest('hex'))
      expect(raw).not.toContain(ADMIN_KEY)
    }
    for (const item of await listAllKeys())
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'id', 'name', 'scope'])
  })

  it('issues keys that work at once, each within its scope', async () => {
    const staff = (await createKey({ name: 'clerk', scope: 'staff' })).json()
    const partner = (await createKey({ name: 'NGO Atajurt', scope: 'partner' })).json()
    const admin = (await createKey({ name: 'second admin', scope: 'admin' })).json()

    const kase = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(staff.key),
      payload: bilash.case,
    })
    expect(kase.statusCode).toBe(201)

    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/cases/${kase.json().id}`,
      headers: bearer(partner.key),
    })
    expect(read.statusCode).toBe(200)
    expectProblem(
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(partner.key),
        payload: bilash.case,
      }),
      403,
    )

    const byNewAdmin = await createKey({ name: 'made by second admin', scope: 'partner' }, bearer(admin.key))
    expect(byNewAdmin.statusCode).toBe(201)
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(admin.key) })).statusCode,
    ).toBe(200)
  })

  it('answers 403 to staff and partner keys on every key route, changing nothing', async () => {
    const target = (await createKey({ name: 'target', scope: 'staff' })).json()
    const keyHeaders = { staff: await h.auth('staff'), partner: await h.auth('partner') }
    const before = await listAllKeys()
    for (const headers of Object.values(keyHeaders)) {
      expectProblem(await createKey({ name: 'escalation', scope: 'admin' }, headers), 403)
      expectProblem(await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers }), 403)
      expectProblem(await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${target.id}`, headers }), 403)
    }
    expect(await listAllKeys()).toEqual(before)
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/cases', headers: bearer(target.key) })).statusCode,
    ).toBe(200)
  })

  it('answers 401 without a key, with an unknown key or a malformed header, changing nothing', async () => {
    const before = await listAllKeys()
    const target = before[0]
    expect(target).toBeDefined()
    for (const headers of [
      {},
      bearer('cb_unknown'),
      { authorization: ADMIN_KEY },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
    ]) {
      expectProblem(
        await h.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers,
          payload: { name: 'x', scope: 'admin' },
        }),
        401,
      )
      expectProblem(await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers }), 401)
      expectProblem(await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${target?.id}`, headers }), 401)
    }
    expect(await listAllKeys()).toEqual(before)
  })

  it('revokes a key: 204, then it answers 401 at once and is no longer listed', async () => {
    const made = (await createKey({ name: 'leaving clerk', scope: 'staff' })).json()
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/cases', headers: bearer(made.key) })).statusCode,
    ).toBe(200)

    const del = await h.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${made.id}`,
      headers: await h.auth(),
    })
    expect(del.statusCode).toBe(204)
    expect(del.body).toBe('')

    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/cases', headers: bearer(made.key) }), 401)
    expectProblem(
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(made.key),
        payload: bilash.case,
      }),
      401,
    )
    expect((await listAllKeys()).map((k) => k.id)).not.toContain(made.id)
    // Revoking twice: the key is gone.
    expectProblem(
      await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${made.id}`, headers: await h.auth() }),
      404,
    )
  })

  it('a revoked admin key can no longer manage keys', async () => {
    const admin = (await createKey({ name: 'temp admin', scope: 'admin' })).json()
    expect(
      (await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${admin.id}`, headers: await h.auth() }))
        .statusCode,
    ).toBe(204)
    const before = await listAllKeys()
    expectProblem(await createKey({ name: 'ghost', scope: 'admin' }, bearer(admin.key)), 401)
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(admin.key) }), 401)
    expect(await listAllKeys()).toEqual(before)
  })

  it('answers 404 when deleting an unknown key', async () => {
    const headers = await h.auth()
    expectProblem(
      await h.app.inject({ method: 'DELETE', url: '/v1/api-keys/key_doesnotexist', headers }),
      404,
    )
    const kase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    ).json()
    // An id of another kind is not a key either, and deleting it must not touch the case.
    expectProblem(await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${kase.id}`, headers }), 404)
    expect((await h.app.inject({ method: 'GET', url: `/v1/cases/${kase.id}`, headers })).json()).toEqual(kase)
  })

  it('rejects a bad scope, a missing or empty name and unknown fields with 400, creating nothing', async () => {
    const before = await listAllKeys()
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', scope: 'root' }, '/scope'],
      [{ name: 'x', scope: 'ADMIN' }, '/scope'],
      [{ name: 'x' }, '/scope'],
      [{ scope: 'staff' }, '/name'],
      [{ name: '', scope: 'staff' }, '/name'],
      [{ name: 'x', scope: 'staff', key: 'my-own-chosen-key' }, '/key'],
    ]
    for (const [payload, path] of cases) {
      const body = expectProblem(await createKey(payload), 400)
      expect(body.errors.map((e: { path: string }) => e.path)).toContain(path)
    }
    expect(await listAllKeys()).toEqual(before)
    // The key a client tried to choose does not work.
    expectProblem(
      await h.app.inject({ method: 'GET', url: '/v1/cases', headers: bearer('my-own-chosen-key') }),
      401,
    )
  })

  it('pages the key list with limit and cursor', async () => {
    for (let i = 0; i < 3; i++) await createKey({ name: `paged ${i}`, scope: 'partner' })
    const all = await listAllKeys()
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await h.app.inject({
        method: 'GET',
        url: `/v1/api-keys?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        headers: await h.auth(),
      })
      expect(res.statusCode).toBe(200)
      const page: { items: KeyView[]; nextCursor: string | null } = res.json()
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items.map((k) => k.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual(all.map((k) => k.id))
    expect(new Set(seen).size).toBe(seen.length)
    expectProblem(
      await h.app.inject({ method: 'GET', url: '/v1/api-keys?limit=0', headers: await h.auth() }),
      400,
    )
  })
})
