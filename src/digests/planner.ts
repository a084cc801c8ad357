import type { Config } from '../../config/index.js'
import type { Case } from '../cases/case.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { acquireLock } from '../platform/lock.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import { type DigestPlan, digestIds, planField } from './ids.js'
import { type DigestFrequency, type DigestPeriod, digestsToPlan } from './period.js'

/** Short, and renewed while a pass runs: a process killed mid-pass holds up the next one by seconds only. */
const LOCK_MS = 15_000
const BATCH = 500

/** The digest a subscription asks for, if any (records written before digests existed ask for none). */
export const digestOf = (sub: Subscription): DigestFrequency | undefined =>
  sub.status === 'active' && (sub.digest === 'daily' || sub.digest === 'weekly') ? sub.digest : undefined

/**
 * The digest pass: re-derives from the subscriptions who gets which digest and when, records each address's
 * plan, and makes sure the job of its next digest exists (and that of the latest one, if it has not gone out
 * and may still go late). Job ids are derived, so re-adding is a no-op; a lost queue is rebuilt by the next pass.
 */
export function createDigestPlanner(deps: {
  store: Store
  queues: Pick<Queues, 'digests'>
  config: Pick<Config, 'digests'>
  log: Logger
}) {
  const { store, queues, config, log } = deps
  const { redis, keys } = store

  /** Every active subscription asking for a digest, grouped by (frequency, address), oldest first. */
  async function groups(): Promise<Map<string, Subscription[]>> {
    const found = new Map<string, Subscription[]>()
    let min = '-'
    for (;;) {
      const ids = await redis.zrange(keys.index('subscriptions'), min, '+', 'BYLEX', 'LIMIT', 0, BATCH)
      if (ids.length === 0) break
      for (const sub of await store.getMany<Subscription>(ids)) {
        const frequency = sub && digestOf(sub)
        if (!sub || !frequency) continue
        const field = planField(frequency, sub.email.toLowerCase())
        found.set(field, [...(found.get(field) ?? []), sub])
      }
      min = `(${ids[ids.length - 1]}`
    }
    for (const subs of found.values()) subs.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    return found
  }

  /** The reader's zone: the subscription's own, else that of what it follows. */
  async function zoneOf(sub: Subscription): Promise<string> {
    if (sub.timeZone) return sub.timeZone
    const target = await store.get<Case | Hearing>((sub.hearingId ?? sub.caseId) as string)
    return target?.timeZone ?? 'UTC'
  }

  return {
    async pass(now = Date.now()) {
      const lock = await acquireLock(redis, keys.lock('digests'), LOCK_MS)
      if (!lock) return undefined
      const renew = setInterval(() => lock.renew().catch(() => undefined), LOCK_MS / 3)
      try {
        const found = await groups()
        const plans: DigestPlan[] = []
        for (const [field, subs] of found) {
          const [frequency, address] = [
            field.slice(0, field.indexOf('|')),
            field.slice(field.indexOf('|') + 1),
          ]
          const zone = await zoneOf(subs[0] as Subscription)
          plans.push({
            address,
            frequency: frequency as DigestFrequency,
            zone,
            subscriptionIds: subs.map((s) => s.id),
          })
        }
        const stale = (await redis.hkeys(keys.digestPlans)).filter((field) => !found.has(field))
        const write = redis.pipeline()
        for (const plan of plans)
          write.hset(keys.digestPlans, planField(plan.frequency, plan.address), JSON.stringify(plan))
        if (stale.length > 0) write.hdel(keys.digestPlans, ...stale)
        await write.exec()

        const wanted: { plan: DigestPlan; period: DigestPeriod }[] = []
        for (const plan of plans) {
          const { late, next } = digestsToPlan(plan.frequency, plan.zone, config.digests.hour, now)
          if (late) wanted.push({ plan, period: late })
          wanted.push({ plan, period: next })
        }
        const done = redis.pipeline()
        for (const { plan, period } of wanted)
          done.exists(keys.digestDone(digestIds(plan.address, plan.frequency, period.period).periodId))
        const doneFlags = ((await done.exec()) ?? []).map(([, n]) => n === 1)
        const jobs = wanted
          .filter((_, i) => !doneFlags[i])
          .map(({ plan, period }) => ({
            name: 'digests' as const,
            data: {
              address: plan.address,
              frequency: plan.frequency,
              period: period.period,
              moment: period.moment,
            },
            opts: {
              jobId: digestIds(plan.address, plan.frequency, period.period).jobId,
              delay: Math.max(0, Date.parse(period.moment) - now),
            },
          }))
        for (let i = 0; i < jobs.length; i += 100) await queues.digests.addBulk(jobs.slice(i, i + 100))
        const result = { addresses: plans.length, digestsPlanned: jobs.length, plansRemoved: stale.length }
        log.info(result, 'digest pass')
        return result
      } finally {
        clearInterval(renew)
        await lock.release().catch(() => undefined)
      }
    },
  }
}
export type DigestPlanner = ReturnType<typeof createDigestPlanner>
