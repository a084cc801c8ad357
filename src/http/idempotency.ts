import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, badRequest } from '../platform/errors.js'
import type { Store } from '../platform/store.js'

const TTL_SECONDS = 24 * 3600
const HEADER = 'idempotency-key'

type Stored =
  | { state: 'in-progress'; fingerprint: string }
  | { state: 'done'; fingerprint: string; status: number; contentType: string; body: string }

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | null
  }
}

/** Keys and secrets are shown once: a replay gets the answer without them (the id says what was made). */
function withoutSecrets(body: string): string {
  if (!body.startsWith('{')) return body
  const { key: _key, secret: _secret, ...rest } = JSON.parse(body) as Record<string, unknown>
  return JSON.stringify(rest)
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * POST with an `Idempotency-Key` header: the first answer is kept for 24 h and a retry with the same key
 * gets it again (marked `Idempotent-Replayed: true`) without doing anything twice. Keys are per caller (API
 * key, or IP without one) and per route; the same key with another body is a 422; one still running, a 409.
 * A replayed answer that first showed an API key or a webhook secret comes without it.
 */
export function registerIdempotency(app: FastifyInstance, store: Store) {
  app.decorateRequest('idempotencyKey', null)

  const recordKey = (req: FastifyRequest, key: string) =>
    store.keys.idempotency(
      sha256(`${req.principal?.id ?? `ip:${req.ip}`}\u0000${req.method} ${req.url}\u0000${key}`),
    )

  app.addHook('preHandler', async (req, reply) => {
    const key = req.headers[HEADER]
    if (req.method !== 'POST' || key === undefined) return
    if (typeof key !== 'string' || key.length === 0 || key.length > 255)
      throw badRequest('Idempotency-Key must be 1 to 255 characters', [
        { path: '/headers/idempotency-key', message: 'invalid' },
      ])
    const redisKey = recordKey(req, key)
    const fingerprint = sha256(JSON.stringify(req.body ?? null))
    const claim: Stored = { state: 'in-progress', fingerprint }
    if ((await store.redis.set(redisKey, JSON.stringify(claim), 'EX', TTL_SECONDS, 'NX')) !== null) {
      req.idempotencyKey = redisKey
      return
    }
    const stored = JSON.parse((await store.redis.get(redisKey)) ?? 'null') as Stored | null
    if (stored === null) throw new AppError('idempotency_conflict', 409, 'Conflict', 'Retry the request')
    if (stored.fingerprint !== fingerprint)
      throw new AppError(
        'idempotency_mismatch',
        422,
        'Idempotency-Key reused',
        'This Idempotency-Key was used with a different request body',
      )
    if (stored.state === 'in-progress')
      throw new AppError(
        'idempotency_conflict',
        409,
        'Conflict',
        'A request with this Idempotency-Key is still being processed',
      )
    return reply
      .code(stored.status)
      .header('idempotent-replayed', 'true')
      .type(stored.contentType)
      .send(stored.body)
  })

  app.addHook('onSend', async (req, reply, payload) => {
    if (req.idempotencyKey === null) return payload
    const status = reply.statusCode
    // A server error or a rate limit is not an answer: let the retry try again.
    if (status >= 500 || status === 429) {
      await store.redis.del(req.idempotencyKey)
      return payload
    }
    const stored: Stored = {
      state: 'done',
      fingerprint: sha256(JSON.stringify(req.body ?? null)),
      status,
      contentType: String(reply.getHeader('content-type') ?? 'application/json'),
      body: typeof payload === 'string' ? withoutSecrets(payload) : '',
    }
    await store.redis.set(req.idempotencyKey, JSON.stringify(stored), 'EX', TTL_SECONDS)
    return payload
  })
}
