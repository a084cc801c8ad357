import { newId } from '../ids.js'
import type { Store } from '../store.js'
import type { Subscription, SubscriptionStatus } from './subscription.schema.js'

export type Target = { kind: 'hearing'; hearingId: string } | { kind: 'case'; caseId: string }
export type SubscriptionInput = {
  email: string
  name: string | null
  timeZone: string | null
  remindBefore: string[]
}

const targetKey = (t: Target) => (t.kind === 'hearing' ? t.hearingId : t.caseId)
const followersIndex = (targetId: string) => `followers:${targetId}`
const emailKey = (targetId: string, email: string) => `${targetId}|${email.toLowerCase()}`

export function createSubscriptionStore({ store }: { store: Store }) {
  const { redis, keys } = store

  async function save(sub: Subscription) {
    const targetId = (sub.hearingId ?? sub.caseId) as string
    await redis
      .multi()
      .set(keys.record(sub.id), JSON.stringify(sub))
      .zadd(keys.index('subscriptions'), 0, sub.id)
      .zadd(keys.index(followersIndex(targetId)), 0, sub.id)
      .hset(keys.subscriptionByEmail, emailKey(targetId, sub.email), sub.id)
      .exec()
  }

  async function get(id: string): Promise<Subscription | undefined> {
    return id.startsWith('sub_') ? store.get<Subscription>(id) : undefined
  }

  return {
    get,
    save,

    /** Creates the subscription, or updates the one this email already has on this target. */
    async upsert(target: Target, input: SubscriptionInput, status: SubscriptionStatus) {
      const now = new Date().toISOString()
      // Claim the (target, email) pair atomically: two requests at once must end with one subscription.
      const byEmail = emailKey(targetKey(target), input.email)
      const freshId = newId('sub')
      const claimed = (await redis.hsetnx(keys.subscriptionByEmail, byEmail, freshId)) === 1
      const id = claimed ? freshId : ((await redis.hget(keys.subscriptionByEmail, byEmail)) ?? freshId)
      const existing = claimed ? undefined : await get(id)
      const sub: Subscription = existing
        ? { ...existing, ...input, status, updatedAt: now }
        : {
            id,
            hearingId: target.kind === 'hearing' ? target.hearingId : null,
            caseId: target.kind === 'case' ? target.caseId : null,
            ...input,
            status,
            createdAt: now,
            updatedAt: now,
          }
      await save(sub)
      return { subscription: sub, existing }
    },

    async setStatus(sub: Subscription, status: SubscriptionStatus): Promise<Subscription> {
      const next = { ...sub, status, updatedAt: new Date().toISOString() }
      await save(next)
      return next
    },

    async remove(sub: Subscription) {
      const targetId = (sub.hearingId ?? sub.caseId) as string
      await redis
        .multi()
        .del(keys.record(sub.id))
        .zrem(keys.index('subscriptions'), sub.id)
        .zrem(keys.index(followersIndex(targetId)), sub.id)
        .hdel(keys.subscriptionByEmail, emailKey(targetId, sub.email))
        .exec()
    },

    /** Active subscriptions following a hearing: its own and its case's. */
    async activeFollowers(hearingId: string, caseId: string): Promise<Subscription[]> {
      const ids = [
        ...(await redis.zrange(keys.index(followersIndex(hearingId)), 0, -1)),
        ...(await redis.zrange(keys.index(followersIndex(caseId)), 0, -1)),
      ]
      const subs = await store.getMany<Subscription>(ids)
      return subs.filter((s): s is Subscription => s?.status === 'active')
    },

    list(opts: {
      hearingId?: string | undefined
      caseId?: string | undefined
      email?: string | undefined
      limit: number
      cursor?: string | undefined
    }) {
      const email = opts.email?.toLowerCase()
      const index = opts.hearingId ?? opts.caseId
      return store.page<Subscription>(index === undefined ? 'subscriptions' : followersIndex(index), {
        limit: opts.limit,
        cursor: opts.cursor,
        keep: (s) =>
          (opts.hearingId === undefined || s.hearingId === opts.hearingId) &&
          (opts.caseId === undefined || s.caseId === opts.caseId) &&
          (email === undefined || s.email.toLowerCase() === email),
      })
    },
  }
}
export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>
