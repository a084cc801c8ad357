import type { FastifyReply } from 'fastify'
import type { Redis } from '../platform/redis.js'
import { problemOf } from './problem.js'

/** GET /readyz: 200 while Redis answers, else a 503 problem (for a load balancer or an orchestrator). */
export const readiness = (redis: Pick<Redis, 'ping'>) => async (_req: unknown, reply: FastifyReply) => {
  try {
    await redis.ping()
    return { status: 'ready' }
  } catch {
    return reply
      .code(503)
      .type('application/problem+json')
      .send(problemOf('unavailable', 503, 'Service unavailable', 'Redis does not answer'))
  }
}
