/// <reference lib="dom" />
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import { type Browser, chromium, type Page } from 'playwright-core'
import { eventually } from '../helpers/harness.js'

/** Debian's Chromium, headless, with nothing reaching out to the network on its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

export type AxeViolation = { id: string; impact: string; help: string; nodes: { target: string[] }[] }

/** axe-core's WCAG 2.1 A and AA rules on the page as it is now (the context must bypass the page's CSP). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: await readFile(axePath, 'utf8') })
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> }
      }
    ).axe
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }))
  })
}

/** The text of the newest email to `to` in the outbox whose subject matches. */
export async function emailTo(outboxDir: string, to: string, subject: RegExp): Promise<string> {
  return eventually(
    async () => {
      const files = (await readdir(outboxDir).catch(() => [] as string[])).sort().reverse()
      for (const file of files) {
        const mail = await simpleParser(await readFile(join(outboxDir, file)))
        if (mail.to && JSON.stringify(mail.to).includes(to) && subject.test(mail.subject ?? ''))
          return mail.text ?? ''
      }
      return undefined
    },
    15_000,
    `an email to ${to}`,
  )
}

/** The path and query of the first link to `path` in an email (the email's host is PUBLIC_BASE_URL, not ours). */
export function linkIn(text: string, path: string): string {
  const found = text.match(new RegExp(`https?://[^\\s/]+(${path.replace(/\//g, '\\/')}\\?token=[^\\s]+)`))
  if (!found?.[1]) throw new Error(`no ${path} link in:\n${text}`)
  return found[1]
}
