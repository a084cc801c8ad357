import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hearingItem } from '../../src/hearings/hearing.dated.js'
import { QUEUE_NAMES } from '../../src/platform/queues.js'
import { reminderJobId } from '../../src/reminders/jobs.js'
import { planReminders } from '../../src/reminders/plan.js'
import { createReconciler } from '../../src/reminders/reconciler.js'
import {
  bilash,
  caseWithReminderEndpoint,
  deleteKeys,
  eventually,
  type Harness,
  startHarness,
} from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'

/**
 * Fault 5 of issue 3: every key under BullMQ's prefix (`${prefix}:q:*`) is deleted. The reconciler rebuilds each
 * pending reminder (one delayed job per hearing and offset, due at the right moment) and none that already
 * fired, and deliveries whose job vanished are queued again once overdue.
 */
const JOB_LOCK_MS = 1000
const RETRY_MS = 10 * 60_000
const OFFSETS = ['PT8S', 'P1D'] as const
let h: Harness
let reminders: Receiver // follows the case: hearing.* and hearing.reminder
let pendingHook: Receiver // its test delivery is queued while the webhook queue is paused
let retryHook: Receiver // answers 500 once, then 200: its delivery waits 10 min for a retry
let caseId: string
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const almaty = () => DateTime.now().setZone('Asia/Almaty')
const wall = (dt: DateTime) => dt.startOf('second').toFormat("yyyy-MM-dd'T'HH:mm:ss")

import type { Hearing } from '../../src/hearings/hearing.schema.js'

beforeAll(async () => {
  ;[reminders, pendingHook, retryHook] = await Promise.all([
    startReceiver(),
    startReceiver(),
    startReceiver(),
  ])
  let retryCalls = 0
  retryHook.setResponse(() => (retryCalls++ === 0 ? 500 : 200))
  h = await startHarness({
    name: 'fault-queue-loss',
    workers: true,
    env: {
      JOB_LOCK_MS: String(JOB_LOCK_MS),
      RETRY_SCHEDULE: '10m',
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
  })
  caseId = await caseWithReminderEndpoint(h, reminders.url, OFFSETS)
}, 30_000)

afterAll(async () => {
  await h?.close().catch(() => undefined)
  await Promise.all([reminders, pendingHook, retryHook].map((r) => r?.close()))
}, 30_000)

const staff = () => h.auth('staff')
async function createHearing(startsAt: string, title: string): Promise<Hearing> {
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/hearings`,
    headers: await staff(),
    payload: { title, startsAt },
  })
  expect(res.statusCode).toBe(201)
  return res.json()
}
async function quietEndpoint(url: string, quietCase: string): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: await staff(),
    payload: { url, caseIds: [quietCase] },
  })
  expect(res.statusCode).toBe(201)
  return res.json().id
}
async function sendTest(endpointId: string): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/webhook-endpoints/${endpointId}/test`,
    headers: await staff(),
  })
  expect(res.statusCode).toBe(202)
  return res.json().deliveryId
}
type Delivery = { id: string; status: string; attempts: { statusCode?: number }[] }
const getDelivery = async (id: string): Promise<Delivery> =>
  (await h.app.inject({ method: 'GET', url: `/v1/deliveries/${id}`, headers: await staff() })).json()

const planFor = (hearing: Hearing) => planReminders(hearingItem(hearing), OFFSETS)

async function idle() {
  await eventually(
    async () => {
      for (const name of QUEUE_NAMES) {
        const c = await h.services.queues[name].getJobCounts('active', 'wait', 'waiting', 'prioritized')
        if (Object.values(c).some((n) => n > 0)) return undefined
      }
      return true
    },
    10_000,
    'queues idle',
  )
}

