import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { toProblem } from '../http/problem.js'
import { readiness } from '../http/readiness.js'
import { AppError } from '../platform/errors.js'
import type { Services } from '../services.js'
import { metricsRoutes } from './metrics.routes.js'

/**
 * A worker's own small HTTP server (ROLE=worker with METRICS_PORT): liveness, readiness and its metrics, which
 * only it can report (deliveries, reminder lag and reconciler passes are counted where the work happens).
 */
export async function buildWorkerHttp(services: Services): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  })
  app.setErrorHandler((err, _req, reply) => {
    const problem = toProblem(err as Parameters<typeof toProblem>[0])
    if (err instanceof AppError && err.headers) reply.headers(err.headers)
    return reply.code(problem.status).type('application/problem+json').send(problem)
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', readiness(services.store.redis))
  await app.register(metricsRoutes, {
    keys: services.keys,
    queues: services.queues,
    deliveries: services.deliveries,
    metricsToken: services.config.metricsToken,
  })
  return app
}
