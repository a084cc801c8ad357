import { notFound } from '../errors.js'
import type { Store } from '../store.js'
import { indexMember, timeKey } from '../store.js'
import type { Attempt, Delivery, DeliveryStatus } from './delivery.schema.js'

const indexesOf = (d: Delivery) => [
  'deliveries',
  ...(d.hearingId ? [`hearing-deliveries:${d.hearingId}`] : []),
  ...(d.endpointId ? [`endpoint-deliveries:${d.endpointId}`] : []),
]

export function createDeliveryStore({ store }: { store: Store }) {
  const { redis, keys } = store

  async function mustGet(id: string): Promise<Delivery> {
    const found = id.startsWith('dlv_') ? await store.get<Delivery>(id) : undefined
    if (!found) throw notFound('Delivery', id)
    return found
  }

  return {
    get: (id: string) => (id.startsWith('dlv_') ? store.get<Delivery>(id) : Promise.resolve(undefined)),
    mustGet,

    /**
     * Records deliveries that do not exist yet (SET NX: ids are derived from event and recipient, so a
     * fan-out that runs twice creates nothing twice). Returns the ones that are new.
     */
    async createMissing(deliveries: readonly Delivery[]): Promise<Delivery[]> {
      if (deliveries.length === 0) return []
      const pipeline = redis.pipeline()
      for (const d of deliveries) pipeline.set(keys.record(d.id), JSON.stringify(d), 'NX')
      const results = (await pipeline.exec()) ?? []
      const created = deliveries.filter((_, i) => results[i]?.[1] === 'OK')
      const indexes = redis.pipeline()
      for (const d of deliveries)
        for (const index of indexesOf(d))
          indexes.zadd(keys.index(index), 0, indexMember(timeKey(d.createdAt), d.id))
      await indexes.exec()
      return created
    },

    async recordAttempt(
      id: string,
      attempt: Attempt,
      status: DeliveryStatus,
      nextAttemptAt: string | null,
    ): Promise<Delivery> {
      const current = await mustGet(id)
      const next: Delivery = {
        ...current,
        attempts: [...current.attempts, attempt],
        status,
        nextAttemptAt,
        updatedAt: attempt.at,
      }
      await redis.set(keys.record(id), JSON.stringify(next))
      return next
    },

    async setStatus(d: Delivery, status: DeliveryStatus, nextAttemptAt: string | null): Promise<Delivery> {
      const next: Delivery = { ...d, status, nextAttemptAt, updatedAt: new Date().toISOString() }
      await redis.set(keys.record(d.id), JSON.stringify(next))
      return next
    },

    list(opts: {
      status?: DeliveryStatus | undefined
      channel?: 'email' | 'webhook' | undefined
      endpointId?: string | undefined
      hearingId?: string | undefined
      keep?: (d: Delivery) => boolean
      limit: number
      cursor?: string | undefined
    }) {
      const index = opts.endpointId
        ? `endpoint-deliveries:${opts.endpointId}`
        : opts.hearingId
          ? `hearing-deliveries:${opts.hearingId}`
          : 'deliveries'
      return store.page<Delivery>(index, {
        limit: opts.limit,
        cursor: opts.cursor,
        reverse: true,
        keep: (d) =>
          (opts.status === undefined || d.status === opts.status) &&
          (opts.channel === undefined || d.channel === opts.channel) &&
          (opts.hearingId === undefined || d.hearingId === opts.hearingId) &&
          (opts.keep === undefined || opts.keep(d)),
      })
    },
  }
}
export type DeliveryStore = ReturnType<typeof createDeliveryStore>
