import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Case } from '../../src/cases/case.schema.js'
import { hearingItem } from '../../src/hearings/hearing.dated.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import type { Subscription, SubscriptionStatus } from '../../src/subscriptions/subscription.schema.js'
import type { Target } from '../../src/subscriptions/subscription.store.js'
import { type Harness, registerBilash, startHarness } from '../helpers/harness.js'

/**
 * The offset index planning reads must say exactly what the subscription records say, whatever sequence of
 * writes (some of them at the same moment, some repeated) led there.
 */
let h: Harness
let cases: Case[]
let hearings: Hearing[]
let targets: Target[]

const OFFSETS = ['P7D', 'P1D', 'PT2H', 'PT30M', 'P2D'] as const
const EMAILS = ['aigerim@example.org', 'Aigerim@Example.org', 'bolat@example.org', 'dana@example.org']
const targetId = (t: Target) => (t.kind === 'hearing' ? t.hearingId : t.caseId)

beforeAll(async () => {
  h = await startHarness({ name: 'subscription-offsets' })
  const first = await registerBilash(h)
  const headers = await h.auth('staff')
  const second = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${first.kase.id}/hearings`,
    headers,
    payload: { title: 'Appeal', startsAt: '2026-12-21T10:00', timeZone: 'Asia/Almaty' },
  })
  const other = await registerBilash(h, { startsAt: '2026-12-28' })
  cases = [first.kase, other.kase]
  hearings = [first.hearing, second.json(), other.hearing]
  targets = [
    ...hearings.map((x): Target => ({ kind: 'hearing', hearingId: x.id })),
    ...cases.map((x): Target => ({ kind: 'case', caseId: x.id })),
  ]
})
afterAll(async () => h.close())

type Op =
  | { kind: 'upsert'; target: number; email: number; offsets: string[]; status: 'pending' | 'active' }
  | { kind: 'setStatus'; target: number; email: number; status: SubscriptionStatus }
  | { kind: 'confirm' | 'unsubscribe' | 'remove'; target: number; email: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('upsert' as const),
    target: fc.nat(4),
    email: fc.nat(EMAILS.length - 1),
    offsets: fc.uniqueArray(fc.constantFrom(...OFFSETS), { minLength: 1, maxLength: 3 }),
    status: fc.constantFrom('pending' as const, 'active' as const),
  }),
  fc.record({
    kind: fc.constant('setStatus' as const),
    target: fc.nat(4),
    email: fc.nat(EMAILS.length - 1),
    status: fc.constantFrom<SubscriptionStatus>('pending', 'active', 'unsubscribed'),
  }),
  fc.record({
    kind: fc.constantFrom('confirm' as const, 'unsubscribe' as const, 'remove' as const),
    target: fc.nat(4),
    email: fc.nat(EMAILS.length - 1),
  }),
)

/** The subscription this email has on this target now, as the staff listing finds it. */
async function find(target: Target, email: string): Promise<Subscription | undefined> {
  const page = await h.services.subscriptions.list({
    ...(target.kind === 'hearing' ? { hearingId: target.hearingId } : { caseId: target.caseId }),
    email,
    limit: 1,
  })
  return page.items[0]
}

/** Runs one write the way the service or the store's callers make it. */
async function run(o: Op) {
  const { subscriptions, subscriptionService, tokens } = h.services
  const target = targets[o.target] as Target
  const email = EMAILS[o.email] as string
  if (o.kind === 'upsert') {
    await subscriptions.upsert(
      target,
      { email, name: null, timeZone: null, remindBefore: o.offsets },
      o.status,
    )
    return
  }
  const sub = await find(target, email)
  if (!sub) return
  if (o.kind === 'setStatus') await subscriptions.setStatus(sub, o.status)
  else if (o.kind === 'confirm') await subscriptionService.confirm(tokens.issue(sub.id, 'confirm'))
  else if (o.kind === 'unsubscribe')
    await subscriptionService.unsubscribe(tokens.issue(sub.id, 'unsubscribe'))
  else await subscriptionService.remove(sub)
}

/** Everything the offset index holds for our targets, as sorted lists (comparable with toEqual). */
async function indexSnapshot() {
  const { redis, keys } = h.services.store
  const snapshot: Record<string, string[]> = {}
  for (const t of targets) {
    const id = targetId(t)
    snapshot[`${id} offsets`] = (await redis.smembers(keys.followerOffsets(id))).sort()
    for (const o of OFFSETS)
      snapshot[`${id} ${o}`] = (await redis.smembers(keys.offsetFollowers(id, o))).sort()
  }
  return snapshot
}

/** The same, recomputed from the subscription records alone. */
async function recomputed() {
  const { redis, keys } = h.services.store
  const snapshot: Record<string, string[]> = {}
  for (const t of targets) {
    const id = targetId(t)
    const ids = await redis.zrange(keys.index(`followers:${id}`), 0, -1)
    const active = (await h.services.store.getMany<Subscription>(ids)).filter(
      (s): s is Subscription => s?.status === 'active' && (s.hearingId ?? s.caseId) === id,
    )
    snapshot[`${id} offsets`] = [...new Set(active.flatMap((s) => s.remindBefore))].sort()
    for (const o of OFFSETS)
      snapshot[`${id} ${o}`] = active
        .filter((s) => s.remindBefore.includes(o))
        .map((s) => s.id)
        .sort()
  }
  return snapshot
}

/** What planning asked for before the index: the offsets of every active follower's record, and endpoints'. */
async function offsetsFromRecords(hearing: Hearing) {
  const kase = cases.find((c) => c.id === hearing.caseId) as Case
  const { subscriptions, endpoints } = await h.services.followers.recipients(
    'hearing.reminder',
    hearingItem(hearing),
    kase,
  )
  return [
    ...new Set([
      ...subscriptions.flatMap((s) => s.remindBefore),
      ...endpoints.flatMap((e) => e.remindBefore),
    ]),
  ].sort()
}

async function plannedOffsets(hearing: Hearing) {
  const kase = cases.find((c) => c.id === hearing.caseId) as Case
  const [offsets] = await h.services.followers.offsetsFor([
    { item: hearingItem(hearing), kase, reminderType: 'hearing.reminder' },
  ])
  return (offsets ?? []).sort()
}

describe('the offset index of subscriptions', () => {
  it('agrees with the records after any sequence of subscribe, confirm, change, unsubscribe and delete, some at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        async (batches) => {
          for (const batch of batches) await Promise.all(batch.map(run))
          expect(await indexSnapshot()).toEqual(await recomputed())
          for (const hearing of hearings)
            expect(await plannedOffsets(hearing)).toEqual(await offsetsFromRecords(hearing))
          // A write made twice leaves the index as the first one left it.
          const last = batches.at(-1)?.at(-1) as Op
          await run(last)
          const once = await indexSnapshot()
          await run(last)
          expect(await indexSnapshot()).toEqual(once)
          expect(once).toEqual(await recomputed())
        },
      ),
      { numRuns: 40 },
    )
  })

  it('plans an offset only one subscriber wants, and drops it when they unsubscribe or change it', async () => {
    const hearing = hearings[2] as Hearing
    const target: Target = { kind: 'hearing', hearingId: hearing.id }
    const { subscription } = await h.services.subscriptions.upsert(
      target,
      { email: 'only-one@example.org', name: null, timeZone: null, remindBefore: ['PT45M'] },
      'active',
    )
    expect(await plannedOffsets(hearing)).toContain('PT45M')

    await h.services.subscriptions.upsert(
      target,
      { email: 'only-one@example.org', name: null, timeZone: null, remindBefore: ['PT50M'] },
      'active',
    )
    expect(await plannedOffsets(hearing)).not.toContain('PT45M')
    expect(await plannedOffsets(hearing)).toContain('PT50M')

    await h.services.subscriptionService.unsubscribe(h.services.tokens.issue(subscription.id, 'unsubscribe'))
    expect(await plannedOffsets(hearing)).not.toContain('PT50M')
  })

  it('keeps an offset while another subscriber of the hearing or its case still wants it', async () => {
    const hearing = hearings[0] as Hearing
    const one = { email: 'first@example.org', name: null, timeZone: null, remindBefore: ['PT40M'] }
    const { subscription: first } = await h.services.subscriptions.upsert(
      { kind: 'hearing', hearingId: hearing.id },
      one,
      'active',
    )
    const { subscription: second } = await h.services.subscriptions.upsert(
      { kind: 'case', caseId: hearing.caseId },
      { ...one, email: 'second@example.org' },
      'active',
    )
    await h.services.subscriptions.remove(first)
    expect(await plannedOffsets(hearing)).toContain('PT40M')
    await h.services.subscriptions.setStatus(second, 'unsubscribed')
    expect(await plannedOffsets(hearing)).not.toContain('PT40M')
  })
})
