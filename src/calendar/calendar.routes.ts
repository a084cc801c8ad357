import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { visibleTo } from '../cases/case.routes.js'
import type { CaseStore } from '../cases/case.store.js'
import { problemResponses } from '../http/openapi.js'
import { IdParams } from '../http/schema.js'
import { STAFF_OR_PARTNER } from '../keys/auth.js'
import { notFound } from '../platform/errors.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'
import type { CalendarFeeds } from './feeds.js'

const CALENDAR_TYPE = 'text/calendar; charset=utf-8'

/** A 404 in this route's words; the other problems are the standard ones (src/http/openapi.ts). */
const notFoundAs = (description: string) => ({
  404: { ...problemResponses(404)[404], description },
})
const responses = {
  200: {
    description: 'An iCalendar feed (RFC 5545), with an ETag',
    content: { 'text/calendar': { schema: { type: 'string' } } },
  },
  304: { description: 'Not modified: If-None-Match holds the current ETag', type: 'null' },
}

/**
 * Calendar feeds: a case's, with a key or (public cases) without, and each subscription's private feed.
 * Calendar apps poll them: an unchanged feed answers 304 to the ETag they hold.
 */
export const calendarRoutes: FastifyPluginAsyncTypebox<{
  feeds: CalendarFeeds
  cases: CaseStore
  subscriptions: SubscriptionStore
}> = async (app, { feeds, cases, subscriptions }) => {
  app.get(
    '/v1/cases/:id/calendar.ics',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['calendars'],
        summary: "A case's calendar",
        description:
          'Every hearing and deadline of the case as iCalendar (staff; a partner for a public case). Cancelled items stay 30 days with STATUS:CANCELLED.',
        params: IdParams,
        response: { ...responses, ...notFoundAs('No such case, or one this key may not see') },
      },
    },
    async (req, reply) => {
      const kase = await cases.get(req.params.id)
      if (!visibleTo(req.principal, kase)) throw notFound('Case', req.params.id)
      reply.header('vary', 'authorization')
      return sendCalendar(req, reply, await feeds.ofCase(kase), 'private, no-cache')
    },
  )

  app.get(
    '/c/:caseId/calendar.ics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['calendars'],
        summary: "A public case's calendar, without a key",
        description:
          'The feed of /v1/cases/{id}/calendar.ics for a public case, for anyone to subscribe to. An internal or unknown case is 404.',
        params: Type.Object({ caseId: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { ...responses, ...notFoundAs('No such public case') },
      },
    },
    async (req, reply) => {
      const kase = await cases.get(req.params.caseId)
      if (!visibleTo(null, kase)) throw notFound('Case', req.params.caseId)
      return sendCalendar(req, reply, await feeds.ofCase(kase), 'public, max-age=300')
    },
  )

  app.get(
    '/calendar/:token.ics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['calendars'],
        summary: "A subscription's private calendar feed",
        description:
          "The feedUrl of a subscription, `<token>.ics`: what it follows (its hearing and the deadlines that hearing triggers, or its case's hearings and deadlines). No key: the signed token only reads this feed. 404 once the subscription is unsubscribed or deleted, and for a token that is not valid.",
        params: Type.Object({
          token: Type.String({ minLength: 1, maxLength: 1000, description: 'the signed feed token' }),
        }),
        response: { ...responses, ...notFoundAs('No such feed (or no longer)') },
      },
    },
    async (req, reply) => {
      const id = feeds.subscriptionOfFeed(req.params.token)
      const sub = id === undefined ? undefined : await subscriptions.get(id)
      // A pending subscription's feed starts working once it is confirmed.
      const body = sub?.status === 'active' ? await feeds.ofSubscription(sub) : undefined
      if (body === undefined) throw notFound('Calendar feed', `${req.params.token}.ics`)
      return sendCalendar(req, reply, body, 'private, max-age=300')
    },
  )
}

function sendCalendar(req: FastifyRequest, reply: FastifyReply, body: string, cacheControl: string) {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
  reply.header('etag', etag).header('cache-control', cacheControl)
  if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send()
  return reply.type(CALENDAR_TYPE).send(body)
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter; `*` matches any. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t.replace(/^W\//, '') === etag
  })
}
