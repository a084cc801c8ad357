import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdParams, Page, PageQuery } from '../http/schema.js'
import { notFound } from '../platform/errors.js'
import { ADMIN } from './auth.js'
import { ApiKeyCreate, ApiKeyCreated, ApiKeyView } from './key.schema.js'
import type { KeyStore } from './key.store.js'

export const keyRoutes: FastifyPluginAsyncTypebox<{ keys: KeyStore }> = async (app, { keys }) => {
  const tags = ['api keys']
  app.post(
    '/v1/api-keys',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Create an API key',
        description:
          'Creates a key of scope admin, staff or partner. The key is shown once, in this answer; only its hash is kept. Admin only.',
        body: ApiKeyCreate,
        response: { 201: ApiKeyCreated },
      },
    },
    async (req, reply) => reply.code(201).send(await keys.create(req.body.name, req.body.scope)),
  )

  app.get(
    '/v1/api-keys',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'List API keys',
        description: 'The keys that still work (never the keys themselves). Admin only.',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(ApiKeyView) },
      },
    },
    async (req) => keys.list(req.query.limit ?? 50, req.query.cursor),
  )

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: 'The key stops working at once, on every replica. Admin only.',
        params: IdParams,
        response: { 204: { type: 'null' } },
      },
    },
    async (req, reply) => {
      if (!(await keys.revoke(req.params.id))) throw notFound('API key', req.params.id)
      return reply.code(204).send()
    },
  )
}
