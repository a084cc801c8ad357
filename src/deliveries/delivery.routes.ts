import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { EndpointStore } from '../endpoints/endpoint.store.js'
import { IdParams, Page } from '../http/schema.js'
import { type Principal, STAFF_OR_PARTNER } from '../keys/auth.js'
import { conflict, notFound } from '../platform/errors.js'
import type { Queues } from '../platform/queues.js'
import { Delivery, DeliveryListQuery } from './delivery.schema.js'
import type { DeliveryStore } from './delivery.store.js'
import { queueDelivery } from './fanout.js'

type Options = {
  deliveries: DeliveryStore
  endpoints: EndpointStore
  queues: Pick<Queues, 'email' | 'webhook'>
}

export const deliveryRoutes: FastifyPluginAsyncTypebox<Options> = async (
  app,
  { deliveries, endpoints, queues },
) => {
  const tags = ['deliveries']
  const access = STAFF_OR_PARTNER

  /** A partner sees the deliveries to its own endpoints only. */
  async function ownedBy(principal: Principal | null, endpointId: string | null): Promise<boolean> {
    if (principal?.scope !== 'partner') return true
    if (endpointId === null) return false
    return (await endpoints.get(endpointId))?.ownerKeyId === principal.id
  }

  async function mustSee(principal: Principal | null, id: string) {
    const delivery = await deliveries.get(id)
    if (!delivery || !(await ownedBy(principal, delivery.endpointId))) throw notFound('Delivery', id)
    return delivery
  }

  app.get(
    '/v1/deliveries',
    {
      config: { access },
      schema: {
        tags,
        summary: 'List deliveries',
        description:
          'Every email and webhook delivery with its attempts, newest first; filter by status (`missed`: a reminder due while no worker ran, never sent late), channel, endpoint or hearing. A partner key sees the deliveries of its own endpoints only.',
        querystring: DeliveryListQuery,
        response: { 200: Page(Delivery) },
      },
    },
    async (req) => {
      const { principal } = req
      const query = { ...req.query, limit: req.query.limit ?? 50 }
      if (principal?.scope !== 'partner') return deliveries.list(query)
      if (query.endpointId !== undefined) {
        if (!(await ownedBy(principal, query.endpointId))) return { items: [], nextCursor: null }
        return deliveries.list(query)
      }
      const own = new Set(
        (await endpoints.list({ ownerKeyId: principal.id, limit: 200 })).items.map((e) => e.id),
      )
      return deliveries.list({ ...query, keep: (d) => d.endpointId !== null && own.has(d.endpointId) })
    },
  )

  app.get(
    '/v1/deliveries/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Get a delivery',
        description: 'One delivery with every attempt.',
        params: IdParams,
        response: { 200: Delivery },
      },
    },
    async (req) => mustSee(req.principal, req.params.id),
  )

  app.post(
    '/v1/deliveries/:id/redeliver',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Deliver again',
        description:
          'Sends a finished delivery again: the same webhook-id, a fresh timestamp and signature, a fresh retry schedule. A delivery still pending or retrying answers 409.',
        params: IdParams,
        response: { 202: Delivery },
      },
    },
    async (req, reply) => {
      const delivery = await mustSee(req.principal, req.params.id)
      if (delivery.status === 'pending' || delivery.status === 'retrying')
        throw conflict(`Delivery ${delivery.id} is still ${delivery.status}; wait for it to finish`)
      // A new job id: the finished job may still be kept under the old one.
      const jobId = `${delivery.id}_r${delivery.attempts.length}_${Date.now()}`
      const next = await deliveries.setStatus(delivery, 'pending', new Date().toISOString(), jobId)
      await queueDelivery(queues, delivery, jobId)
      return reply.code(202).send(next)
    },
  )
}
