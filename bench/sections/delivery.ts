import type { Case } from '../../src/cases/case.schema.js'
import { renderReminder } from '../../src/email/render.js'
import type { EndpointRecord } from '../../src/endpoints/endpoint.schema.js'
import { type EventRecord, webhookBody } from '../../src/events/event.js'
import { newId } from '../../src/platform/ids.js'
import { reminderDueAt } from '../../src/platform/time.js'
import type { Subscription } from '../../src/subscriptions/subscription.schema.js'
import { type BareWorker, startBareWorker } from '../lib/bare.js'
import type { Ctx } from '../lib/context.js'
import { createCase, createEndpoint, hearingRecord } from '../lib/fixtures.js'
import { type Receiver, startReceiver } from '../lib/receiver.js'
import { type BenchServices, benchServices } from '../lib/services.js'
import { type SmtpSink, startSmtpSink } from '../lib/smtp-sink.js'
import { deletePrefix, mapConcurrent } from '../lib/util.js'

const SECTION = '3 delivery'
const DAY = 86_400_000

type Run = { n: number; ms: number; rate: number; arrived: number }

/**
 * Section 3: end-to-end delivery throughput. Deliveries are written by the service's own fan-out
 * (fanOut.enqueue: delivery records + addBulk) while the queue is paused; the clock starts at resume and
 * stops at the last arrival. Baseline: a bare BullMQ worker doing the same POST / nodemailer send per job,
 * same concurrency, same pause/resume, alternating, best of 2. Then the webhooks again with persistence off.
 */
export async function deliverySection(ctx: Ctx) {
  const S = ctx.sizes.delivery
  const prefix = ctx.newPrefix('dlv')
  const svc = await benchServices(ctx.redis.url, prefix)
  const receiver = await startReceiver({ keepBodies: false })
  const sink = await startSmtpSink()
  const stops: { stop(): Promise<void> }[] = []
  const bares: BareWorker[] = []
  try {
    const kase = await createCase(svc, 1)
    const endpoints = await mapConcurrent(
      Array.from({ length: S.endpoints }, (_, i) => i),
      20,
      (n) =>
        createEndpoint(svc, receiver.url, {
          eventTypes: ['hearing.reminder'],
          remindBefore: ['PT1H'],
          caseIds: [kase.id],
          n,
        }),
    )
    const subs = await mapConcurrent(
      Array.from({ length: S.subscribers }, (_, i) => i),
      20,
      async (n) => {
        const { subscription } = await svc.subscriptions.upsert(
          { kind: 'case', caseId: kase.id },
          { email: `lawyer${n}@example.org`, name: `Lawyer ${n}`, timeZone: null, remindBefore: ['PT1H'] },
          'active',
        )
        return subscription
      },
    )
    const worker = await ctx.startCourtbell({
      section: 'delivery',
      name: 'worker',
      role: 'worker',
      prefix,
      env: { SMTP_URL: sink.url },
    })
    stops.push(worker)
    await worker.waitForLine((l) => l.includes('reconciler pass'), 60_000, 'the start-up reconciler pass')

    let eventNo = 0
    const webhooks = (n: number) =>
      courtbellRun(svc, 'webhook', receiver, n, S.endpoints, () =>
        reminderEvent(svc, kase, eventNo++).then((e) =>
          svc.fanOut.enqueue(e, { subscriptions: [], endpoints }),
        ),
      )
    const emails = (n: number) =>
      courtbellRun(svc, 'email', sink, n, S.subscribers, () =>
        reminderEvent(svc, kase, eventNo++).then((e) =>
          svc.fanOut.enqueue(e, { subscriptions: subs as Subscription[], endpoints: [] as EndpointRecord[] }),
        ),
      )

    // --- baselines wait, idle, in their own processes: the same body / message, the same concurrency
    const sample = await reminderEvent(svc, kase, 999_999)
    const bareHook = await startBareWorker(ctx, {
      name: 'webhook',
      mode: 'webhook',
      concurrency: 50,
      target: receiver.url,
      payload: { body: webhookBody(sample) },
    })
    bares.push(bareHook)
    const hearing = sample.data.hearing
    if (!hearing) throw new Error('sample event without hearing')
    const unsubscribeUrl = `http://127.0.0.1:3000/unsubscribe?token=${'x'.repeat(120)}`
    const email = renderReminder({
      hearing,
      case: kase,
      readerZone: hearing.timeZone,
      recipientName: 'Lawyer 1',
      unsubscribeUrl,
      remindBefore: 'PT1H',
    })
    const bareMail = await startBareWorker(ctx, {
      name: 'email',
      mode: 'email',
      concurrency: 10,
      target: sink.url,
      payload: {
        ...email,
        headers: JSON.stringify({
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        }),
      },
    })
    bares.push(bareMail)

    // Warm-ups, then each measurement S.reps times, courtbell and bare alternating; the best run of each
    // counts (other load on a shared machine only ever slows a run down).
    await webhooks(S.warmupWebhooks)
    await bareRun(bareHook, receiver, S.warmupWebhooks)
    const hookRuns: Run[] = []
    const bareHookRuns: Run[] = []
    for (let r = 0; r < S.reps; r++) {
      hookRuns.push(await webhooks(S.webhooks))
      bareHookRuns.push(await bareRun(bareHook, receiver, S.webhooks))
    }
    await emails(S.warmupEmails)
    await bareRun(bareMail, sink, S.warmupEmails)
    const mailRuns: Run[] = []
    const bareMailRuns: Run[] = []
    for (let r = 0; r < S.reps; r++) {
      mailRuns.push(await emails(S.emails))
      bareMailRuns.push(await bareRun(bareMail, sink, S.emails))
    }
    await ctx.redis.setPersistence('none')
    const noPersistenceRuns: Run[] = []
    try {
      for (let r = 0; r < S.reps; r++) noPersistenceRuns.push(await webhooks(S.webhooks))
    } finally {
      await ctx.redis.setPersistence('aof-everysec')
    }
    const counts = await svc.deliveries.counts()
    const best = (runs: Run[]) => runs.reduce((a, b) => (b.rate > a.rate ? b : a))
    const hooks = best(hookRuns)
    const bareHooks = best(bareHookRuns)
    const mails = best(mailRuns)
    const bareMails = best(bareMailRuns)
    const hooksNoPersistence = best(noPersistenceRuns)

    const row = (metric: string, run: Run, base: Run, label: string, target: number) =>
      ctx.row({
        section: SECTION,
        metric,
        value: run.rate,
        baseline: base.rate,
        baselineLabel: label,
        unit: '/s',
        target: `ratio ≥ ${target}`,
        met: run.arrived >= run.n && run.rate / base.rate >= target,
        ...(run.arrived < run.n ? { note: `only ${run.arrived} of ${run.n} arrived` } : {}),
      })
    row(`${S.webhooks} webhooks end to end`, hooks, bareHooks, 'bare BullMQ worker, same POST', 0.6)
    row(
      `${S.emails} emails end to end (pooled SMTP)`,
      mails,
      bareMails,
      'bare BullMQ worker, same nodemailer send',
      0.6,
    )
    row(
      `${S.webhooks} webhooks: AOF everysec vs no persistence`,
      hooks,
      hooksNoPersistence,
      'same, Redis appendonly no',
      0.8,
    )
    ctx.details.delivery = {
      sizes: S,
      best: { hooks, mails, hooksNoPersistence, bareHooks, bareMails },
      runs: { hookRuns, bareHookRuns, mailRuns, bareMailRuns, noPersistenceRuns },
      deliveryCounts: counts,
    }
  } finally {
    for (const p of stops) await p.stop()
    for (const b of bares) await b.close()
    await receiver.close()
    await sink.close()
    await deletePrefix(ctx.redis.client, prefix)
    await svc.close()
  }
}

