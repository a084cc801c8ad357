import type { Config } from '../../config/index.js'
import type { Case } from '../cases/case.schema.js'
import type { FanOut } from '../deliveries/fanout.js'
import type { EventRecord } from '../events/event.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { RateLimiter } from '../http/rate-limit.js'
import { negotiateLanguage } from '../i18n/languages.js'
import type { Principal } from '../keys/auth.js'
import { badRequest, invalidField } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Logger } from '../platform/logger.js'
import type { Store } from '../platform/store.js'
import { isValidTimeZone, parseRemindBefore, unknownTimeZone } from '../platform/time.js'
import type { Scheduler } from '../reminders/scheduler.js'
import type { Subscription, SubscriptionCreate } from './subscription.schema.js'
import type { SubscriptionStore, Target } from './subscription.store.js'
import type { Tokens } from './tokens.js'

type Deps = {
  store: Store
  subscriptions: SubscriptionStore
  scheduler: Scheduler
  fanOut: FanOut
  tokens: Tokens
  rateLimit: RateLimiter
  config: Pick<Config, 'reminders'>
  log: Logger
}

/** Validates and de-duplicates remindBefore durations; errors point at the offending item. */
export function normalizeRemindBefore(
  list: readonly string[] | undefined,
  fallback: readonly string[],
): string[] {
  const result: string[] = []
  for (const [i, raw] of (list ?? fallback).entries()) {
    const parsed = parseRemindBefore(raw)
    if (!parsed.ok)
      throw badRequest(`remindBefore[${i}]: ${parsed.message}`, [
        { path: `/remindBefore/${i}`, message: parsed.message },
      ])
    if (!result.includes(parsed.value)) result.push(parsed.value)
  }
  return result
}

const targetId = (t: Target) => (t.kind === 'hearing' ? t.hearingId : t.caseId)

/** The inbox an address lands in, for rate limits: case-insensitive, without a +tag. */
export const mailbox = (email: string) => email.toLowerCase().replace(/\+[^@]*@/, '@')

