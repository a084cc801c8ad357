import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { named } from '../http/openapi.js'
import { Instant, Nullable, Page } from '../http/schema.js'
import { ADMIN } from '../keys/auth.js'
import { badRequest } from '../platform/errors.js'
import type { Store } from '../platform/store.js'

export const AuditEntry = Type.Object({
  at: Instant,
  actor: Type.Object({ keyId: Type.String(), name: Type.String(), scope: Type.String() }),
  action: Type.String({ description: 'Method and route, e.g. "PATCH /v1/hearings/:id"' }),
  entityId: Type.String(),
  status: Type.Integer(),
  before: Type.Optional(Nullable(Type.Any({ description: 'The hearing before the change' }))),
  after: Type.Optional(Nullable(Type.Any({ description: 'The record after the change' }))),
})
named(AuditEntry, 'AuditEntry', 'One write made with an API key')
type AuditEntry = {
  at: string
  actor: { keyId: string; name: string; scope: string }
  action: string
  entityId: string
  status: number
  before?: unknown
  after?: unknown
}

const KEPT_PER_ENTITY = 1000
/** Secrets never enter the trail, even when a response shows them once. */
const SECRET_FIELDS = new Set(['key', 'secret', 'secrets', 'keyHash'])

declare module 'fastify' {
  interface FastifyRequest {
    auditBefore: unknown
  }
}

/** Records every successful write made with a key: who, what, when, and the record before and after. */
export function registerAudit(app: FastifyInstance, store: Store) {
  app.decorateRequest('auditBefore', null)
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.principal === null || reply.statusCode >= 400)
      return payload
    const body = parse(payload)
    const entityId = (req.params as { id?: string; caseId?: string } | undefined)?.id ?? body?.id ?? null
    if (typeof entityId !== 'string') return payload
    const entry: AuditEntry = {
      at: new Date().toISOString(),
      actor: { keyId: req.principal.id, name: req.principal.name, scope: req.principal.scope },
      action: `${req.method} ${req.routeOptions.url ?? req.url}`,
      entityId,
      status: reply.statusCode,
      ...(req.auditBefore ? { before: req.auditBefore } : {}),
      ...(body ? { after: withoutSecrets(body) } : {}),
    }
    const ids = [entityId, ...(typeof body?.id === 'string' && body.id !== entityId ? [body.id] : [])]
    const tx = store.redis.multi()
    for (const id of ids)
      tx.lpush(store.keys.audit(id), JSON.stringify(entry)).ltrim(
        store.keys.audit(id),
        0,
        KEPT_PER_ENTITY - 1,
      )
    await tx.exec()
    return payload
  })
}

function parse(payload: unknown): Record<string, unknown> | null {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return null
  try {
    return JSON.parse(payload) as Record<string, unknown>
  } catch {
    return null
  }
}

function withoutSecrets(body: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(body).filter(([field]) => !SECRET_FIELDS.has(field)))
}

const AuditQuery = Type.Object(
  {
    entityId: Type.String({ minLength: 1, maxLength: 100 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 20 })),
  },
  { additionalProperties: false },
)

export const auditRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/v1/audit',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['operations'],
        summary: 'Read the audit trail',
        description: 'Writes to one record, newest first',
        querystring: AuditQuery,
        response: { 200: Page(AuditEntry) },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50
      const offset = req.query.cursor === undefined ? 0 : Number(req.query.cursor)
      if (!Number.isInteger(offset) || offset < 0)
        throw badRequest('cursor is not valid', [{ path: '/cursor', message: 'unknown cursor' }])
      const raw = await store.redis.lrange(store.keys.audit(req.query.entityId), offset, offset + limit)
      const items = raw.slice(0, limit).map((line) => JSON.parse(line) as AuditEntry)
      return { items, nextCursor: raw.length > limit ? String(offset + limit) : null }
    },
  )
}