/** A hearing.reminder event like fire.ts records: a hearing and its case snapshot, due in a week. */
async function reminderEvent(svc: BenchServices, kase: Case, n: number): Promise<EventRecord> {
  const hearing = hearingRecord(kase, Math.ceil((Date.now() + 8 * DAY) / 1000) * 1000, n)
  await svc.hearings.save(hearing, undefined)
  const dueAt = reminderDueAt(hearing.startsAtUtc, hearing.timeZone, 'PT1H')
  const event: EventRecord = {
    id: newId('evt'),
    type: 'hearing.reminder',
    timestamp: new Date().toISOString(),
    hearingId: hearing.id,
    caseId: kase.id,
    data: { hearing, case: kase, reminder: { remindBefore: 'PT1H', dueAt } },
  }
  await svc.store.redis.set(svc.store.keys.record(event.id), JSON.stringify(event))
  return event
}

type Sink = Receiver | SmtpSink

/** Pause, fan out n deliveries (perEvent per event), resume, time until the n-th arrives. */
async function courtbellRun(
  svc: BenchServices,
  channel: 'webhook' | 'email',
  sink: Sink,
  n: number,
  perEvent: number,
  fanOut: () => Promise<unknown>,
): Promise<Run> {
  const queue = svc.queues[channel]
  sink.reset()
  await queue.pause()
  try {
    await mapConcurrent(
      Array.from({ length: Math.ceil(n / perEvent) }, (_, i) => i),
      4,
      () => fanOut(),
    )
  } finally {
    await queue.resume()
  }
  const t0 = Date.now()
  await sink.waitForCount(n, 60_000 + n * 5)
  return finish(sink, n, t0)
}

async function bareRun(bare: BareWorker, sink: Sink, n: number): Promise<Run> {
  sink.reset()
  await bare.queue.pause()
  try {
    const stamp = Date.now()
    await bare.addAll(
      Array.from({ length: n }, (_, i) => ({
        name: 'bare',
        data: { deliveryId: `dlv_bare${stamp}_${i}`, to: `lawyer${i % 100}@example.org` },
        opts: { jobId: `bare${stamp}_${i}` },
      })),
    )
  } finally {
    await bare.queue.resume()
  }
  const t0 = Date.now()
  await sink.waitForCount(n, 60_000 + n * 5)
  return finish(sink, n, t0)
}

function finish(sink: Sink, n: number, t0: number): Run {
  const times = sink.arrivals.map((a) => (typeof a === 'number' ? a : a.at))
  const last = times.length > 0 ? Math.max(...times) : Date.now()
  const ms = Math.max(1, last - t0)
  return { n, ms, rate: (Math.min(times.length, n) / ms) * 1000, arrived: times.length }
}
