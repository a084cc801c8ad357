import type { Language } from '../i18n/languages.js'
import { conflict } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Store } from '../platform/store.js'
import { indexedOffsets, WRITE } from './offset-index.js'
import type { Digest, Subscription, SubscriptionStatus } from './subscription.schema.js'

export type Target = { kind: 'hearing'; hearingId: string } | { kind: 'case'; caseId: string }
export type SubscriptionInput = {
  email: string
  name: string | null
  timeZone: string | null
  remindBefore: string[]
  /** Defaults for a new subscription: English, no digest; an update keeps what is stored unless given. */
  language?: Language | undefined
  digest?: Digest | undefined
}

const targetKey = (t: Target) => (t.kind === 'hearing' ? t.hearingId : t.caseId)
const followersIndex = (targetId: string) => `followers:${targetId}`
const emailKey = (targetId: string, email: string) => `${targetId}|${email.toLowerCase()}`
/** Every subscription an address ever had (the preferences page); deleted ones are skipped on read. */
const addressIndex = (email: string) => `address:${email.toLowerCase()}`

export function createSubscriptionStore({ store }: { store: Store }) {
  const { redis, keys } = store

  /** One compare-and-set step of `commit`; false when the stored record is no longer `expected`. */
  async function write(
    sub: Subscription,
    expected: string,
    offsetsBefore: string[],
    next: Subscription | null,
    nextRaw = next ? JSON.stringify(next) : '',
  ) {
    const targetId = (sub.hearingId ?? sub.caseId) as string
    const offsetsAfter = indexedOffsets(next ?? undefined)
    const left = offsetsBefore.filter((o) => !offsetsAfter.includes(o))
    const offsets = [...left, ...offsetsAfter]
    const written = await redis.eval(
      WRITE,
      5 + offsets.length,
      keys.record(sub.id),
      keys.index('subscriptions'),
      keys.index(followersIndex(targetId)),
      keys.subscriptionByEmail,
      keys.followerOffsets(targetId),
      ...offsets.map((o) => keys.offsetFollowers(targetId, o)),
      expected,
      nextRaw,
      sub.id,
      emailKey(targetId, sub.email),
      left.length,
      ...offsets,
    )
    return written === 1
  }

  /**
   * Read, change, compare-and-set: the change applies to the record as stored, and the offset index moves
   * from that record to the next in the same step, so concurrent writers cannot leave it behind the records.
   * `change` answers the next record, null to delete it, undefined to leave it as it is.
   */
  async function commit(
    subject: Subscription,
    change: (current: Subscription | undefined) => Subscription | null | undefined,
  ): Promise<{ before: Subscription | undefined; after: Subscription | null | undefined }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const raw = await redis.get(keys.record(subject.id))
      const current = raw === null ? undefined : (JSON.parse(raw) as Subscription)
      const next = change(current)
      if (next === undefined) return { before: current, after: current }
      if (await write(current ?? subject, raw ?? '', indexedOffsets(current), next))
        return { before: current, after: next }
    }
    throw conflict(`Subscription ${subject.id} is being changed by someone else; try again`)
  }

  async function get(id: string): Promise<Subscription | undefined> {
    const found = id.startsWith('sub_') ? await store.get<Subscription>(id) : undefined
    // Subscriptions stored before languages and digests existed read as English, without a digest.
    return found && { ...found, language: found.language ?? 'en', digest: found.digest ?? 'none' }
  }

  return {
    get,

    /** Creates the subscription, or updates the one this email already has on this target. */
    async upsert(
      target: Target,
      input: SubscriptionInput,
      status: SubscriptionStatus,
      opts: { subscribedBy?: 'staff' | 'self'; defaultLanguage?: Language } = {},
    ) {
      const subscribedBy = opts.subscribedBy ?? (status === 'active' ? 'staff' : 'self')
      // Claim the (target, email) pair atomically: two requests at once must end with one subscription.
      const byEmail = emailKey(targetKey(target), input.email)
      const freshId = newId('sub')
      const claimed = (await redis.hsetnx(keys.subscriptionByEmail, byEmail, freshId)) === 1
      const id = claimed ? freshId : ((await redis.hget(keys.subscriptionByEmail, byEmail)) ?? freshId)
      const now = new Date().toISOString()
      const fresh: Subscription = {
        id,
        hearingId: target.kind === 'hearing' ? target.hearingId : null,
        caseId: target.kind === 'case' ? target.caseId : null,
        ...input,
        language: input.language ?? opts.defaultLanguage ?? 'en',
        digest: input.digest ?? 'none',
        status,
        subscribedBy,
        createdAt: now,
        updatedAt: now,
      }
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
      const { before, after } = await commit(fresh, (existing) =>
        existing
          ? {
              ...existing,
              ...changes,
              status,
              // Whoever made it active is who the person heard from first; a pending request is taken over.
              subscribedBy:
                existing.status === 'active' ? (existing.subscribedBy ?? subscribedBy) : subscribedBy,
              updatedAt: now,
            }
          : fresh,
      )
      if (!before) await redis.zadd(keys.index(addressIndex(input.email)), Date.now(), id)
      return { subscription: after as Subscription, existing: before }
    },

    /** Changes the status of the subscription as stored now; one deleted meanwhile stays deleted. */
    /** Every subscription of an address, oldest first, whatever its target or status. */
    async ofAddress(email: string): Promise<Subscription[]> {
      const ids = await redis.zrange(keys.index(addressIndex(email)), 0, 199)
      const subs = await store.getMany<Subscription>(ids)
      return subs.filter((s): s is Subscription => s !== undefined)
    },

    async setStatus(sub: Subscription, status: SubscriptionStatus): Promise<Subscription | undefined> {
      const { after } = await commit(
        sub,
        (current) => current && { ...current, status, updatedAt: new Date().toISOString() },
      )
      return after ?? undefined
    },

    /** Changes the digest the subscription asks for, as stored now; one deleted meanwhile stays deleted. */
    async setDigest(sub: Subscription, digest: Digest): Promise<Subscription | undefined> {
      const { after } = await commit(
        sub,
        (current) => current && { ...current, digest, updatedAt: new Date().toISOString() },
      )
      return after ?? undefined
    },

    async remove(sub: Subscription) {
      await commit(sub, () => null)
    },

    /**
     * The distinct reminder offsets the active subscriptions of each item's targets want (an item is followed
     * through its own id, its case's, …), for many items in one round trip (the reconciler asks for a batch).
     */
    async offsetsWanted(targets: readonly (readonly string[])[]): Promise<string[][]> {
      if (targets.length === 0) return []
      const tx = redis.pipeline()
      for (const ids of targets) tx.sunion(...ids.map(keys.followerOffsets))
      return ((await tx.exec()) ?? []).map(([err, offsets]) => {
        if (err) throw err
        return offsets as string[]
      })
    },

    /** Active subscriptions following any of these targets (a hearing and its case, …), each once. */
    async activeFollowers(targetIds: readonly string[]): Promise<Subscription[]> {
      const ids = new Set<string>()
      for (const targetId of targetIds)
        for (const id of await redis.zrange(keys.index(followersIndex(targetId)), 0, -1)) ids.add(id)
      const subs = await store.getMany<Subscription>([...ids])
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
