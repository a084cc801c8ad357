import { randomUUID } from 'node:crypto'
import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify'
import { auditRoutes, registerAudit } from './audit/audit.js'
import { caseRoutes } from './cases/case.routes.js'
import { deliveryRoutes } from './deliveries/delivery.routes.js'
import { digestRoutes } from './digests/digest.routes.js'
import { endpointRoutes } from './endpoints/endpoint.routes.js'
import { hearingRoutes } from './hearings/hearing.routes.js'
import { registerIdempotency } from './http/idempotency.js'
import { problemOf, toProblem } from './http/problem.js'
import { validatorCompiler } from './http/validation.js'
import { registerAuth } from './keys/auth.js'
import { keyRoutes } from './keys/key.routes.js'
import { AppError } from './platform/errors.js'
import type { Services } from './services.js'
import { statsRoutes } from './stats/stats.routes.js'
import { subscriptionRoutes } from './subscriptions/subscription.routes.js'

export const BODY_LIMIT_BYTES = 64 * 1024

/** Builds the HTTP API; never listens (src/main.ts does), so tests drive it with app.inject. */
export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config, log } = services
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 100
        ? req.headers['x-request-id']
        : randomUUID(),
    trustProxy: false,
    // One line per request at info is noise; decisions are logged where they are made. Requests: debug.
    logController: new LogController({ disableRequestLogging: true }),
    // Long ids reach the schema (and get a 400 problem) instead of the router's bare 414.
    routerOptions: { maxParamLength: 1000 },
    // The router's own errors (a malformed URL) are problems like every other.
    frameworkErrors: (err, _req, reply) => {
      const problem = toProblem(err)
      ;(reply as FastifyReply).code(problem.status).type('application/problem+json').send(problem)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  // JSON only: a text/plain body is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain')
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id)
  })
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ req, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request')
  })
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const problem = toProblem(err)
    if (problem.status >= 500) req.log.error({ err }, 'request failed')
    if (err instanceof AppError && err.headers) reply.headers(err.headers)
    return reply.code(problem.status).type('application/problem+json').send(problem)
  })
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(problemOf('not_found', 404, 'Not found', `No route ${req.method} ${req.url.split('?')[0]}`)),
  )

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'courtbell API',
        version: '1',
        description:
          'Court-deadline alerts: hearings in, email reminders and signed webhooks out. Errors are RFC 9457 problem details (application/problem+json). Lists take ?limit (1..200, default 50) and ?cursor and answer { items, nextCursor }.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key' } },
      },
      security: [{ bearer: [] }],
    },
    // /docs is served by swagger-ui, whose routes hide themselves; list the page like every other route.
    transformObject: (doc) => ({
      ...('openapiObject' in doc ? doc.openapiObject : {}),
      paths: {
        ...('openapiObject' in doc ? doc.openapiObject.paths : {}),
        '/docs': {
          get: {
            tags: ['operations'],
            description: 'This API, browsable',
            security: [],
            responses: { 200: { description: 'An HTML page' } },
          },
        },
      },
    }),
  })
  // Security headers on everything (the HTML pages and /docs above all); no CORS plugin, so no cross-origin reads.
  await app.register(helmet, { global: true })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  app.get(
    '/openapi.json',
    { schema: { tags: ['operations'], description: 'This document (OpenAPI 3.1)' } },
    async () => app.swagger(),
  )

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], description: '200 while the process lives' } },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    { schema: { tags: ['operations'], description: '200 only when Redis answers' } },
    async (_req, reply) => {
      try {
        await services.store.redis.ping()
        return { status: 'ready' }
      } catch {
        return reply
          .code(503)
          .type('application/problem+json')
          .send(problemOf('unavailable', 503, 'Service unavailable', 'Redis does not answer'))
      }
    },
  )

  registerAuth(app, services.keys, config.rateLimitPerMinute)
  registerIdempotency(app, services.store)
  registerAudit(app, services.store)
  await app.register(auditRoutes, { store: services.store })
  await app.register(keyRoutes, { keys: services.keys })
  await app.register(caseRoutes, { cases: services.cases })
  await app.register(hearingRoutes, {
    hearings: services.hearings,
    cases: services.cases,
    service: services.hearingService,
  })
  await app.register(subscriptionRoutes, {
    subscriptions: services.subscriptions,
    service: services.subscriptionService,
    hearings: services.hearings,
    cases: services.cases,
  })
  await app.register(endpointRoutes, {
    store: services.store,
    endpoints: services.endpoints,
    cases: services.cases,
    scheduler: services.scheduler,
    fanOut: services.fanOut,
    config,
    log,
  })
  await app.register(statsRoutes, {
    store: services.store,
    deliveries: services.deliveries,
    queues: services.queues,
  })
  await app.register(deliveryRoutes, {
    deliveries: services.deliveries,
    endpoints: services.endpoints,
    queues: services.queues,
  })
  await app.register(digestRoutes, { stop: services.digests.stop })
  return app
}
