import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import type { CaseStore } from '../cases/case.store.js'
import type { DeadlineStore } from '../deadlines/deadline.store.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import { formatInstant } from '../i18n/format.js'
import { isLanguage, type Language, messagesFor } from '../i18n/index.js'
import { AppError } from '../platform/errors.js'
import type { SubscriptionService } from '../subscriptions/subscription.service.js'
import { caseView, emptyForm, type SubscribeForm } from './case.view.js'
import { htmlResponses } from './schemas.js'
import { layout, notFoundPage, pageLanguage, renderPage, sendMessage } from './support.js'

type Options = {
  cases: CaseStore
  hearings: HearingStore
  deadlines: Pick<DeadlineStore, 'list'>
  service: SubscriptionService
  /** How long a rendered case page is reused in this process (a burst of visitors costs one render). */
  pageCacheMs: number
}

const CaseParams = Type.Object({ caseId: Type.String({ minLength: 1, maxLength: 100 }) })
const LangQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 10 })) })
const SubscribeBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 1000 })),
    name: Type.Optional(Type.String({ maxLength: 1000 })),
    remindBefore: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 20 })])),
    language: Type.Optional(Type.String({ maxLength: 10 })),
  },
  { description: 'The subscribe form, application/x-www-form-urlencoded' },
)

/** Shared caches in front of the page (a CDN) may keep it a minute; browsers revalidate with the ETag. */
export const CASE_PAGE_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300'
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/

export const casePageRoutes: FastifyPluginAsyncTypebox<Options> = async (app, opts) => {
  const { cases, hearings, deadlines, service } = opts
  const rendered = new Map<string, { html: string; etag: string; expires: number }>()

  async function publicCase(caseId: string) {
    const kase = await cases.get(caseId)
    return kase?.visibility === 'public' ? kase : undefined
  }

  async function renderCase(caseId: string, lang: Language, form: SubscribeForm) {
    const kase = await publicCase(caseId)
    if (!kase) return undefined
    const now = new Date()
    const [{ items }, open] = await Promise.all([
      hearings.list({ caseId: kase.id, limit: 200 }),
      deadlines.list({ caseId: kase.id, status: 'open', from: now.toISOString(), limit: 50 }),
    ])
    const view = caseView(kase, items, {
      lang,
      now,
      form,
      deadlines: open.items.map((d) => ({
        title: d.title,
        dueOn: d.dueOn,
        due: formatInstant(d.dueAtUtc, d.timeZone, lang, { weekday: true }),
      })),
    })
    const hasErrors = Object.keys(form.errors).length > 0
    return renderPage(app, 'case.eta', {
      ...layout(lang, kase.title, `/c/${encodeURIComponent(kase.id)}`, hasErrors),
      ...view,
    })
  }

  app.get(
    '/c/:caseId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['pages'],
        security: [],
        summary: 'A public case, with its subscribe form',
        description:
          'An HTML page: the case, its upcoming hearings and open deadlines with local times, past outcomes, the calendar link and a form to subscribe by email. In ?lang= (en, ru, kk), else the Accept-Language. Answers If-None-Match with 304; cacheable by a CDN for a minute.',
        params: CaseParams,
        querystring: LangQuery,
        response: htmlResponses({ 200: 'The case page', 304: 'Not modified', 404: 'No public case here' }),
      },
    },
    async (req, reply) => {
      const lang = pageLanguage(req)
      const key = `${req.params.caseId}|${lang}`
      const now = Date.now()
      let page = rendered.get(key)
      if (!page || page.expires <= now) {
        const html = await renderCase(req.params.caseId, lang, emptyForm(lang))
        if (html === undefined) return notFoundPage(reply, lang, req.url)
        page = {
          html,
          etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`,
          expires: now + opts.pageCacheMs,
        }
        if (rendered.size > 1000) rendered.clear()
        rendered.set(key, page)
      }
      reply
        .header('cache-control', CASE_PAGE_CACHE_CONTROL)
        .header('vary', 'Accept-Language')
        .header('etag', page.etag)
      if (etagMatches(req.headers['if-none-match'], page.etag)) return reply.code(304).send()
      return reply.type('text/html; charset=utf-8').send(page.html)
    },
  )

  app.post(
    '/c/:caseId/subscribe',
    {
      config: { access: 'public' },
      schema: {
        tags: ['pages'],
        security: [],
        summary: 'Subscribe to a public case from its page',
        description:
          'The case page’s form (application/x-www-form-urlencoded: email, name, remindBefore repeated, language). Asks for a confirmation by email exactly like a self-service API subscription to the case (double opt-in, the same rate limits) and answers a “check your inbox” page; a mistake answers the form again with the error next to the field.',
        params: CaseParams,
        querystring: LangQuery,
        body: SubscribeBody,
        response: htmlResponses({
          200: 'Check your inbox',
          400: 'The form again, with what to correct',
          404: 'No public case here',
          429: 'Too many requests from this address',
        }),
      },
    },
    async (req, reply) => {
      const lang = pageLanguage(req)
      const kase = await publicCase(req.params.caseId)
      if (!kase) return notFoundPage(reply, lang, req.url)
      const form = readForm(req.body ?? {}, lang)
      const t = messagesFor(lang)
      if (!EMAIL.test(form.email) || form.email.length > 254) form.errors.email = t['error.email']
      if (form.remindBefore.length === 0) form.errors.remindBefore = t['error.reminders']
      if (Object.keys(form.errors).length === 0) {
        try {
          await service.subscribe(
            { kind: 'case', caseId: kase.id },
            kase,
            undefined,
            {
              email: form.email,
              name: form.name || null,
              remindBefore: [...form.remindBefore],
              language: form.language,
            },
            { principal: null, ip: req.ip, acceptLanguage: req.headers['accept-language'] },
          )
          return inboxPage(reply, lang, kase.id, form.email)
        } catch (err) {
          if (!(err instanceof AppError) || err.status !== 400) throw err
          form.errors.remindBefore = t['error.reminders']
        }
      }
      const html = await renderCase(kase.id, lang, form)
      return reply.code(400).type('text/html; charset=utf-8').send(html)
    },
  )

  function inboxPage(reply: FastifyReply, lang: Language, caseId: string, email: string) {
    const t = messagesFor(lang)
    const caseUrl = `/c/${encodeURIComponent(caseId)}`
    return sendMessage(reply, 200, lang, caseUrl, {
      heading: t['inbox.title'],
      paragraphs: [t['inbox.body']({ email }), t['inbox.spam']],
      links: [{ href: `${caseUrl}?lang=${lang}`, label: t['inbox.back'] }],
    })
  }
}

function readForm(body: Record<string, unknown>, lang: Language): SubscribeForm {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '')
  const raw = body.remindBefore
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return {
    email: text(body.email),
    name: text(body.name).slice(0, 200),
    remindBefore: [...new Set(list.filter((v): v is string => typeof v === 'string'))],
    language: isLanguage(body.language) ? body.language : lang,
    errors: {},
  }
}

/** RFC 9110 §13.1.2: a weak comparison; `*` matches any current representation. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}
