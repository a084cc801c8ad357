/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LANGUAGES } from '../../src/i18n/index.js'
import { bilash, type Harness, registerBilash, startHarness } from '../helpers/harness.js'
import { axeViolations, emailTo, launchChromium, linkIn } from './support.js'

/**
 * The pages in a real browser: a person subscribes through the form, confirms with the button, changes
 * preferences and unsubscribes, with the mouse and with the keyboard alone; axe-core checks every page in
 * every language. COURTBELL_SCREENSHOTS=1 also writes the README's screenshots into docs/screenshots/.
 */
let h: Harness
let browser: Browser
let base: string
let caseId: string
const shots = process.env.COURTBELL_SCREENSHOTS === '1'

beforeAll(async () => {
  h = await startHarness({ name: 'browser', workers: true })
  await h.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`
  const { kase } = await registerBilash(h, { startsAt: '2027-12-14T10:00', location: 'Courtroom 5' })
  caseId = kase.id
  const staff = await h.auth('staff')
  await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/hearings`,
    headers: staff,
    payload: { title: 'Appeal hearing', startsAt: '2028-02-03' },
  })
  browser = await launchChromium()
  if (shots) await mkdir('docs/screenshots', { recursive: true })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await h?.close()
})

async function withPage<T>(
  fn: (page: Page, context: BrowserContext) => Promise<T>,
  opts: { bypassCSP?: boolean; locale?: string } = {},
) {
  const context = await browser.newContext({ viewport: { width: 900, height: 1100 }, ...opts })
  try {
    return await fn(await context.newPage(), context)
  } finally {
    await context.close()
  }
}

const status = async (email: string) => (await h.services.subscriptions.ofAddress(email)).map((s) => s.status)

