import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError } from 'fastify'
import type { CaseStore } from '../cases/case.store.js'
import type { DeadlineStore } from '../deadlines/deadline.store.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import { messagesFor } from '../i18n/index.js'
import { AppError } from '../platform/errors.js'
import type { SubscriptionService } from '../subscriptions/subscription.service.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'
import type { Tokens } from '../subscriptions/tokens.js'
import { casePageRoutes } from './case.routes.js'
import { linkRoutes } from './links.routes.js'
import { preferencesRoutes } from './preferences.routes.js'
import { invalidLinkPage, notFoundPage, pageCsp, pageLanguage, sendMessage } from './support.js'

export type PageOptions = {
  cases: CaseStore
  hearings: HearingStore
  deadlines: Pick<DeadlineStore, 'list'>
  subscriptions: SubscriptionStore
  service: SubscriptionService
  tokens: Tokens
  publicBaseUrl: string
  pageCacheMs?: number
}

/**
 * The pages for people: the public case page and its form, the links in emails, preferences. Every answer
 * here is an HTML page, mistakes and failures included (never a problem document a browser cannot show).
 */
export const pageRoutes: FastifyPluginAsyncTypebox<PageOptions> = async (app, opts) => {
  const csp = pageCsp(opts.publicBaseUrl.startsWith('https:'))
  await app.register(formbody, { bodyLimit: 16 * 1024 })
  // RFC 8058 one-click unsubscribe may post multipart; its content does not matter.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'string', bodyLimit: 1024 },
    (_req, _body, done) => done(null, undefined),
  )
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', csp)
  })

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const lang = pageLanguage(req)
    if (err.validation) {
      // A link whose token is missing, cut short or padded is an invalid link, whatever the schema said.
      if (err.validationContext === 'querystring') return invalidLinkPage(reply, lang, req.url)
      // An id no case could have (too long, say) names no page.
      if (err.validationContext === 'params') return notFoundPage(reply, lang, req.url)
    }
    const t = messagesFor(lang)
    if (err instanceof AppError && err.status === 429) {
      if (err.headers) reply.headers(err.headers)
      return sendMessage(reply, 429, lang, req.url, {
        heading: t['failure.title'],
        paragraphs: [t['error.tooMany']],
      })
    }
    const status = err instanceof AppError ? err.status : (err.statusCode ?? 500)
    if (status >= 500) req.log.error({ err }, 'page failed')
    return sendMessage(reply, status >= 400 && status < 600 ? status : 500, lang, req.url, {
      heading: t['failure.title'],
      paragraphs: [status >= 500 ? t['failure.body'] : t['invalid.body']],
    })
  })

  await app.register(casePageRoutes, {
    cases: opts.cases,
    hearings: opts.hearings,
    deadlines: opts.deadlines,
    service: opts.service,
    pageCacheMs: opts.pageCacheMs ?? 1000,
  })
  await app.register(linkRoutes, opts)
  await app.register(preferencesRoutes, opts)
}
