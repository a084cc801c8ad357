import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, type Harness, startHarness } from '../helpers/harness.js'

/**
 * Bull Board in a real browser (Debian's Chromium): the page renders its queues under the policy its routes
 * send, with no Content-Security-Policy violation. Nothing but loopback is reached (Google Fonts is refused).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let h: Harness
let browser: Browser | undefined
let base: string
beforeAll(async () => {
  h = await startHarness({ name: 'queue-board-browser' })
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`
}, 30_000)
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

describe('/admin/queues in a browser', () => {
  it.runIf(existsSync(CHROMIUM))(
    'shows every queue, and the page breaks no rule of its policy',
    async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      })
      const context = await browser.newContext({ httpCredentials: { username: 'ops', password: ADMIN_KEY } })
      await context.route('**/*', (route) =>
        new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
      )
      const page = await context.newPage()
      const violations: string[] = []
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text())
      })
      page.on('pageerror', (err) => violations.push(`page error: ${err.message}`))
      const res = await page.goto(`${base}/admin/queues`)
      expect(res?.status()).toBe(200)
      for (const queue of ['reminders', 'events', 'email', 'webhook'])
        await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 15_000 })
      expect(violations).toEqual([])
    },
    60_000,
  )
})
