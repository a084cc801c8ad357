import type { Logger } from '../platform/logger.js'
import type { Store } from '../platform/store.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'
import type { Tokens } from '../subscriptions/tokens.js'
import { type DigestPlan, planField } from './ids.js'

/** The link in a digest's footer (and its List-Unsubscribe): it may stop digests, and nothing else. */
export const digestStopUrl = (base: string, tokens: Tokens, subscriptionId: string) =>
  `${base}/digests/stop?token=${tokens.issue(subscriptionId, 'digest')}`

/**
 * Stops every digest of the address a digest token names (reminders and notices go on): each subscription of
 * that address the digest plans know, and the token's own, ask for no digest any more.
 */
export function createDigestStop(deps: {
  store: Store
  subscriptions: SubscriptionStore
  tokens: Tokens
  log: Logger
}) {
  const { store, subscriptions, tokens, log } = deps

  async function subscriptionOf(token: string): Promise<Subscription | undefined> {
    const id = tokens.verify(token, 'digest')
    return id === undefined ? undefined : subscriptions.get(id)
  }

  return {
    /** The address a valid token names, without changing anything (for the page with the button). */
    peek: async (token: string) => (await subscriptionOf(token))?.email,

    async stop(token: string): Promise<string | undefined> {
      const sub = await subscriptionOf(token)
      if (!sub) return undefined
      const address = sub.email.toLowerCase()
      const raws = await store.redis.hmget(
        store.keys.digestPlans,
        planField('daily', address),
        planField('weekly', address),
      )
      const ids = new Set([sub.id])
      for (const raw of raws)
        if (raw) for (const id of (JSON.parse(raw) as DigestPlan).subscriptionIds) ids.add(id)
      const subs = await store.getMany<Subscription>([...ids])
      let stopped = 0
      for (const s of subs)
        if (s && s.email.toLowerCase() === address && s.digest !== 'none' && s.digest !== undefined) {
          await subscriptions.setDigest(s, 'none')
          stopped++
        }
      log.info({ subscriptionId: sub.id, stopped }, 'digests stopped')
      return sub.email
    },
  }
}
export type DigestStop = ReturnType<typeof createDigestStop>
