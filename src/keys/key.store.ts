import { createHash, randomBytes } from 'node:crypto'
import { countHit } from '../http/rate-limit.js'
import { newId } from '../platform/ids.js'
import type { Store } from '../platform/store.js'
import type { ApiKeyRecord, ApiKeyView, Scope } from './key.schema.js'

export const ADMIN_KEY_ID = 'key_admin'

/** What start-up did to the admin key; keyHash is the hash of the admin key in force afterwards. */
export type AdminKeyOutcome =
  | { kind: 'kept' | 'configured'; keyHash: string }
  | { kind: 'generated'; keyHash: string; key: string }
  | { kind: 'replaced'; keyHash: string; previous: { name: string; createdAt: string } }

/** 256 random bits; only the SHA-256 is stored, so a lookup by hash is an exact, constant-cost match. */
export function generateApiKey(): string {
  return `cb_${randomBytes(32).toString('base64url')}`
}
export type KeyPrincipal = Pick<ApiKeyRecord, 'id' | 'name' | 'scope'>
const principalOf = ({ id, name, scope }: ApiKeyRecord): KeyPrincipal => ({ id, name, scope })

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex')

/** Looks the key up by hash and, only if it is known, counts the request in the key's rate window. */
const AUTHENTICATE = `
local found = redis.call('HGET', KEYS[1], ARGV[1])
if not found then return false end
${countHit(2, 2)}
return { found, count, ttl }`

export function createKeyStore({ store }: { store: Store }) {
  const { redis, keys } = store

  async function save(record: ApiKeyRecord) {
    await redis
      .multi()
      .set(keys.record(record.id), JSON.stringify(record))
      .hset(keys.apiKeyByHash, record.keyHash, JSON.stringify(principalOf(record)))
      .zadd(keys.index('keys'), 0, record.id)
      .exec()
  }

  return {
    async create(name: string, scope: Scope): Promise<ApiKeyView & { key: string }> {
      const key = generateApiKey()
      const record: ApiKeyRecord = {
        id: newId('key'),
        name,
        scope,
        createdAt: new Date().toISOString(),
        keyHash: hashApiKey(key),
        revokedAt: null,
      }
      await save(record)
      return { ...view(record), key }
    },

    /**
     * Who a bearer token is, unless it is unknown or revoked: one lookup by the key's hash (revoking
     * removes the entry, so it stops working at once on every replica). In the same round trip the request
     * is counted in the key's rate window (bucket `key:<hash>`); unknown tokens count nowhere.
     */
    async authenticate(
      key: string,
      windowMs: number,
    ): Promise<{ principal: KeyPrincipal; hits: number; windowLeftMs: number } | undefined> {
      const hash = hashApiKey(key)
      const found = (await redis.eval(
        AUTHENTICATE,
        2,
        keys.apiKeyByHash,
        keys.rate(`key:${hash}`),
        hash,
        windowMs,
      )) as [string, number, number] | null
      if (found === null) return undefined
      const [principal, hits, windowLeftMs] = found
      return { principal: JSON.parse(principal) as KeyPrincipal, hits, windowLeftMs }
    },

    async list(limit: number, cursor: string | undefined) {
      const page = await store.page<ApiKeyRecord>('keys', {
        limit,
        cursor,
        keep: (k) => k.revokedAt === null,
      })
      return { items: page.items.map(view), nextCursor: page.nextCursor }
    },

    async revoke(id: string): Promise<boolean> {
      const record = await store.get<ApiKeyRecord>(id)
      if (!record || record.revokedAt !== null || !id.startsWith('key_')) return false
      await redis
        .multi()
        .set(keys.record(id), JSON.stringify({ ...record, revokedAt: new Date().toISOString() }))
        .hdel(keys.apiKeyByHash, record.keyHash)
        .zrem(keys.index('keys'), id)
        .exec()
      return true
    },

    /**
     * The first admin key: from ADMIN_API_KEY when set (replacing an earlier one), otherwise generated once.
     * Says what happened so the caller can print a generated key exactly once and log a replacement.
     */
    async ensureAdminKey(configured: string | undefined): Promise<AdminKeyOutcome> {
      const existing = await store.get<ApiKeyRecord>(ADMIN_KEY_ID)
      const live = existing?.revokedAt === null ? existing : undefined
      if (configured !== undefined) {
        const keyHash = hashApiKey(configured)
        if (live?.keyHash === keyHash) return { kind: 'kept', keyHash }
        if (existing) await redis.hdel(keys.apiKeyByHash, existing.keyHash)
        await save({
          id: ADMIN_KEY_ID,
          name: 'admin (ADMIN_API_KEY)',
          scope: 'admin',
          createdAt: new Date().toISOString(),
          keyHash,
          revokedAt: null,
        })
        return live
          ? { kind: 'replaced', keyHash, previous: { name: live.name, createdAt: live.createdAt } }
          : { kind: 'configured', keyHash }
      }
      if (existing) return { kind: 'kept', keyHash: existing.keyHash }
      const key = generateApiKey()
      const record: ApiKeyRecord = {
        id: ADMIN_KEY_ID,
        name: 'admin (generated)',
        scope: 'admin',
        createdAt: new Date().toISOString(),
        keyHash: hashApiKey(key),
        revokedAt: null,
      }
      // NX: two replicas starting together must not both mint a key.
      const created = await redis.set(keys.record(ADMIN_KEY_ID), JSON.stringify(record), 'NX')
      if (created === null) {
        const winner = await store.get<ApiKeyRecord>(ADMIN_KEY_ID)
        return { kind: 'kept', keyHash: winner?.keyHash ?? record.keyHash }
      }
      await save(record)
      return { kind: 'generated', keyHash: record.keyHash, key }
    },
  }
}
export type KeyStore = ReturnType<typeof createKeyStore>

const view = ({ id, name, scope, createdAt }: ApiKeyRecord): ApiKeyView => ({ id, name, scope, createdAt })
