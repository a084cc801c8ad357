import type { FastifyInstance } from 'fastify'
import { waitForReplicas } from '../platform/redis.js'
import type { Store } from '../platform/store.js'

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * REDIS_WAIT_REPLICAS: a successful write is answered only once that many replicas hold it (Redis WAIT),
 * so a Sentinel failover right after the answer cannot lose it. Every write waits, not only hearings:
 * a lost subscription or endpoint loses reminders as surely as a lost hearing. One connection carries
 * all of a process's writes, so the WAIT covers the store's writes and the queue's alike.
 * When no replica confirms within REDIS_WAIT_TIMEOUT_MS the write stands on the primary and is answered
 * (a lone primary keeps the API writable); the log says it was not confirmed. A WAIT that fails because
 * the primary went away answers 503: the client cannot know whether the write survived.
 */
export function registerReplicaWait(
  app: FastifyInstance,
  store: Store,
  opts: { replicas: number; timeoutMs: number },
) {
  if (opts.replicas === 0) return
  app.addHook('onSend', async (req, reply, payload) => {
    if (!WRITES.has(req.method) || reply.statusCode >= 400) return payload
    const confirmed = await waitForReplicas(store.redis, store.keys.prefix, opts.replicas, opts.timeoutMs)
    if (confirmed < opts.replicas)
      req.log.warn(
        { confirmed, wanted: opts.replicas, timeoutMs: opts.timeoutMs },
        'write not confirmed by replicas in time',
      )
    return payload
  })
}
