import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, registerBilash, startHarness } from '../helpers/harness.js'

let h: Harness
let caseId: string
const form = { 'content-type': 'application/x-www-form-urlencoded' }

beforeAll(async () => {
  h = await startHarness({ name: 'pages' })
  caseId = (await registerBilash(h, { startsAt: '2027-12-14T10:00' })).kase.id
})
afterAll(() => h?.close())

const get = (url: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...headers } })
const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, payload, headers: { ...form, accept: 'text/html', ...headers } })
const stored = async (email: string) =>
  (await h.services.subscriptions.ofAddress(email)).sort((a, b) => a.createdAt.localeCompare(b.createdAt))

function expectPage(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
) {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
  expect(res.body).toMatch(/^<!doctype html>\n<html lang="(en|ru|kk)">/)
  const csp = String(res.headers['content-security-policy'])
  expect(csp).toContain("default-src 'none'")
  expect(csp).not.toContain('unsafe-inline')
  expect(res.body).not.toMatch(/<script|style="/)
}

describe('the public case page', () => {
  it('shows the case, its hearing in the court zone, the calendar link and the subscribe form', async () => {
    const res = await get(`/c/${caseId}`)
    expectPage(res, 200)
    expect(res.body).toContain(`<h1>${bilash.case.title}</h1>`)
    expect(res.body).toContain('Tuesday, 14 December 2027, 10:00 (Asia/Almaty, UTC+5)')
    expect(res.body).toContain(`href="/c/${caseId}/calendar.ics"`)
    for (const d of ['P7D', 'P1D', 'PT2H'])
      expect(res.body).toContain(
        `<input type="checkbox" id="remind-${d}" name="remindBefore" value="${d}" checked>`,
      )
    expect(res.body).toContain('<label for="email">Email address</label>')
  })

  it('lists the open deadlines of the case with their due moment in the court zone', async () => {
    const other = (await registerBilash(h, { startsAt: '2027-12-14T10:00' })).kase.id
    const created = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${other}/deadlines`,
      headers: await h.auth('staff'),
      payload: { title: 'File the appeal', dueOn: '2027-12-29' },
    })
    expect(created.statusCode).toBe(201)

    const res = await get(`/c/${other}`)
    expect(res.body).toContain('File the appeal')
    expect(res.body).toContain('Wednesday, 29 December 2027, 23:59 (Asia/Almaty, UTC+5)')
    expect((await get(`/c/${other}?lang=ru`)).body).toContain('29 декабря 2027')
  })

  it('speaks ?lang=, else the Accept-Language, else English', async () => {
    expect((await get(`/c/${caseId}?lang=ru`)).body).toContain('<html lang="ru">')
    const kk = await get(`/c/${caseId}`, { 'accept-language': 'kk-KZ, ru;q=0.8' })
    expect(kk.body).toContain('<html lang="kk">')
    expect(kk.body).toContain('2027 ж. 14 желтоқсан')
    expect((await get(`/c/${caseId}?lang=xx`, { 'accept-language': 'de' })).body).toContain(
      '<html lang="en">',
    )
  })

  it('answers conditional requests: ETag, 304 on If-None-Match, cacheable by a CDN, varying by language', async () => {
    const first = await get(`/c/${caseId}?lang=en`)
    const etag = String(first.headers.etag)
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect(first.headers['cache-control']).toMatch(/public, max-age=\d+/)
    expect(first.headers.vary).toContain('Accept-Language')
    const again = await get(`/c/${caseId}?lang=en`, { 'if-none-match': etag })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    expect((await get(`/c/${caseId}?lang=en`, { 'if-none-match': `W/${etag}` })).statusCode).toBe(304)
    expect((await get(`/c/${caseId}?lang=ru`, { 'if-none-match': etag })).statusCode).toBe(200)
  })

  it('answers a friendly 404 page for an unknown or internal case, and for any unknown page', async () => {
    expectPage(await get('/c/case_nothing'), 404)
    expectPage(await get(`/c/case_${'x'.repeat(300)}`), 404)
    const internal = (
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: await h.auth('staff'),
        payload: { ...bilash.case, visibility: 'internal' },
      })
    ).json()
    const res = await get(`/c/${internal.id}?lang=ru`)
    expectPage(res, 404)
    expect(res.body).toContain('Страница не найдена')
    expect(res.body).not.toContain(bilash.case.title)
    expectPage(await get('/no/such/page'), 404)
    // An API client still gets a problem document.
    const api = await h.app.inject({ method: 'GET', url: '/no/such/page' })
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/)
  })
})

describe('subscribing from the case page', () => {
  it('asks for confirmation and says to check the inbox; the subscription is pending, in the chosen language', async () => {
    const res = await post(
      `/c/${caseId}/subscribe?lang=kk`,
      'email=aigerim%40lawfirm.kz&name=Aigerim&remindBefore=P1D&remindBefore=PT2H&language=kk',
    )
    expectPage(res, 200)
    expect(res.body).toContain('Поштаңызды тексеріңіз')
    expect(res.body).toContain('aigerim@lawfirm.kz')
    const [sub] = await stored('aigerim@lawfirm.kz')
    expect(sub).toMatchObject({
      caseId,
      status: 'pending',
      language: 'kk',
      remindBefore: ['P1D', 'PT2H'],
      name: 'Aigerim',
    })
    const deliveries = await h.services.deliveries.list({ limit: 50 })
    expect(
      deliveries.items.some(
        (d) => d.target === 'aigerim@lawfirm.kz' && d.eventType === 'subscription.confirmation',
      ),
    ).toBe(true)
  })

  it('answers the form again with the error next to the field and in the title, storing nothing', async () => {
    const res = await post(`/c/${caseId}/subscribe`, 'email=not-an-address&name=%3Cb%3EX%3C%2Fb%3E')
    expectPage(res, 400)
    expect(res.body).toContain('<title>Error: ')
    expect(res.body).toMatch(/<p class="error" id="email-error">.*Enter an email address/)
    expect(res.body).toContain('aria-describedby="email-error"')
    expect(res.body).toContain('value="not-an-address"')
    expect(res.body).toContain('value="&lt;b&gt;X&lt;/b&gt;"')
    const none = await post(`/c/${caseId}/subscribe`, 'email=someone%40lawfirm.kz')
    expectPage(none, 400)
    expect(none.body).toContain('Choose at least one reminder.')
    expect(await stored('someone@lawfirm.kz')).toEqual([])
  })

  it('lets a person subscribe to a handful of cases in a row', async () => {
    const headers = await h.auth('staff')
    for (let i = 0; i < 5; i++) {
      const other = (
        await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
      ).json()
      const res = await post(`/c/${other.id}/subscribe`, 'email=follower%40ngo.kz&remindBefore=P1D', {})
      expect(res.statusCode, `case ${i + 1}`).toBe(200)
    }
    expect(await stored('follower@ngo.kz')).toHaveLength(5)
  })
})

describe('the links in emails', () => {
  it("confirm: GET shows a button and changes nothing; POST confirms, in the subscriber's language", async () => {
    await post(`/c/${caseId}/subscribe`, 'email=ruslan%40lawfirm.kz&remindBefore=P7D&language=ru')
    const [sub] = await stored('ruslan@lawfirm.kz')
    const token = h.services.tokens.issue(sub?.id as string, 'confirm')
    const shown = await get(`/subscriptions/confirm?token=${token}`)
    expectPage(shown, 200)
    expect(shown.body).toContain('<html lang="ru">')
    expect(shown.body).toContain('Подтвердить подписку</button>')
    expect((await stored('ruslan@lawfirm.kz'))[0]?.status).toBe('pending')
    const done = await post(`/subscriptions/confirm?token=${token}`, '')
    expectPage(done, 200)
    expect(done.body).toContain('Подписка подтверждена')
    expect(done.body).toContain('/preferences?token=')
    expect((await stored('ruslan@lawfirm.kz'))[0]?.status).toBe('active')
  })

  it('answers a friendly page to a token that is missing, too short or too long — never "[object Object]"', async () => {
    for (const path of ['/subscriptions/confirm', '/unsubscribe', '/preferences'])
      for (const query of ['', '?token=', '?token=short', `?token=${'x'.repeat(1001)}`, '?lang=kk'])
        for (const method of ['GET', 'POST'] as const) {
          const res = await h.app.inject({ method, url: `${path}${query}`, headers: form, payload: '' })
          expectPage(res, 400)
          expect(res.body, `${method} ${path}${query}`).not.toContain('[object Object]')
          expect(res.body).toMatch(/This link is not valid|Сілтеме жарамсыз/)
        }
  })
})

describe('preferences', () => {
  async function subscribedTwice(email: string) {
    const headers = await h.auth('staff')
    const other = (
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers,
        payload: { ...bilash.case, title: 'Second case' },
      })
    ).json()
    for (const id of [caseId, other.id])
      await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${id}/subscriptions`,
        headers,
        payload: { email },
      })
    return { token: h.services.tokens.issuePreferences(email), subs: await stored(email) }
  }

  it('lists every subscription of the address, with labelled controls', async () => {
    const { token, subs } = await subscribedTwice('prefs@lawfirm.kz')
    const res = await get(`/preferences?token=${token}`)
    expectPage(res, 200)
    expect(res.body).toContain(bilash.case.title)
    expect(res.body).toContain('Second case')
    for (const sub of subs) {
      expect(res.body).toContain(`<label for="${sub.id}-language">Language</label>`)
      expect(res.body).toContain(`<label for="${sub.id}-timeZone">Time zone</label>`)
      expect(res.body).toContain(`<label for="${sub.id}-digest">Digest</label>`)
      expect(res.body).toContain(`form="unsubscribe-${sub.id}"`)
    }
  })

  it('saves reminders, language, time zone and digest; a mistake is shown next to its field', async () => {
    const { token, subs } = await subscribedTwice('saver@lawfirm.kz')
    const [a, b] = subs as unknown as [{ id: string }, { id: string }]
    const bad = await post(
      `/preferences?token=${token}`,
      `${a.id}.remindBefore=P1D&${a.id}.language=ru&${a.id}.timeZone=Mars%2FOlympus&${a.id}.digest=daily&${b.id}.remindBefore=P7D&${b.id}.language=en&${b.id}.timeZone=Asia%2FAlmaty&${b.id}.digest=none`,
    )
    expectPage(bad, 400)
    expect(bad.body).toContain(`id="${a.id}-tz-error"`)
    expect(bad.body).toContain('value="Mars/Olympus"')
    const ok = await post(
      `/preferences?token=${token}`,
      `${a.id}.remindBefore=P1D&${a.id}.language=ru&${a.id}.timeZone=Europe%2FBerlin&${a.id}.digest=daily&${b.id}.remindBefore=P7D&${b.id}.remindBefore=PT2H&${b.id}.language=ru&${b.id}.timeZone=Asia%2FAlmaty&${b.id}.digest=weekly`,
    )
    expectPage(ok, 200)
    expect(ok.body).toContain('Настройки сохранены.')
    const [sa, sb] = await stored('saver@lawfirm.kz')
    expect(sa).toMatchObject({
      remindBefore: ['P1D'],
      language: 'ru',
      timeZone: 'Europe/Berlin',
      digest: 'daily',
    })
    expect(sb).toMatchObject({
      remindBefore: ['P7D', 'PT2H'],
      language: 'ru',
      digest: 'weekly',
      status: 'active',
    })
  })

  it('unsubscribes from one, then from everything', async () => {
    const { token, subs } = await subscribedTwice('leaver@lawfirm.kz')
    const one = await post(`/preferences?token=${token}`, `unsubscribe=${subs[0]?.id}`)
    expectPage(one, 200)
    expect((await stored('leaver@lawfirm.kz')).map((s) => s.status)).toEqual(['unsubscribed', 'active'])
    await post(`/preferences?token=${token}`, 'unsubscribeAll=yes')
    expect((await stored('leaver@lawfirm.kz')).map((s) => s.status)).toEqual(['unsubscribed', 'unsubscribed'])
  })

  it('a preferences token names one address only; other tokens do not open it', async () => {
    await subscribedTwice('owner@lawfirm.kz')
    const [sub] = await stored('owner@lawfirm.kz')
    for (const token of [
      h.services.tokens.issue(sub?.id as string, 'unsubscribe'),
      `${h.services.tokens.issuePreferences('owner@lawfirm.kz')}x`,
    ])
      expectPage(await get(`/preferences?token=${encodeURIComponent(token)}`), 400)
  })
})

describe('languages through the API', () => {
  it('a self-service subscription takes the Accept-Language, else the case language; staff ones the case language', async () => {
    const headers = await h.auth('staff')
    const kk = (
      await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers,
        payload: { ...bilash.case, language: 'kk' },
      })
    ).json()
    expect(kk.language).toBe('kk')
    const viaHeader = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kk.id}/subscriptions`,
      headers: { 'accept-language': 'ru-RU,ru;q=0.9' },
      payload: { email: 'a@lang.kz' },
    })
    expect(viaHeader.json()).toMatchObject({ status: 'pending', language: 'ru', digest: 'none' })
    const viaCase = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kk.id}/subscriptions`,
      payload: { email: 'b@lang.kz' },
    })
    expect(viaCase.json().language).toBe('kk')
    const staff = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kk.id}/subscriptions`,
      headers,
      payload: { email: 'c@lang.kz', language: 'en', digest: 'weekly' },
    })
    expect(staff.json()).toMatchObject({ status: 'active', language: 'en', digest: 'weekly' })
    expect((await h.app.inject({ method: 'GET', url: `/v1/cases/${caseId}`, headers })).json().language).toBe(
      'en',
    )
  })
})
