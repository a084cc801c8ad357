import { notFound } from '../errors.js'
import type { Store } from '../store.js'
import { indexMember, timeKey } from '../store.js'
import type { Attempt, Delivery, DeliveryStatus } from './delivery.schema.js'
import { isFinished } from './outcome.js'

const indexesOf = (d: Delivery) => [
  'deliveries',
  ...(d.hearingId ? [`hearing-deliveries:${d.hearingId}`] : []),
  ...(d.endpointId ? [`endpoint-deliveries:${d.endpointId}`] : []),
]

/** The index of unfinished deliveries, scored by when their next attempt is due (for the reconciler). */
const OPEN = 'open-deliveries'

export function createDeliveryStore({ store }: { store: Store }) {
  const { redis, keys } = store

  /** The record, the open index and the counts by status change together. */
  async function write(current: Delivery, next: Delivery): Promise<Delivery> {
    const tx = redis.multi().set(keys.record(next.id), JSON.stringify(next))
    if (current.status !== next.status)
      tx.hincrby(keys.deliveryStats, current.status, -1).hincrby(keys.deliveryStats, next.status, 1)
    if (isFinished(next)) tx.zrem(keys.index(OPEN), next.id)
    else tx.zadd(keys.index(OPEN), Date.parse(next.nextAttemptAt ?? next.updatedAt), next.id)
    await tx.exec()
    return next
  }

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
      for (const d of created) {
        indexes.hincrby(keys.deliveryStats, d.status, 1)
        if (!isFinished(d)) indexes.zadd(keys.index(OPEN), Date.parse(d.nextAttemptAt ?? d.createdAt), d.id)
      }
      await indexes.exec()
      return created
    },

    async recordAttempt(id: string, attempt: Attempt, status: DeliveryStatus, nextAttemptAt: string | null) {
      const current = await mustGet(id)
      return write(current, {
        ...current,
        attempts: [...current.attempts, attempt],
        status,
        nextAttemptAt,
        updatedAt: attempt.at,
      })
    },

    setStatus: (d: Delivery, status: DeliveryStatus, nextAttemptAt: string | null, jobId?: string) =>
      write(d, {
        ...d,
        status,
        nextAttemptAt,
        updatedAt: new Date().toISOString(),
        ...(jobId ? { jobId } : {}),
      }),

    /** Deliveries not finished whose next attempt was due before `before`: candidates for a lost job. */
    async overdue(before: number, limit = 1000): Promise<Delivery[]> {
      const ids = await redis.zrangebyscore(keys.index(OPEN), '-inf', before, 'LIMIT', 0, limit)
      return (await store.getMany<Delivery>(ids)).filter(
        (d): d is Delivery => d !== undefined && !isFinished(d),
      )
    },

    /** Counts by status, kept as deliveries change (never by scanning). */
    async counts(): Promise<Record<string, number>> {
      const raw = await redis.hgetall(keys.deliveryStats)
      return Object.fromEntries(Object.entries(raw).map(([status, n]) => [status, Number(n)]))
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
