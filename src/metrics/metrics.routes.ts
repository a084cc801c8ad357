import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import { Problem } from '../http/schema.js'
import type { KeyStore } from '../keys/key.store.js'
import type { Queues } from '../platform/queues.js'
import { observeHttpRequest, registry } from './metrics.js'
import { bearerOf, mustBeOperator } from './operator-access.js'
import { readQueueGauges } from './scrape.js'

type Options = {
  keys: Pick<KeyStore, 'authenticate'>
  queues: Queues
  deliveries: Pick<DeliveryStore, 'overdue'>
  metricsToken: string | undefined
}

/** GET /metrics: Prometheus text format, for the METRICS_TOKEN or an admin key. */
export const metricsRoutes: FastifyPluginAsyncTypebox<Options> = async (app, opts) => {
  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description:
          'Prometheus text format (version 0.0.4). Authorization: Bearer <METRICS_TOKEN> or an admin API key; other keys get 403, none 401.',
        response: {
          200: Type.String({ description: 'Prometheus text exposition format' }),
          401: Problem,
          403: Problem,
        },
      },
    },
    async (req, reply) => {
      await mustBeOperator(opts.keys, bearerOf(req.headers.authorization), {
        metricsToken: opts.metricsToken,
      })
      await readQueueGauges(opts.queues, opts.deliveries)
      return reply.type(registry.contentType).send(await registry.metrics())
    },
  )
}

/** Times every request under its route pattern (never the raw URL: ids would make the label unbounded). */
export function registerHttpMetrics(app: FastifyInstance) {
  app.addHook('onResponse', async (req, reply) => {
    observeHttpRequest(
      req.routeOptions.url ?? 'unmatched',
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    )
  })
}
