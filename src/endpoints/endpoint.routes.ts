import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Config } from '../../config/index.js'
import { visibleTo } from '../cases/case.routes.js'
import type { CaseStore } from '../cases/case.store.js'
import type { FanOut } from '../deliveries/fanout.js'
import { type EventRecord, WEBHOOK_EVENT_TYPES } from '../events/event.js'
import { named } from '../http/openapi.js'
import { IdParams, Page, PageQuery, Problem } from '../http/schema.js'
import { type Principal, STAFF_OR_PARTNER } from '../keys/auth.js'
import { badRequest, conflict } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Logger } from '../platform/logger.js'
import type { Store } from '../platform/store.js'
import type { Scheduler } from '../reminders/scheduler.js'
import { normalizeRemindBefore } from '../subscriptions/subscription.service.js'
import { checkWebhookUrl } from '../webhooks/address-guard.js'
import {
  Endpoint,
  EndpointCreate,
  EndpointCreated,
  type EndpointPatch,
  EndpointPatch as EndpointPatchSchema,
  type EndpointRecord,
  SecretView,
} from './endpoint.schema.js'
import { type EndpointStore, endpointView } from './endpoint.store.js'
import { enabling, mustOwnEndpoint } from './ownership.js'

type Options = {
  store: Store
  endpoints: EndpointStore
  cases: CaseStore
  scheduler: Scheduler
  fanOut: FanOut
  config: Pick<Config, 'webhooks' | 'reminders'>
  log: Logger
}

const TestAccepted = Type.Object({ eventId: Type.String(), deliveryId: Type.String() })
named(TestAccepted, 'WebhookTestAccepted', 'The test event and its delivery, to follow in /v1/deliveries')

