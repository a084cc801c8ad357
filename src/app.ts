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
import { calendarRoutes } from './calendar/calendar.routes.js'
import { caseRoutes } from './cases/case.routes.js'
import { courtCalendarRoutes } from './court-calendar/calendar.routes.js'
import { deadlineRoutes } from './deadlines/deadline.routes.js'
import { ruleRoutes } from './deadlines/rule.routes.js'
import { deliveryRoutes } from './deliveries/delivery.routes.js'
import { digestRoutes } from './digests/digest.routes.js'
import { endpointRoutes } from './endpoints/endpoint.routes.js'
import { replayRoutes } from './endpoints/replay.routes.js'
import { hearingRoutes } from './hearings/hearing.routes.js'
import { clientErrorHandler, registerJsonBody } from './http/framework-errors.js'
import { registerIdempotency } from './http/idempotency.js'
import { documentRoute, nameSchemas, problemResponses } from './http/openapi.js'
import { problemOf, toProblem } from './http/problem.js'
import { registerReplicaWait } from './http/replica-wait.js'
import { validatorCompiler } from './http/validation.js'
import { registerAuth } from './keys/auth.js'
import { keyRoutes } from './keys/key.routes.js'
import { metricsRoutes, registerHttpMetrics } from './metrics/metrics.routes.js'
import { QUEUE_BOARD_PATH, queueBoard } from './metrics/queue-board.js'
import { pageRoutes } from './pages/plugin.js'
import { notFoundPage, pageLanguage, pageSupport, wantsPage } from './pages/support.js'
import { AppError } from './platform/errors.js'
import type { Services } from './services.js'
import { statsRoutes } from './stats/stats.routes.js'
import { subscriptionRoutes } from './subscriptions/subscription.routes.js'
import { webhookDocs } from './webhooks/webhook.docs.js'

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
    clientErrorHandler,
    frameworkErrors: (err, _req, reply) => {
      const problem = toProblem(err)
      ;(reply as FastifyReply).code(problem.status).type('application/problem+json').send(problem)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  // JSON only: a text/plain body is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain')
  registerJsonBody(app)
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
    // Plain JSON, not the route's schema for this status (a page's 400 is HTML, which a problem is not).
    return reply
      .code(problem.status)
      .type('application/problem+json')
      .serializer(JSON.stringify)
      .send(problem)
  })
  app.setNotFoundHandler((req, reply) =>
    wantsPage(req)
      ? notFoundPage(reply, pageLanguage(req), req.url)
      : reply
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
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key' },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: 'Any user name; an admin API key as password',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: documentRoute,
    // Named schemas in components; the webhooks courtbell sends; and /docs, which swagger-ui hides.
    transformObject: (doc) => {
      const spec = 'openapiObject' in doc ? doc.openapiObject : {}
      return nameSchemas({
        ...spec,
        paths: {
          ...spec.paths,
          '/docs': {
            get: {
              tags: ['operations'],
              summary: 'Browse this API',
              description: 'This document as a browsable page (Swagger UI).',
              security: [],
              responses: { 200: { description: 'An HTML page' } },
            },
          },
          [QUEUE_BOARD_PATH]: {
            get: {
              tags: ['operations'],
              summary: 'Queue dashboard (Bull Board)',
              description:
                'The BullMQ queues, browsable; HTTP Basic auth with an admin API key as the password',
              security: [{ basic: [] }],
              responses: {
                200: { description: 'An HTML page' },
                ...problemResponses(401, 403),
              },
            },
          },
        },
        webhooks: webhookDocs(),
      })
    },
  })
  // HSTS and upgrade-insecure-requests only make sense where the service is reached over https: sent over
  // plain http (a laptop), they make browsers refuse http://127.0.0.1 for a year.
  const https = config.http.publicBaseUrl.startsWith('https:')
  await app.register(helmet, {
    global: true,
    strictTransportSecurity: https,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null } },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (csp) => (https ? csp : csp.replace(/\s*upgrade-insecure-requests;?/, '')),
  })
  app.get(
    '/openapi.json',
    {
      schema: {
        tags: ['operations'],
        summary: 'This document',
        description: 'The OpenAPI 3.1 description of this API, generated from the route schemas.',
      },
    },
    async () => app.swagger(),
  )

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        description:
          'Answers 200 while the process lives (for a process manager or a container health check).',
      },
    },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness',
        description: 'Answers 200 only when Redis answers, 503 otherwise (for a load balancer).',
      },
    },
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

  registerHttpMetrics(app)
  registerAuth(app, services.keys, config.rateLimitPerMinute)
  registerIdempotency(app, services.store)
  registerAudit(app, services.store)
  registerReplicaWait(app, services.store, {
    replicas: config.redis.waitReplicas,
    timeoutMs: config.redis.waitTimeoutMs,
  })
  await app.register(auditRoutes, { store: services.store })
  await app.register(keyRoutes, { keys: services.keys })
  await app.register(metricsRoutes, {
    keys: services.keys,
    queues: services.queues,
    deliveries: services.deliveries,
    metricsToken: config.metricsToken,
  })
  await app.register(queueBoard, { keys: services.keys, queues: services.queues })
  await app.register(caseRoutes, { cases: services.cases, rules: services.rules })
  await app.register(courtCalendarRoutes, { calendars: services.calendars })
  await app.register(ruleRoutes, { rules: services.rules })
  await app.register(deadlineRoutes, {
    deadlines: services.deadlines,
    cases: services.cases,
    service: services.deadlineService,
  })
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
    feedUrl: services.calendar.feedUrl,
  })
  await app.register(calendarRoutes, {
    feeds: services.calendar,
    cases: services.cases,
    subscriptions: services.subscriptions,
  })
  await app.register(pageSupport)
  await app.register(pageRoutes, {
    cases: services.cases,
    hearings: services.hearings,
    deadlines: services.deadlines,
    subscriptions: services.subscriptions,
    service: services.subscriptionService,
    tokens: services.tokens,
    publicBaseUrl: config.http.publicBaseUrl,
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
  await app.register(replayRoutes, {
    endpoints: services.endpoints,
    deliveries: services.deliveries,
    queues: services.queues,
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
