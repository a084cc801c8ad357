import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { visibleTo } from '../cases/case.routes.js'
import type { CaseStore } from '../cases/case.store.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import { problemResponses } from '../http/openapi.js'
import { IdParams, Page } from '../http/schema.js'
import { STAFF } from '../keys/auth.js'
import { forbidden, notFound } from '../platform/errors.js'
import {
  type Subscription,
  SubscriptionCreate,
  SubscriptionListQuery,
  SubscriptionView,
} from './subscription.schema.js'
import type { SubscriptionService } from './subscription.service.js'
import type { SubscriptionStore } from './subscription.store.js'

type Options = {
  subscriptions: SubscriptionStore
  service: SubscriptionService
  hearings: HearingStore
  cases: CaseStore
  /** The private calendar feed of a subscription (src/calendar). */
  feedUrl: (subscriptionId: string) => string
}

const created = { 200: SubscriptionView, 201: SubscriptionView, 202: SubscriptionView }

export const subscriptionRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { subscriptions, service, hearings, cases, feedUrl },
) => {
  const view = (sub: Subscription) => ({ ...sub, feedUrl: feedUrl(sub.id) })

  const subscribeOptions = (tag: string) => ({
    config: { access: 'optional' as const },
    schema: {
      tags: ['subscriptions'],
      summary: `Subscribe an email to a ${tag}`,
      description: `${tag === 'case' ? 'Covers every hearing of the case, present and future. ' : ''}With a staff key: 201 active (200 when the email already follows this ${tag}). Without a key: 202 pending, and a confirmation email.`,
      params: IdParams,
      body: SubscriptionCreate,
      response: { ...created, ...problemResponses(403) },
    },
  })

  app.post('/v1/hearings/:id/subscriptions', subscribeOptions('hearing'), async (req, reply) => {
    if (req.principal?.scope === 'partner') throw forbidden('A partner key may not manage subscriptions')
    const hearing = await hearings.get(req.params.id)
    const kase = hearing && (await cases.get(hearing.caseId))
    if (!hearing || !visibleTo(req.principal, kase)) throw notFound('Hearing', req.params.id)
    const result = await service.subscribe(
      { kind: 'hearing', hearingId: hearing.id },
      kase,
      hearing,
      req.body,
      { principal: req.principal, ip: req.ip, acceptLanguage: req.headers['accept-language'] },
    )
    return reply.code(result.status).send(view(result.subscription))
  })

  app.post('/v1/cases/:id/subscriptions', subscribeOptions('case'), async (req, reply) => {
    if (req.principal?.scope === 'partner') throw forbidden('A partner key may not manage subscriptions')
    const kase = await cases.get(req.params.id)
    if (!visibleTo(req.principal, kase)) throw notFound('Case', req.params.id)
    const result = await service.subscribe({ kind: 'case', caseId: kase.id }, kase, undefined, req.body, {
      principal: req.principal,
      ip: req.ip,
      acceptLanguage: req.headers['accept-language'],
    })
    return reply.code(result.status).send(view(result.subscription))
  })

  app.get(
    '/v1/subscriptions',
    {
      config: { access: STAFF },
      schema: {
        tags: ['subscriptions'],
        summary: 'List subscriptions',
        description: 'Subscriptions of a hearing, a case or an email address. Staff only.',
        querystring: SubscriptionListQuery,
        response: { 200: Page(SubscriptionView) },
      },
    },
    async (req) => {
      const page = await subscriptions.list({ ...req.query, limit: req.query.limit ?? 50 })
      return { ...page, items: page.items.map(view) }
    },
  )

  app.delete(
    '/v1/subscriptions/:id',
    {
      config: { access: STAFF },
      schema: {
        tags: ['subscriptions'],
        summary: 'Delete a subscription',
        description: 'The address gets nothing more from this subscription. Staff only.',
        params: IdParams,
        response: { 204: { type: 'null' } },
      },
    },
    async (req, reply) => {
      const sub = await subscriptions.get(req.params.id)
      if (!sub) throw notFound('Subscription', req.params.id)
      await service.remove(sub)
      return reply.code(204).send()
    },
  )
}
