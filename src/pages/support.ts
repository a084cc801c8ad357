import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  isLanguage,
  LANGUAGES,
  type Language,
  type Messages,
  messagesFor,
  negotiateLanguage,
} from '../i18n/index.js'

/** Templates and the stylesheet sit beside this file in src/; a build in dist/ reads them from src/. */
function asset(dir: string): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const local = join(here, dir)
  return existsSync(local) ? local : resolve(here, '../../../src/pages', dir)
}

/** No script at all, styles from our own stylesheet only, forms post back here only. */
export function pageCsp(https: boolean): string {
  return [
    "default-src 'none'",
    "object-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ')
}

/**
 * Registers the template engine and the stylesheet on the root instance (so the not-found handler can
 * render a page too). Eta escapes every `<%= %>` output; templates get view models, never store records.
 */
async function pageSupport(app: FastifyInstance) {
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true, autoTrim: false }) },
    templates: asset('views'),
    production: true,
  })
  await app.register(fastifyStatic, {
    root: asset('static'),
    prefix: '/assets/',
    maxAge: '1d',
    schemaHide: true,
  })
}
// Like fastify-plugin: what pageSupport registers is visible to the whole app, not only to its children.
Object.assign(pageSupport, { [Symbol.for('skip-override')]: true })

export { pageSupport }

/** A page's language: ?lang=, else the reader's (a subscriber's), else Accept-Language, else the fallback. */
export function pageLanguage(
  req: FastifyRequest,
  opts: { reader?: Language | undefined; fallback?: Language | undefined } = {},
): Language {
  const asked = (req.query as { lang?: unknown } | undefined)?.lang
  if (isLanguage(asked)) return asked
  return opts.reader ?? negotiateLanguage(req.headers['accept-language']) ?? opts.fallback ?? 'en'
}

export type Layout = {
  lang: Language
  t: Messages
  title: string
  languages: { code: Language; name: string; href: string; current: boolean }[]
}

/** What every page's layout needs; `here` is the page's own address, to which ?lang= is added. */
export function layout(lang: Language, title: string, here: string, hasErrors = false): Layout {
  const t = messagesFor(lang)
  const url = new URL(here, 'http://page.invalid')
  return {
    lang,
    t,
    title: hasErrors ? `${t['page.errorPrefix']}: ${title}` : title,
    languages: LANGUAGES.map((code) => {
      url.searchParams.set('lang', code)
      return {
        code,
        name: messagesFor(code)['language.name'],
        href: url.pathname + url.search,
        current: code === lang,
      }
    }),
  }
}

export type MessagePage = {
  heading: string
  paragraphs: string[]
  action?: { href: string; label: string }
  links?: { href: string; label: string }[]
}

export function renderPage(app: FastifyInstance, template: string, model: object): Promise<string> {
  return app.view(template, model) as Promise<string>
}

/** A short page: a heading, a few paragraphs, perhaps one button, perhaps links. */
export async function sendMessage(
  reply: FastifyReply,
  status: number,
  lang: Language,
  here: string,
  page: MessagePage,
) {
  const html = await renderPage(reply.server, 'message.eta', {
    ...layout(lang, page.heading, here),
    links: [],
    ...page,
  })
  // Pages outside pageRoutes (the not-found page) need the pages' policy too, not the API's.
  reply.header('content-security-policy', pageCsp(reply.request.protocol === 'https'))
  return reply.code(status).type('text/html; charset=utf-8').send(html)
}

export function invalidLinkPage(reply: FastifyReply, lang: Language, here: string) {
  const t = messagesFor(lang)
  return sendMessage(reply, 400, lang, here, {
    heading: t['invalid.title'],
    paragraphs: [t['invalid.body']],
  })
}

export function notFoundPage(reply: FastifyReply, lang: Language, here: string) {
  const t = messagesFor(lang)
  return sendMessage(reply, 404, lang, here, {
    heading: t['notFound.title'],
    paragraphs: [t['notFound.body']],
  })
}

/** Whether a request is a person's browser asking for a page (not an API client wanting a problem). */
export const wantsPage = (req: FastifyRequest) =>
  !req.url.startsWith('/v1/') && (req.headers.accept ?? '').includes('text/html')
