import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import { queueDelivery } from '../deliveries/fanout.js'
import { named } from '../http/openapi.js'
import { IdParams, Problem } from '../http/schema.js'
import { STAFF_OR_PARTNER } from '../keys/auth.js'
import { badRequest, conflict } from '../platform/errors.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import type { EndpointStore } from './endpoint.store.js'
import { mustOwnEndpoint } from './ownership.js'

/** How far back a replay may reach (API.md); failed jobs are kept as long (RETENTION). */
export const REPLAY_WINDOW_MS = 7 * 24 * 3600 * 1000

const ReplayRequest = Type.Object(
  {
    since: Type.String({
      format: 'date-time',
      description: 'Failed deliveries created at or after this instant; at most 7 days back',
    }),
  },
  { additionalProperties: false },
)
const ReplayAccepted = Type.Object({
  count: Type.Integer({ description: 'How many failed deliveries went back to pending' }),
})
named(ReplayAccepted, 'ReplayAccepted', 'How many failed deliveries go back to pending')

/** POST /v1/webhook-endpoints/:id/replay: failed deliveries go out again as themselves (same webhook-id). */
export const replayRoutes: FastifyPluginAsyncTypebox<{
  endpoints: Pick<EndpointStore, 'get'>
  deliveries: Pick<DeliveryStore, 'list' | 'setStatus'>
  queues: Pick<Queues, 'email' | 'webhook'>
  log: Logger
}> = async (app, { endpoints, deliveries, queues, log }) => {
  app.post(
    '/v1/webhook-endpoints/:id/replay',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['webhook endpoints'],
        summary: 'Replay failed deliveries',
        description:
          'Every failed delivery of the endpoint created since `since` goes back to pending and is delivered again as the same delivery record, with its original webhook-id. `since` more than 7 days back → 400; a disabled endpoint → 409 (re-enable it first).',
        params: IdParams,
        body: ReplayRequest,
        response: { 202: ReplayAccepted, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const endpoint = await mustOwnEndpoint(endpoints, req.principal, req.params.id)
      const since = Date.parse(req.body.since)
      if (since < Date.now() - REPLAY_WINDOW_MS)
        throw badRequest('since: at most 7 days back', [{ path: '/since', message: 'more than 7 days back' }])
      if (!endpoint.enabled)
        throw conflict(`Webhook endpoint ${endpoint.id} is disabled; PATCH {"enabled": true} first`)
      let count = 0
      let cursor: string | null = null
      const stamp = Date.now()
      do {
        const page: Awaited<ReturnType<typeof deliveries.list>> = await deliveries.list({
          endpointId: endpoint.id,
          channel: 'webhook',
          status: 'failed',
          since: new Date(since).toISOString(),
          limit: 200,
          cursor: cursor ?? undefined,
        })
        for (const delivery of page.items) {
          // A new job id: the failed job is kept under the old one.
          const jobId = `${delivery.id}_rp${stamp}`
          await deliveries.setStatus(delivery, 'pending', new Date().toISOString(), jobId)
          await queueDelivery(queues, delivery, jobId)
          count++
        }
        cursor = page.nextCursor
      } while (cursor !== null)
      log.info({ endpointId: endpoint.id, since: req.body.since, count }, 'deliveries replayed')
      return reply.code(202).send({ count })
    },
  )
}
