import { notFound } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Store } from '../platform/store.js'
import { generateSecret } from '../webhooks/signature.js'
import type { Endpoint, EndpointRecord } from './endpoint.schema.js'

export const SECRET_OVERLAP_MS = 24 * 3600 * 1000

/** KEYS: record. ARGV: the value read, the value to write. Writes only if the value is still the one read. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`

export function createEndpointStore({ store }: { store: Store }) {
  const { redis, keys } = store

  async function save(record: EndpointRecord) {
    await redis
      .multi()
      .set(keys.record(record.id), JSON.stringify(record))
      .zadd(keys.index('endpoints'), 0, record.id)
      .exec()
  }

  return {
    save,
    get: (id: string) => (id.startsWith('whe_') ? store.get<EndpointRecord>(id) : Promise.resolve(undefined)),

    async create(
      fields: Omit<
        Endpoint,
        'id' | 'createdAt' | 'updatedAt' | 'enabled' | 'disabledReason' | 'disabledAt' | 'contactEmail'
      > & { contactEmail?: string | null },
      owner: { id: string; scope: string },
    ) {
      const now = new Date().toISOString()
      const record: EndpointRecord = {
        id: newId('whe'),
        ...fields,
        contactEmail: fields.contactEmail ?? null,
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
        ownerKeyId: owner.id,
        ownerScope: owner.scope,
        secrets: [{ secret: generateSecret(), expiresAt: null }],
      }
      await save(record)
      return record
    },

    async update(record: EndpointRecord, changes: Partial<EndpointRecord>): Promise<EndpointRecord> {
      const next = { ...record, ...changes, updatedAt: new Date().toISOString() }
      await save(next)
      return next
    },

    /** A new secret; the old one keeps signing for 24 h so receivers can switch without losing a delivery. */
    async rotateSecret(
      record: EndpointRecord,
      now = Date.now(),
    ): Promise<{ record: EndpointRecord; secret: string }> {
      const secret = generateSecret()
      const overlapUntil = new Date(now + SECRET_OVERLAP_MS).toISOString()
      const kept = activeSecrets(record, now).map((s) => ({ secret: s, expiresAt: overlapUntil }))
      const next = {
        ...record,
        secrets: [{ secret, expiresAt: null }, ...kept],
        updatedAt: new Date(now).toISOString(),
      }
      await save(next)
      return { record: next, secret }
    },

    /**
     * Changes the stored record as it is now, not as a caller read it earlier: `change` sees the current record
     * and returns the next one (or undefined: nothing to do); the write happens only if nobody wrote in between,
     * else it is tried again on the newer record. Workers use it so an owner's PATCH is never overwritten.
     */
    async change(
      id: string,
      change: (current: EndpointRecord) => EndpointRecord | undefined,
    ): Promise<EndpointRecord | undefined> {
      for (let tries = 0; tries < 10; tries++) {
        const raw = await redis.get(keys.record(id))
        if (raw === null) return undefined
        const next = change(JSON.parse(raw) as EndpointRecord)
        if (next === undefined) return undefined
        const written = { ...next, updatedAt: new Date().toISOString() }
        const ok = await redis.eval(COMPARE_AND_SET, 1, keys.record(id), raw, JSON.stringify(written))
        if (ok === 1) return written
      }
      throw new Error(`endpoint ${id} kept changing under a write`)
    },

    async remove(id: string) {
      await redis.multi().del(keys.record(id)).zrem(keys.index('endpoints'), id).exec()
    },

    async all(): Promise<EndpointRecord[]> {
      const ids = await redis.zrange(keys.index('endpoints'), 0, -1)
      return (await store.getMany<EndpointRecord>(ids)).filter((e): e is EndpointRecord => e !== undefined)
    },

    async mustGet(id: string) {
      const found = id.startsWith('whe_') ? await store.get<EndpointRecord>(id) : undefined
      if (!found) throw notFound('Webhook endpoint', id)
      return found
    },

    list(opts: { ownerKeyId?: string | undefined; limit: number; cursor?: string | undefined }) {
      return store.page<EndpointRecord>('endpoints', {
        limit: opts.limit,
        cursor: opts.cursor,
        keep: (e) => opts.ownerKeyId === undefined || e.ownerKeyId === opts.ownerKeyId,
      })
    },
  }
}
export type EndpointStore = ReturnType<typeof createEndpointStore>

export function activeSecrets(record: Pick<EndpointRecord, 'secrets'>, now = Date.now()): string[] {
  return record.secrets
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now)
    .map((s) => s.secret)
}

export function endpointView(record: EndpointRecord): Endpoint {
  const { ownerKeyId: _o, ownerScope: _s, secrets: _x, failingSince: _f, warnedAt: _w, ...view } = record
  return { ...view, contactEmail: view.contactEmail ?? null, disabledAt: view.disabledAt ?? null }
}