export const endpointRoutes: FastifyPluginAsyncTypebox<Options> = async (app, opts) => {
  const { store, endpoints, cases, scheduler, fanOut, config, log } = opts

  async function checkUrl(url: string) {
    const check = await checkWebhookUrl(url, {
      allowPrivate: config.webhooks.allowPrivate,
      requireHttps: config.webhooks.requireHttps,
    })
    if (!check.ok) throw badRequest(`url: ${check.reason}`, [{ path: '/url', message: check.reason }])
  }

  async function checkCases(principal: Principal | null, caseIds: readonly string[] | null | undefined) {
    for (const [i, id] of (caseIds ?? []).entries())
      if (!visibleTo(principal, await cases.get(id)))
        throw badRequest(`caseIds[${i}]: case ${id} does not exist`, [
          { path: `/caseIds/${i}`, message: 'unknown case' },
        ])
  }

  const mustOwn = (principal: Principal | null, id: string) => mustOwnEndpoint(endpoints, principal, id)

  async function replan(endpoint: EndpointRecord) {
    if (!endpoint.eventTypes.includes('hearing.reminder')) return
    try {
      await scheduler.syncUpcoming(endpoint.caseIds)
    } catch (err) {
      log.warn({ err, endpointId: endpoint.id }, 'scheduling deferred to the reconciler')
    }
  }

  const tags = ['webhook endpoints']
  const access = STAFF_OR_PARTNER

  app.post(
    '/v1/webhook-endpoints',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description:
          'Registers a URL that receives signed webhooks for the cases and event types given (default: every case the key may see, every type). The signing secret is returned here only. URLs must be https in production and may not resolve to private addresses.',
        body: EndpointCreate,
        response: { 201: EndpointCreated },
      },
    },
    async (req, reply) => {
      await checkUrl(req.body.url)
      await checkCases(req.principal, req.body.caseIds)
      const record = await endpoints.create(
        {
          url: req.body.url,
          description: req.body.description ?? null,
          eventTypes: req.body.eventTypes ?? [...WEBHOOK_EVENT_TYPES],
          caseIds: req.body.caseIds ?? null,
          remindBefore: normalizeRemindBefore(req.body.remindBefore, config.reminders.defaultRemindBefore),
          contactEmail: req.body.contactEmail ?? null,
        },
        req.principal as Principal,
      )
      await replan(record)
      return reply.code(201).send({ ...endpointView(record), secret: record.secrets[0]?.secret as string })
    },
  )

  app.get(
    '/v1/webhook-endpoints',
    {
      config: { access },
      schema: {
        tags,
        summary: 'List webhook endpoints',
        description: 'Endpoints, newest first; a partner key sees its own only.',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(Endpoint) },
      },
    },
    async (req) => {
      const ownerKeyId = req.principal?.scope === 'partner' ? req.principal.id : undefined
      const page = await endpoints.list({
        ownerKeyId,
        limit: req.query.limit ?? 50,
        cursor: req.query.cursor,
      })
      return { items: page.items.map(endpointView), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Get a webhook endpoint',
        description: 'One endpoint (never its secret).',
        params: IdParams,
        response: { 200: Endpoint },
      },
    },
    async (req) => endpointView(await mustOwn(req.principal, req.params.id)),
  )

  app.patch(
    '/v1/webhook-endpoints/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Change a webhook endpoint',
        description:
          'Changes the fields given; a new `remindBefore` re-plans the reminders of the hearings it follows.',
        params: IdParams,
        body: EndpointPatchSchema,
        response: { 200: Endpoint },
      },
    },
    async (req) => {
      const current = await mustOwn(req.principal, req.params.id)
      const patch: EndpointPatch = req.body
      if (patch.url !== undefined) await checkUrl(patch.url)
      await checkCases(req.principal, patch.caseIds)
      const next = await endpoints.update(current, {
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.eventTypes !== undefined ? { eventTypes: patch.eventTypes } : {}),
        ...(patch.caseIds !== undefined ? { caseIds: patch.caseIds } : {}),
        ...(patch.remindBefore !== undefined
          ? { remindBefore: normalizeRemindBefore(patch.remindBefore, []) }
          : {}),
        ...(patch.contactEmail !== undefined ? { contactEmail: patch.contactEmail } : {}),
        ...(patch.enabled !== undefined ? enabling(current, patch.enabled) : {}),
      })
      await replan(next)
      return endpointView(next)
    },
  )

  app.delete(
    '/v1/webhook-endpoints/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'The endpoint gets nothing more; its deliveries stay on record.',
        params: IdParams,
        response: { 204: { type: 'null' } },
      },
    },
    async (req, reply) => {
      await endpoints.remove((await mustOwn(req.principal, req.params.id)).id)
      return reply.code(204).send()
    },
  )

  app.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description: 'For 24 h deliveries are signed with both the new and the old secret.',
        params: IdParams,
        response: { 200: SecretView },
      },
    },
    async (req) => {
      const { secret } = await endpoints.rotateSecret(await mustOwn(req.principal, req.params.id))
      return { secret }
    },
  )

  app.post(
    '/v1/webhook-endpoints/:id/test',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Send a test webhook',
        description: 'Delivers a webhook.test event; 409 when the endpoint is disabled.',
        params: IdParams,
        response: { 202: TestAccepted, 409: Problem },
      },
    },
    async (req, reply) => {
      const endpoint = await mustOwn(req.principal, req.params.id)
      if (!endpoint.enabled)
        throw conflict(`Webhook endpoint ${endpoint.id} is disabled; PATCH {"enabled": true} first`)
      const event: EventRecord = {
        id: newId('evt'),
        type: 'webhook.test',
        timestamp: new Date().toISOString(),
        hearingId: null,
        caseId: null,
        data: { hearing: null, case: null, endpointId: endpoint.id },
      }
      await store.redis.set(store.keys.record(event.id), JSON.stringify(event))
      const [delivery] = await fanOut.enqueue(event, { subscriptions: [], endpoints: [endpoint] })
      return reply.code(202).send({ eventId: event.id, deliveryId: delivery?.id as string })
    },
  )
}
