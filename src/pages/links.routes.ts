import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { CaseStore } from '../cases/case.store.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import { type Language, messagesFor } from '../i18n/index.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import type { SubscriptionService } from '../subscriptions/subscription.service.js'
import type { Tokens } from '../subscriptions/tokens.js'
import { htmlResponses, TokenLangQuery } from './schemas.js'
import { invalidLinkPage, pageLanguage, sendMessage } from './support.js'

type Options = {
  service: SubscriptionService
  tokens: Tokens
  cases: CaseStore
  hearings: HearingStore
}

/** The links in emails: GET shows a button and changes nothing (mail scanners prefetch); POST acts. */
export const linkRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { service, tokens, cases, hearings },
) => {
  /** “the hearing “…”” or “every hearing of the case “…””, in the reader's language. */
  async function what(sub: Subscription, lang: Language): Promise<string> {
    const t = messagesFor(lang)
    const hearing = sub.hearingId ? await hearings.get(sub.hearingId) : undefined
    if (hearing) return t['what.hearing']({ title: hearing.title })
    const kase = await cases.get(sub.caseId ?? '')
    return t['what.case']({ title: kase?.title ?? '' })
  }
  const preferencesLink = (sub: Subscription, lang: Language) => ({
    href: `/preferences?token=${encodeURIComponent(tokens.issuePreferences(sub.email))}&lang=${lang}`,
    label: messagesFor(lang)['prefs.link'],
  })
  const page = (summary: string, description: string, codes: Record<number, string>) => ({
    config: { access: 'public' as const },
    schema: {
      tags: ['pages'],
      security: [],
      summary,
      description,
      querystring: TokenLangQuery,
      response: htmlResponses(codes),
    },
  })

  app.get(
    '/subscriptions/confirm',
    page(
      'The confirmation link: a page with a Confirm button',
      'Shows what the subscription is for and a Confirm button; changes nothing (a mail scanner that prefetches the link confirms no one).',
      {
        200: 'The page with the button',
        400: 'The link is not valid (forged, expired, used for something else, or its subscription ended)',
      },
    ),
    async (req, reply) => {
      const sub = await service.peekConfirm(req.query.token)
      const lang = pageLanguage(req, { reader: sub?.language })
      if (!sub) return invalidLinkPage(reply, lang, req.url)
      const t = messagesFor(lang)
      return sendMessage(reply, 200, lang, req.url, {
        heading: t['confirm.title'],
        paragraphs: [t['confirm.body']({ email: sub.email, what: await what(sub, lang) })],
        action: {
          href: `/subscriptions/confirm?token=${encodeURIComponent(req.query.token)}&lang=${lang}`,
          label: t['confirm.button'],
        },
      })
    },
  )

  app.post(
    '/subscriptions/confirm',
    page(
      'Confirm a subscription',
      'The Confirm button’s form (or any POST): activates the subscription and answers a page saying so.',
      { 200: 'Confirmed', 400: 'The link is not valid' },
    ),
    async (req, reply) => {
      const sub = await service.confirm(req.query.token)
      const lang = pageLanguage(req, { reader: sub?.language })
      if (!sub) return invalidLinkPage(reply, lang, req.url)
      const t = messagesFor(lang)
      return sendMessage(reply, 200, lang, req.url, {
        heading: t['confirmed.title'],
        paragraphs: [t['confirmed.body']({ email: sub.email, what: await what(sub, lang) })],
        links: [preferencesLink(sub, lang)],
      })
    },
  )

  app.get(
    '/unsubscribe',
    page(
      'The unsubscribe link: a page with an Unsubscribe button',
      'Shows what would stop and an Unsubscribe button; changes nothing.',
      {
        200: 'The page with the button (or, once unsubscribed, a page saying so)',
        400: 'The link is not valid',
      },
    ),
    async (req, reply) => {
      const sub = await service.peekUnsubscribe(req.query.token)
      const lang = pageLanguage(req, { reader: sub?.language })
      if (!sub) return invalidLinkPage(reply, lang, req.url)
      const t = messagesFor(lang)
      const subject = { email: sub.email, what: await what(sub, lang) }
      if (sub.status === 'unsubscribed')
        return sendMessage(reply, 200, lang, req.url, {
          heading: t['unsubscribed.title'],
          paragraphs: [t['unsubscribed.body'](subject)],
        })
      return sendMessage(reply, 200, lang, req.url, {
        heading: t['unsubscribe.title'],
        paragraphs: [t['unsubscribe.body'](subject)],
        action: {
          href: `/unsubscribe?token=${encodeURIComponent(req.query.token)}&lang=${lang}`,
          label: t['unsubscribe.button'],
        },
      })
    },
  )

  app.post(
    '/unsubscribe',
    page(
      'Unsubscribe (RFC 8058 one-click)',
      'The Unsubscribe button’s form, or a mail client’s one-click POST (List-Unsubscribe=One-Click, form-encoded or multipart; the body is ignored). Answers 200 with a page.',
      { 200: 'Unsubscribed', 400: 'The link is not valid' },
    ),
    async (req, reply) => {
      const sub = await service.unsubscribe(req.query.token)
      const lang = pageLanguage(req, { reader: sub?.language })
      if (!sub) return invalidLinkPage(reply, lang, req.url)
      const t = messagesFor(lang)
      return sendMessage(reply, 200, lang, req.url, {
        heading: t['unsubscribed.title'],
        paragraphs: [t['unsubscribed.body']({ email: sub.email, what: await what(sub, lang) })],
        links: [preferencesLink(sub, lang)],
      })
    },
  )
}