export function createSubscriptionService(deps: Deps) {
  const { store, subscriptions, scheduler, fanOut, tokens, rateLimit, config, log } = deps

  /**
   * A new follower may want offsets nobody wanted before, and one leaving may take the last wish for an
   * offset with it: re-plan what it follows (a hearing and the deadlines it triggered, or a case's items).
   */
  async function replan(sub: Subscription) {
    try {
      if (sub.hearingId) await scheduler.syncFollowing(sub.hearingId)
      else await scheduler.syncUpcoming([sub.caseId as string])
    } catch (err) {
      log.warn({ err, subscriptionId: sub.id }, 'scheduling deferred to the reconciler')
    }
  }

  async function sendToSubscriber(
    sub: Subscription,
    type: 'subscription.confirmation' | 'subscription.welcome',
  ) {
    const event: EventRecord = {
      id: newId('evt'),
      type,
      timestamp: new Date().toISOString(),
      hearingId: sub.hearingId,
      caseId: sub.caseId,
      data: { hearing: null, case: null, subscriptionId: sub.id },
    }
    await store.redis.set(store.keys.record(event.id), JSON.stringify(event))
    await fanOut.enqueue(event, { subscriptions: [sub], endpoints: [] })
  }

  return {
    /**
     * Staff subscribe someone directly (active). Anyone else asks for it (pending) and must confirm by the
     * link we email; an already active subscription is not changed by an unauthenticated request.
     */
    async subscribe(
      target: Target,
      kase: Case,
      hearing: Hearing | undefined,
      input: SubscriptionCreate,
      who: { principal: Principal | null; ip: string; acceptLanguage?: string | undefined },
    ) {
      if (input.timeZone !== undefined && !isValidTimeZone(input.timeZone))
        throw invalidField('/timeZone', unknownTimeZone(input.timeZone))
      const fields = {
        email: input.email,
        name: input.name ?? null,
        timeZone: input.timeZone ?? hearing?.timeZone ?? kase.timeZone,
        remindBefore: normalizeRemindBefore(input.remindBefore, config.reminders.defaultRemindBefore),
        language: input.language,
        digest: input.digest,
      }
      if (fields.remindBefore.length === 0 && (fields.digest ?? 'none') === 'none')
        throw invalidField('/remindBefore', 'at least one reminder, or a daily or weekly digest')
      // A person asking for themselves reads best in the language their browser or client asks for.
      const defaultLanguage =
        (who.principal ? undefined : negotiateLanguage(who.acceptLanguage)) ?? kase.language ?? 'en'
      if (who.principal) {
        const { subscription, existing } = await subscriptions.upsert(target, fields, 'active', {
          defaultLanguage,
        })
        await replan(subscription)
        // Someone subscribed by staff hears it from us once, with the links to change or stop it.
        if (existing?.status !== 'active') await sendToSubscriber(subscription, 'subscription.welcome')
        return { subscription, status: existing ? (200 as const) : (201 as const) }
      }
      await rateLimit(`subscribe-ip:${who.ip}`, 20, 3600)
      const current = await subscriptions.list({
        ...(hearing ? { hearingId: hearing.id } : { caseId: kase.id }),
        email: input.email,
        limit: 1,
      })
      const existing = current.items[0]
      // Anyone can ask; the answer must not tell a stranger who already follows a case. An active
      // subscription is left as it is, and the answer looks like any other request awaiting confirmation.
      if (existing?.status === 'active') {
        const now = new Date().toISOString()
        const lookalike = {
          ...existing,
          ...fields,
          language: fields.language ?? defaultLanguage,
          digest: fields.digest ?? 'none',
          id: newId('sub'),
          status: 'pending' as const,
          createdAt: now,
          updatedAt: now,
        }
        return { subscription: lookalike, status: 202 as const }
      }
      // Enough for a person following a handful of cases in a row; not enough to flood someone else's inbox.
      await rateLimit(`confirm-email:${mailbox(input.email)}`, 6, 3600)
      await rateLimit(`confirm-target:${mailbox(input.email)}|${targetId(target)}`, 3, 3600)
      const { subscription } = await subscriptions.upsert(target, fields, 'pending', { defaultLanguage })
      await sendToSubscriber(subscription, 'subscription.confirmation')
      log.info({ subscriptionId: subscription.id }, 'confirmation requested')
      return { subscription, status: 202 as const }
    },

    async confirm(token: string): Promise<Subscription | undefined> {
      const id = tokens.verify(token, 'confirm')
      const sub = id === undefined ? undefined : await subscriptions.get(id)
      if (!sub || sub.status === 'unsubscribed') return undefined
      if (sub.status === 'active') return sub
      const active = await subscriptions.setStatus(sub, 'active')
      if (!active) return undefined
      log.info({ subscriptionId: sub.id }, 'subscription confirmed')
      await replan(active)
      return active
    },

    async unsubscribe(token: string): Promise<Subscription | undefined> {
      const id = tokens.verify(token, 'unsubscribe')
      const sub = id === undefined ? undefined : await subscriptions.get(id)
      return sub && this.end(sub)
    },

    /** Stops a subscription (from its unsubscribe link or the preferences page); stopping twice is harmless. */
    async end(sub: Subscription): Promise<Subscription | undefined> {
      if (sub.status === 'unsubscribed') return sub
      log.info({ subscriptionId: sub.id }, 'unsubscribed')
      const gone = await subscriptions.setStatus(sub, 'unsubscribed')
      if (!gone) return undefined
      await replan(gone)
      return gone
    },

    async remove(sub: Subscription) {
      await subscriptions.remove(sub)
      if (sub.status === 'active') await replan(sub)
    },

    /** Saves what the preferences page may change, and re-plans when the reminders changed. */
    async update(
      sub: Subscription,
      change: Pick<Subscription, 'remindBefore' | 'language' | 'timeZone' | 'digest'>,
    ): Promise<Subscription> {
      const target: Target = sub.hearingId
        ? { kind: 'hearing', hearingId: sub.hearingId }
        : { kind: 'case', caseId: sub.caseId as string }
      const { subscription } = await subscriptions.upsert(
        target,
        { email: sub.email, name: sub.name, ...change },
        sub.status,
        { subscribedBy: sub.subscribedBy ?? 'self' },
      )
      if (sub.remindBefore.join() !== subscription.remindBefore.join() && sub.status === 'active')
        await replan(subscription)
      return subscription
    },

    /** The subscription a valid confirmation token names, without changing it (the page with the button). */
    async peekConfirm(token: string) {
      const id = tokens.verify(token, 'confirm')
      const sub = id === undefined ? undefined : await subscriptions.get(id)
      return sub && sub.status !== 'unsubscribed' ? sub : undefined
    },

    /** The subscription a valid unsubscribe token names, without changing it (for the confirmation page). */
    async peekUnsubscribe(token: string) {
      const id = tokens.verify(token, 'unsubscribe')
      return id === undefined ? undefined : subscriptions.get(id)
    },
  }
}
export type SubscriptionService = ReturnType<typeof createSubscriptionService>
