import type { Case } from '../cases/case.schema.js'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import { deliveryFor } from '../deliveries/fanout.js'
import type { EventRecord } from '../events/event.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import type { Logger } from '../platform/logger.js'
import type { DigestJobData, Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import { arrange, deadlineEntry, hearingEntry } from './compose.js'
import type { DeadlineSource, DigestSnapshot } from './digest.schema.js'
import { type DigestPlan, digestIds, planField } from './ids.js'
import { type DigestPeriod, periodOf } from './period.js'
import { digestOf } from './planner.js'

/** A period is remembered as done a little longer than the longest period (a week) plus its late grace. */
const DONE_TTL_S = 9 * 24 * 3600

export type DigestOutcome = 'done before' | 'nobody' | 'nothing to list' | 'queued'

/**
 * Composes one digest when its moment comes, from the store as it is then (check at fire time): the
 * subscriptions still asking for it, what falls in its window. Records it as an event and a delivery whose
 * ids are derived from (address, period), and queues the email; running it twice, or in two workers at
 * once, makes one delivery.
 */
export function createDigestSender(deps: {
  store: Store
  hearings: HearingStore
  deliveries: DeliveryStore
  queues: Pick<Queues, 'email'>
  deadlines: DeadlineSource
  log: Logger
}) {
  const { store, hearings, deliveries, queues, deadlines, log } = deps
  const { redis, keys } = store

  /** Hearings in the window: those of followed cases from the case index, followed hearings one by one. */
  async function hearingsIn(subs: readonly Subscription[], p: DigestPeriod): Promise<Hearing[]> {
    const found: Hearing[] = []
    for (const caseId of new Set(subs.flatMap((s) => (s.caseId ? [s.caseId] : [])))) {
      let cursor: string | undefined
      do {
        const page = await hearings.list({ caseId, from: p.moment, to: p.windowEnd, limit: 200, cursor })
        found.push(...page.items)
        cursor = page.nextCursor ?? undefined
      } while (cursor)
    }
    const own = await store.getMany<Hearing>(subs.flatMap((s) => (s.hearingId ? [s.hearingId] : [])))
    return [...found, ...own.filter((h): h is Hearing => h !== undefined)]
  }

  async function compose(
    plan: DigestPlan,
    subs: Subscription[],
    job: DigestJobData,
  ): Promise<DigestSnapshot> {
    const p = periodOf(job.frequency, plan.zone, job.moment)
    const found = await hearingsIn(subs, p)
    const caseIds = [
      ...new Set([...subs.flatMap((s) => (s.caseId ? [s.caseId] : [])), ...found.map((h) => h.caseId)]),
    ]
    const due = await deadlines({
      caseIds,
      hearingIds: subs.flatMap((s) => (s.hearingId ? [s.hearingId] : [])),
      from: p.moment,
      to: p.windowEnd,
    })
    const caseIdsAll = [...new Set([...caseIds, ...due.map((d) => d.caseId)])]
    const cases = new Map((await store.getMany<Case>(caseIdsAll)).map((c, i) => [caseIdsAll[i] as string, c]))
    const arranged = arrange(
      [...found.map((h) => hearingEntry(h, p)), ...due.map((d) => deadlineEntry(d, p))],
      cases,
    )
    return {
      address: plan.address,
      frequency: job.frequency,
      period: job.period,
      moment: p.moment,
      windowEnd: p.windowEnd,
      previousMoment: p.previousMoment,
      readerZone: plan.zone,
      recipientName: subs.find((s) => s.name)?.name ?? null,
      subscriptionIds: subs.map((s) => s.id),
      cases: arranged.cases,
      entries: arranged.entries,
    }
  }

  return {
    async send(job: DigestJobData, now = Date.now()): Promise<DigestOutcome> {
      const ids = digestIds(job.address, job.frequency, job.period)
      const doneKey = keys.digestDone(ids.periodId)
      if ((await redis.exists(doneKey)) === 1) return 'done before'
      const finish = async (outcome: DigestOutcome) => {
        await redis.set(doneKey, outcome, 'EX', DONE_TTL_S)
        log.info(
          { deliveryId: ids.deliveryId, frequency: job.frequency, period: job.period, outcome },
          'digest',
        )
        return outcome
      }
      const raw = await redis.hget(keys.digestPlans, planField(job.frequency, job.address))
      const plan = raw ? (JSON.parse(raw) as DigestPlan) : undefined
      const subs = plan
        ? (await store.getMany<Subscription>(plan.subscriptionIds)).filter(
            (s): s is Subscription =>
              s !== undefined && digestOf(s) === job.frequency && s.email.toLowerCase() === job.address,
          )
        : []
      if (!plan || subs.length === 0) return finish('nobody')
      const snapshot = await compose(plan, subs, job)
      if (snapshot.entries.length === 0) return finish('nothing to list')

      const first = subs[0] as Subscription
      const composed: EventRecord = {
        id: ids.eventId,
        type: 'digest',
        timestamp: new Date(now).toISOString(),
        hearingId: null,
        caseId: null,
        data: { hearing: null, case: null, subscriptionId: first.id, digest: snapshot },
      }
      // The first composition wins: a second worker sends what the first recorded, to the same subscription.
      await redis.set(keys.record(ids.eventId), JSON.stringify(composed), 'NX')
      const event = JSON.parse((await redis.get(keys.record(ids.eventId))) as string) as EventRecord
      const to = subs.find((s) => s.id === event.data.subscriptionId) ?? first
      const delivery = {
        ...deliveryFor(event, { channel: 'email', subscriptionId: to.id, email: to.email }, event.timestamp),
        id: ids.deliveryId,
      }
      await deliveries.createMissing([delivery])
      await queues.email.add('email', { deliveryId: delivery.id }, { jobId: delivery.id })
      return finish('queued')
    },
  }
}
export type DigestSender = ReturnType<typeof createDigestSender>
