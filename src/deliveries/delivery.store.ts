import type { EndpointRecord } from '../endpoints/endpoint.schema.js'
import { countDeliveries } from '../metrics/metrics.js'
import { notFound } from '../platform/errors.js'
import type { Store } from '../platform/store.js'
import { indexMember, timeKey } from '../platform/store.js'
import type { Attempt, Delivery, DeliveryStatus } from './delivery.schema.js'
import { isFinished } from './delivery.schema.js'

/**
 * A delivery is created whole or not at all: the record, its list indexes, the count by status and the
 * open index in one step, only if the record does not exist yet (ids are derived, so a second fan-out of
 * the same event changes nothing).
 * KEYS: record, all, by hearing, by endpoint, stats, open. ARGV: record, member, by hearing?, by endpoint?,
 * status, open score ('' when finished), id.
 */
const CREATE_IF_MISSING = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
if ARGV[3] == '1' then redis.call('ZADD', KEYS[3], 0, ARGV[2]) end
if ARGV[4] == '1' then redis.call('ZADD', KEYS[4], 0, ARGV[2]) end
redis.call('HINCRBY', KEYS[5], ARGV[5], 1)
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[6], ARGV[6], ARGV[7]) end
return 1`

/**
 * A script rather than MULTI: ioredis builds every MULTI as a Pipeline and copies onto it each script defined
 * on the connection (BullMQ's ~40 share it); that cost more CPU than the write itself.
 * KEYS: record, stats, open. ARGV: record, previous status, status, open score ('' when finished), id.
 */
const WRITE = `
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] ~= ARGV[3] then
  redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
if ARGV[4] == '' then redis.call('ZREM', KEYS[3], ARGV[5]) else redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5]) end
return 1`

/** The index of unfinished deliveries, scored by when their next attempt is due (for the reconciler). */
const OPEN = 'open-deliveries'

export function createDeliveryStore({ store }: { store: Store }) {
  const { redis, keys } = store

  /** The record, the open index and the counts by status change together. */
  async function write(current: Delivery, next: Delivery): Promise<Delivery> {
    await redis.eval(
      WRITE,
      3,
      keys.record(next.id),
      keys.deliveryStats,
      keys.index(OPEN),
      JSON.stringify(next),
      current.status,
      next.status,
      isFinished(next) ? '' : String(Date.parse(next.nextAttemptAt ?? next.updatedAt)),
      next.id,
    )
    if (next.status !== current.status) countDeliveries(next.channel, next.status)
    return next
  }

  async function mustGet(id: string): Promise<Delivery> {
    const found = id.startsWith('dlv_') ? await store.get<Delivery>(id) : undefined
    if (!found) throw notFound('Delivery', id)
    return found
  }

  return {
    get: (id: string) => (id.startsWith('dlv_') ? store.get<Delivery>(id) : Promise.resolve(undefined)),

    /** A webhook delivery and its endpoint, in one read; the endpoint only if it is the one the delivery names. */
    async withEndpoint(id: string, endpointId: string) {
      if (!id.startsWith('dlv_')) return { delivery: undefined, endpoint: undefined }
      const [delivery, endpoint] = (await store.getMany([id, endpointId])) as [
        Delivery | undefined,
        EndpointRecord | undefined,
      ]
      return { delivery, endpoint: delivery?.endpointId === endpointId ? endpoint : undefined }
    },
    mustGet,

    /**
     * Records deliveries that do not exist yet (SET NX: ids are derived from event and recipient, so a
     * fan-out that runs twice creates nothing twice). Returns the ones that are new.
     */
    async createMissing(deliveries: readonly Delivery[]): Promise<Delivery[]> {
      if (deliveries.length === 0) return []
      const pipeline = redis.pipeline()
      for (const d of deliveries) {
        const [hearingIndex, endpointIndex] = [
          `hearing-deliveries:${d.hearingId}`,
          `endpoint-deliveries:${d.endpointId}`,
        ]
        pipeline.eval(
          CREATE_IF_MISSING,
          6,
          keys.record(d.id),
          keys.index('deliveries'),
          keys.index(hearingIndex),
          keys.index(endpointIndex),
          keys.deliveryStats,
          keys.index(OPEN),
          JSON.stringify(d),
          indexMember(timeKey(d.createdAt), d.id),
          d.hearingId ? '1' : '0',
          d.endpointId ? '1' : '0',
          d.status,
          isFinished(d) ? '' : String(Date.parse(d.nextAttemptAt ?? d.createdAt)),
          d.id,
        )
      }
      const results = (await pipeline.exec()) ?? []
      const created = deliveries.filter((_, i) => results[i]?.[1] === 1)
      for (const d of created) countDeliveries(d.channel, d.status)
      return created
    },

    /** Appends an attempt; pass the delivery as the caller read it (a delivery has one worker at a time). */
    async recordAttempt(
      delivery: Delivery | string,
      attempt: Attempt,
      status: DeliveryStatus,
      nextAttemptAt: string | null,
    ) {
      const current = typeof delivery === 'string' ? await mustGet(delivery) : delivery
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
      /** Only those created at or after this instant. */
      since?: string | undefined
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
        ...(opts.since !== undefined ? { min: `[${timeKey(opts.since)}` } : {}),
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