describe('a person in a browser', () => {
  it('subscribes through the form, confirms with the button, changes preferences and unsubscribes', {
    timeout: 60_000,
  }, async () => {
    await withPage(async (page) => {
      await page.goto(`${base}/c/${caseId}?lang=ru`)
      expect(await page.getAttribute('html', 'lang')).toBe('ru')
      await page.getByLabel('Адрес электронной почты').fill('browser@lawfirm.kz')
      await page.getByLabel('Ваше имя (необязательно)').fill('Асель Нурланова')
      await page.getByLabel('за 7 дней').uncheck()
      await page.getByLabel('Язык писем').selectOption('ru')
      if (shots) await page.screenshot({ path: 'docs/screenshots/case-page-ru.png', fullPage: true })
      await page.getByRole('button', { name: 'Подписаться' }).click()
      await expect.poll(() => page.locator('h1').textContent()).toBe('Проверьте почту')
      expect(await status('browser@lawfirm.kz')).toEqual(['pending'])

      const confirmation = await emailTo(h.config.mail.outboxDir, 'browser@lawfirm.kz', /courtbell/)
      expect(confirmation).toContain('Здравствуйте, Асель Нурланова!')
      await page.goto(base + linkIn(confirmation, '/subscriptions/confirm'))
      expect(await status('browser@lawfirm.kz')).toEqual(['pending'])
      await page.getByRole('button', { name: 'Подтвердить подписку' }).click()
      await expect.poll(() => page.locator('h1').textContent()).toBe('Подписка подтверждена')
      expect(await status('browser@lawfirm.kz')).toEqual(['active'])

      await page.getByRole('link', { name: 'Изменить настройки' }).click()
      const [sub] = await h.services.subscriptions.ofAddress('browser@lawfirm.kz')
      await page.getByLabel('за 2 часа').uncheck()
      await page.locator(`[id="${sub?.id}-timeZone"]`).fill('Europe/Berlin')
      await page.getByLabel('Сводка').selectOption('weekly')
      if (shots) await page.screenshot({ path: 'docs/screenshots/preferences-ru.png', fullPage: true })
      await page.getByRole('button', { name: 'Сохранить настройки' }).click()
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Настройки сохранены.')
      const [saved] = await h.services.subscriptions.ofAddress('browser@lawfirm.kz')
      expect(saved).toMatchObject({
        remindBefore: ['P1D'],
        timeZone: 'Europe/Berlin',
        digest: 'weekly',
        status: 'active',
      })

      await page.getByRole('button', { name: 'Отписаться от этой подписки' }).click()
      await expect.poll(() => status('browser@lawfirm.kz')).toEqual(['unsubscribed'])
    })
  })

  it("unsubscribes with the button behind an email's link", { timeout: 30_000 }, async () => {
    const staff = await h.auth('staff')
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/subscriptions`,
      headers: staff,
      payload: { email: 'welcomed@lawfirm.kz', language: 'kk' },
    })
    const welcome = await emailTo(h.config.mail.outboxDir, 'welcomed@lawfirm.kz', /жазылдыңыз/)
    expect(welcome).toContain('Сот қызметкерлері Сізді')
    await withPage(async (page) => {
      await page.goto(base + linkIn(welcome, '/unsubscribe'))
      expect(await status('welcomed@lawfirm.kz')).toEqual(['active'])
      await page.getByRole('button', { name: 'Жазылымнан бас тарту' }).click()
      await expect.poll(() => page.locator('h1').textContent()).toBe('Жазылымнан бас тартылды')
      expect(await status('welcomed@lawfirm.kz')).toEqual(['unsubscribed'])
    })
  })

  it('subscribes with the keyboard alone', { timeout: 30_000 }, async () => {
    await withPage(async (page) => {
      await page.goto(`${base}/c/${caseId}?lang=kk`)
      const focused = () => page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName)
      const tabTo = async (id: string) => {
        for (let i = 0; i < 30 && (await focused()) !== id; i++) await page.keyboard.press('Tab')
        expect(await focused()).toBe(id)
      }
      await tabTo('email')
      await page.keyboard.type('keys@lawfirm.kz')
      await page.keyboard.press('Tab')
      expect(await focused()).toBe('name')
      await page.keyboard.type('Ерлан')
      await tabTo('remind-PT2H')
      await page.keyboard.press('Space')
      await tabTo('language')
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Жазылу')
      await page.keyboard.press('Enter')
      await expect.poll(() => page.locator('h1').textContent()).toBe('Поштаңызды тексеріңіз')
      const [sub] = await h.services.subscriptions.ofAddress('keys@lawfirm.kz')
      expect(sub).toMatchObject({
        status: 'pending',
        name: 'Ерлан',
        remindBefore: ['P7D', 'P1D'],
        language: 'kk',
      })
    })
  })
})

describe('accessibility', () => {
  it('axe-core is awake: it reports an unlabelled field and a page without a language', async () => {
    await withPage(async (page) => {
      await page.setContent('<!doctype html><html><head><title>x</title></head><body><input></body></html>')
      const ids = (await axeViolations(page)).map((v) => v.id)
      expect(ids).toContain('html-has-lang')
      expect(ids).toContain('label')
    })
  })

  it('axe-core finds no WCAG 2.1 A/AA violation on any page, in any language', {
    timeout: 300_000,
  }, async () => {
    const staff = await h.auth('staff')
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/subscriptions`,
      headers: staff,
      payload: { email: 'axe@lawfirm.kz' },
    })
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/subscriptions`,
      payload: { email: 'axe-pending@lawfirm.kz' },
    })
    const [active] = await h.services.subscriptions.ofAddress('axe@lawfirm.kz')
    const [pending] = await h.services.subscriptions.ofAddress('axe-pending@lawfirm.kz')
    const t = h.services.tokens
    const found: string[] = []
    await withPage(
      async (page) => {
        for (const lang of LANGUAGES) {
          const visits: [string, () => Promise<unknown>][] = [
            ['case', () => page.goto(`${base}/c/${caseId}?lang=${lang}`)],
            [
              'form error',
              async () => {
                await page.goto(`${base}/c/${caseId}?lang=${lang}`)
                await page.fill('#email', 'not an address')
                await page.evaluate(() => document.querySelector('form')?.setAttribute('novalidate', ''))
                await page.locator('form button[type=submit]').click()
              },
            ],
            [
              'check your inbox',
              async () => {
                await page.goto(`${base}/c/${caseId}?lang=${lang}`)
                await page.fill('#email', `axe-${lang}@lawfirm.kz`)
                await page.locator('form button[type=submit]').click()
              },
            ],
            [
              'confirm',
              () =>
                page.goto(
                  `${base}/subscriptions/confirm?token=${t.issue(pending?.id as string, 'confirm')}&lang=${lang}`,
                ),
            ],
            [
              'unsubscribe',
              () =>
                page.goto(
                  `${base}/unsubscribe?token=${t.issue(active?.id as string, 'unsubscribe')}&lang=${lang}`,
                ),
            ],
            [
              'preferences',
              () =>
                page.goto(`${base}/preferences?token=${t.issuePreferences('axe@lawfirm.kz')}&lang=${lang}`),
            ],
            [
              'invalid link',
              () => page.goto(`${base}/subscriptions/confirm?token=nonsense-token&lang=${lang}`),
            ],
            ['not found', () => page.goto(`${base}/c/case_missing?lang=${lang}`)],
          ]
          for (const [name, visit] of visits) {
            await visit()
            await page.waitForLoadState('load')
            expect(await page.getAttribute('html', 'lang'), `${name} ${lang}`).toBe(lang)
            for (const v of await axeViolations(page))
              found.push(
                `${name} (${lang}): ${v.id} — ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
              )
            if (shots && lang === 'en')
              await page.screenshot({
                path: `docs/screenshots/${name.replace(/ /g, '-')}-en.png`,
                fullPage: true,
              })
          }
        }
        // Pressing the buttons too: the pages after confirming and unsubscribing.
        await page.goto(
          `${base}/subscriptions/confirm?token=${t.issue(pending?.id as string, 'confirm')}&lang=kk`,
        )
        await page.locator('form button[type=submit]').click()
        await page.waitForLoadState('load')
        for (const v of await axeViolations(page)) found.push(`confirmed (kk): ${v.id} — ${v.help}`)
        await page.goto(`${base}/unsubscribe?token=${t.issue(active?.id as string, 'unsubscribe')}&lang=ru`)
        await page.locator('form button[type=submit]').click()
        await page.waitForLoadState('load')
        for (const v of await axeViolations(page)) found.push(`unsubscribed (ru): ${v.id} — ${v.help}`)
      },
      { bypassCSP: true },
    )
    expect(found).toEqual([])
  })

  it('the stylesheet is the only style and no script runs: the CSP holds in the browser', {
    timeout: 30_000,
  }, async () => {
    await withPage(async (page) => {
      const blocked: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error') blocked.push(m.text())
      })
      const res = await page.goto(`${base}/c/${caseId}`)
      expect(res?.headers()['content-security-policy']).toContain("default-src 'none'")
      // The stylesheet applied: the page's main has its white panel.
      expect(
        await page.evaluate(
          () => getComputedStyle(document.querySelector('main') as Element).backgroundColor,
        ),
      ).toBe('rgb(255, 255, 255)')
      expect(blocked).toEqual([])
      expect(await page.title()).toBe(`${bilash.case.title} — courtbell`)
    })
  })
})