describe('fault: queue keys lost', () => {
  it('rebuilds every pending reminder and none that fired, and re-queues deliveries whose job vanished', async () => {
    const prefix = h.config.redis.prefix
    // Hearings days ahead: two reminders each, far in the future.
    const later: Hearing[] = []
    for (let i = 0; i < 20; i++)
      later.push(
        await createHearing(
          wall(
            almaty()
              .plus({ days: 2 + i })
              .set({ hour: 10, minute: 0 }),
          ),
          `later ${i}`,
        ),
      )
    // A hearing 16 s ahead: its PT8S reminder fires during the test, 8 s before it begins.
    const soon = await createHearing(wall(almaty().plus({ seconds: 16 })), 'soon')
    const [soonPlan] = planFor(soon)
    const soonJobId = reminderJobId(soonPlan as NonNullable<typeof soonPlan>)
    const soonReminders = () =>
      reminders.ofType('hearing.reminder').filter((r) => r.json.data.hearing.id === soon.id)
    await eventually(() => (soonReminders().length > 0 ? true : undefined), 20_000, 'the soon reminder')
    const firedJob = await h.services.queues.reminders.getJob(soonJobId)
    const firedJobState = firedJob ? await firedJob.getState() : 'none'

    // Deliveries that will lose their job: one retrying (next try in 10 min), one pending in a paused queue.
    const quietCase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers: await staff(), payload: bilash.case })
    ).json().id
    const retryId = await sendTest(await quietEndpoint(retryHook.url, quietCase))
    await eventually(
      async () => ((await getDelivery(retryId)).status === 'retrying' ? true : undefined),
      5000,
      'retrying delivery',
    )
    await idle()
    await h.services.queues.webhook.pause()
    const pendingId = await sendTest(await quietEndpoint(pendingHook.url, quietCase))
    const before = {
      delayed: (await h.services.queues.reminders.getDelayed(0, -1)).length,
      retry: (await getDelivery(retryId)).status,
      pending: (await getDelivery(pendingId)).status,
    }

    // The loss: every key under BullMQ's prefix.
    const lostKeys = await deleteKeys(h.redis, `${prefix}:q`)
    const afterLoss = (await h.services.queues.reminders.getDelayed(0, -1)).length

    // A reconciler pass, while the soon hearing has not yet begun (so it is still planned).
    const passAt = Date.now()
    const pass = (await h.workers?.reconcileNow()) as
      | { remindersPlanned: number; hearings: number }
      | undefined
    const soonNotBegun = passAt < Date.parse(soon.startsAtUtc)

    const delayed = await h.services.queues.reminders.getDelayed(0, -1)
    const byId = new Map(delayed.map((j) => [j.id as string, j]))
    const wanted = later.flatMap(planFor)
    const rebuilt = wanted.filter((p) => {
      // The id hashes hearing, version, offset and due instant; the data names the first three.
      const job = byId.get(reminderJobId(p))
      return (
        job !== undefined &&
        job.data.h === p.itemId &&
        job.data.v === p.version &&
        job.data.o === p.remindBefore &&
        Math.abs(job.timestamp + (job.opts.delay ?? 0) - Date.parse(p.dueAt)) < 2000
      )
    })
    const soonJobAfter = await h.services.queues.reminders.getJob(soonJobId)
    const soonJobsAfter = delayed.filter((j) => j.data.h === soon.id).length

    // Nothing fires again for the soon hearing, up to and past its start.
    await sleep(Math.max(0, Date.parse(soon.startsAtUtc) - Date.now()) + 1000)
    const soonCount = soonReminders().length
    const notYet = { pending: pendingHook.received.length, retry: retryHook.received.length }

    // The lost delivery jobs: overdue once past their due attempt by JOB_LOCK_MS + 60 s; a pass at that moment.
    const reconciler = createReconciler({ ...h.services })
    const recoverAt = Date.now() + RETRY_MS + JOB_LOCK_MS + 60_000 + 5000
    const recovery = await reconciler.pass(recoverAt)
    const [pendingDone, retryDone] = await Promise.all(
      [pendingId, retryId].map((id) =>
        eventually(
          async () => {
            const d = await getDelivery(id)
            return d.status === 'succeeded' || d.status === 'failed' ? d : undefined
          },
          10_000,
          `delivery ${id} recovered`,
        ),
      ),
    )
    const delayedAfterRecovery = await h.services.queues.reminders.getDelayed(0, -1)
    const sameAfterRecovery =
      delayedAfterRecovery.length === delayed.length &&
      delayedAfterRecovery.every((j) => byId.get(j.id as string)?.timestamp === j.timestamp)

    console.log(
      `fault queue-loss: hearings=${later.length}+1 pendingReminders=${wanted.length} delayedBefore=${before.delayed} ` +
        `lostKeys=${lostKeys} delayedAfterLoss=${afterLoss} planned=${pass?.remindersPlanned} ` +
        `rebuilt=${rebuilt.length}/${wanted.length} delayedAfterPass=${delayed.length} ` +
        `firedJobBeforeLoss=${firedJobState} firedJobAfter=${soonJobAfter ? 'present' : 'none'} soonJobs=${soonJobsAfter} ` +
        `soonNotBegunAtPass=${soonNotBegun} soonDelivered=${soonCount} ` +
        `lostDeliveries(pending,retrying)=${before.pending},${before.retry} requestsBeforeRecovery=${notYet.pending},${notYet.retry} ` +
        `recovered=${pendingDone?.status}/${pendingDone?.attempts.length},${retryDone?.status}/${retryDone?.attempts.length} ` +
        `remindersUnchangedByRecovery=${sameAfterRecovery}`,
    )

    expect(afterLoss).toBe(0)
    expect(pass).toBeDefined()
    expect(soonNotBegun).toBe(true)
    expect(rebuilt).toHaveLength(wanted.length)
    expect(delayed).toHaveLength(wanted.length)
    expect(new Set(delayed.map((j) => j.id)).size).toBe(delayed.length)
    expect(soonJobAfter).toBeUndefined()
    expect(soonJobsAfter).toBe(0)
    expect(soonCount).toBe(1)
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/v1/deliveries?hearingId=${soon.id}`,
          headers: await staff(),
        })
      )
        .json()
        .items.filter((d: { eventType: string }) => d.eventType === 'hearing.reminder'),
    ).toHaveLength(1)

    expect(before).toMatchObject({ pending: 'pending', retry: 'retrying' })
    expect(notYet).toEqual({ pending: 0, retry: 1 })
    expect(recovery).toBeDefined()
    expect(pendingDone?.status).toBe('succeeded')
    expect(pendingDone?.attempts).toHaveLength(1)
    expect(retryDone?.status).toBe('succeeded')
    expect(retryDone?.attempts.map((a) => a.statusCode)).toEqual([500, 200])
    expect(pendingHook.received.map((r) => r.headers['webhook-id'])).toEqual([pendingId])
    expect(retryHook.received.map((r) => r.headers['webhook-id'])).toEqual([retryId, retryId])
    expect(sameAfterRecovery).toBe(true)
  }, 60_000)
})
