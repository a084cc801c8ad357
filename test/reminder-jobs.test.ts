import { createHash } from 'node:crypto'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hearingItem } from '../src/hearings/hearing.dated.js'
import type { Hearing } from '../src/hearings/hearing.schema.js'
import { reminderJobId } from '../src/reminders/jobs.js'
import { planReminders } from '../src/reminders/plan.js'
import { createReconciler } from '../src/reminders/reconciler.js'
import { caseWithReminderEndpoint, type Harness, startHarness } from './helpers/harness.js'

/**
 * Reminder jobs as Redis holds them (compact, with ids that name the instant they were made for), the
 * fire-time check against that instant, and the reconciler's pass: in step, it writes nothing; out of
 * step (a job key lost, an instant moved by the tz database), it re-plans exactly those hearings.
 * No workers run here: nothing fires by itself, and reconciler passes are run by the test.
 */
const OFFSETS = ['P1D', 'PT2H'] as const
let h: Harness
let caseId: string

beforeAll(async () => {
  h = await startHarness({ name: 'reminder-jobs' })
  // Nothing is delivered: no worker runs.
  caseId = await caseWithReminderEndpoint(h, 'http://127.0.0.1:9/hooks', OFFSETS)
})
afterAll(async () => {
  await h?.close()
})

let day = 3
/** A hearing some days ahead (a different day each call), through the API: it plans its reminders. */
async function createHearing(): Promise<Hearing> {
  const startsAt = DateTime.now()
    .setZone('Asia/Almaty')
    .plus({ days: day++ })
    .set({ hour: 10, minute: 0, second: 0 })
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${caseId}/hearings`,
    headers: await h.auth('staff'),
    payload: { title: 'reminder jobs', startsAt: startsAt.toFormat("yyyy-MM-dd'T'HH:mm:ss") },
  })
  expect(res.statusCode).toBe(201)
  return (await h.services.hearings.get(res.json().id)) as Hearing
}

const planOf = (hearing: Hearing) => planReminders(hearingItem(hearing), OFFSETS)
const jobsOf = async (hearing: Hearing) =>
  (await h.services.queues.reminders.getDelayed(0, -1)).filter((j) => j.data.h === hearing.id)
const knownIds = (hearing: Hearing) => h.redis.hkeys(h.services.store.keys.reminderJobs(hearing.id))
const pass = async () => {
  const result = await createReconciler({ ...h.services }).pass()
  if (!result) throw new Error('the reconciler lock was held elsewhere')
  return result
}

describe('reminder jobs', () => {
  it("are compact listpack hashes (and so is the list of a hearing's jobs), named by hearing, version, offset and due instant", async () => {
    const hearing = await createHearing()
    const plan = planOf(hearing)
    const jobs = await jobsOf(hearing)

    expect(jobs.map((j) => j.id).sort()).toEqual(plan.map(reminderJobId).sort())
    expect((await knownIds(hearing)).sort()).toEqual(plan.map(reminderJobId).sort())
    const known = h.services.store.keys.reminderJobs(hearing.id)
    expect(await h.redis.call('OBJECT', 'ENCODING', known)).toBe('listpack')
    for (const job of jobs) {
      expect(job.id).toMatch(/^r[\w-]{15}$/)
      expect(job.data).toEqual({ h: hearing.id, v: hearing.version, o: expect.any(String) })
      const key = h.services.queues.reminders.toKey(job.id as string)
      expect(await h.redis.call('OBJECT', 'ENCODING', key)).toBe('listpack')
      const p = plan.find((r) => r.remindBefore === job.data.o)
      expect(job.timestamp + (job.opts.delay ?? 0) - Date.parse(p?.dueAt ?? '')).toBeGreaterThanOrEqual(0)
      expect(job.timestamp + (job.opts.delay ?? 0) - Date.parse(p?.dueAt ?? '')).toBeLessThan(1000)
    }
  })

  it('get another id for another version, offset or due instant, and never one BullMQ refuses', () => {
    const base = { itemId: 'hrg_0mgmvbqvk8d1f5f5e0c2b6a1d3c9', version: 1, remindBefore: 'P1D' }
    const dueAt = '2026-12-13T04:00:00.000Z'
    const id = reminderJobId({ ...base, dueAt })
    expect(reminderJobId({ ...base, dueAt })).toBe(id)
    const others = [
      reminderJobId({ ...base, version: 2, dueAt }),
      reminderJobId({ ...base, remindBefore: 'PT2H', dueAt }),
      reminderJobId({ ...base, dueAt: '2026-12-13T05:00:00.000Z' }),
      reminderJobId({ ...base, itemId: 'hrg_0mgmvbqvk8d1f5f5e0c2b6a1d3ca', dueAt }),
    ]
    expect(new Set([id, ...others]).size).toBe(5)
    for (const x of [id, ...others]) {
      expect(x).not.toContain(':')
      expect(x).not.toMatch(/^\d+$/)
    }
  })

  it('fire only for the instant they were made for: a job from before a tz-database change drops itself', async () => {
    const hearing = await createHearing()
    const [job] = (await jobsOf(hearing)).filter((j) => j.data.o === 'P1D')
    if (!job) throw new Error('no P1D job')
    const movedByTzData = {
      ...hearing,
      startsAtUtc: new Date(Date.parse(hearing.startsAtUtc) + 3_600_000).toISOString(),
    }
    expect(await h.services.hearings.save(movedByTzData, hearing)).toBe(true)
    expect(await h.services.fireReminder(job)).toBe('stale')

    expect(await h.services.hearings.save(hearing, movedByTzData)).toBe(true)
    expect(await h.services.fireReminder(job)).toBe('sent')
  })
})

describe('the reconciler pass', () => {
  it('re-plans no hearing, adds and removes nothing when every job is in place', async () => {
    await createHearing()
    await pass() // whatever earlier tests left out of step
    const before = await h.services.queues.reminders.getDelayed(0, -1)

    const result = await pass()

    expect(result.items).toBeGreaterThan(0)
    expect(result).toMatchObject({ itemsReplanned: 0, remindersAdded: 0, remindersRemoved: 0 })
    expect(result.remindersPlanned).toBe(before.length)
    const after = await h.services.queues.reminders.getDelayed(0, -1)
    expect(after.map((j) => `${j.id}@${j.timestamp}`).sort()).toEqual(
      before.map((j) => `${j.id}@${j.timestamp}`).sort(),
    )
  })

  it('restores a job whose key is gone while the hearing still lists it as known', async () => {
    const hearing = await createHearing()
    const lostId = reminderJobId(planOf(hearing)[0] as NonNullable<ReturnType<typeof planOf>[0]>)
    await h.services.queues.reminders.remove(lostId)
    expect(await knownIds(hearing)).toContain(lostId)

    const result = await pass()

    expect(result).toMatchObject({ itemsReplanned: 1, remindersAdded: 1, remindersRemoved: 0 })
    expect((await jobsOf(hearing)).map((j) => j.id).sort()).toEqual(planOf(hearing).map(reminderJobId).sort())
  })

  it('moves the jobs of a hearing whose instant the tz database moves, and removes the old ones', async () => {
    const hearing = await createHearing()
    const oldIds = planOf(hearing).map(reminderJobId)
    // As if stored under older tz data: the instant an hour off its wall time, the jobs made for that instant.
    const storedEarlier = {
      ...hearing,
      startsAtUtc: new Date(Date.parse(hearing.startsAtUtc) - 3_600_000).toISOString(),
    }
    expect(await h.services.hearings.save(storedEarlier, hearing)).toBe(true)
    await h.services.scheduler.sync(hearingItem(storedEarlier))
    const earlierIds = planOf(storedEarlier).map(reminderJobId)
    expect((await jobsOf(hearing)).map((j) => j.id).sort()).toEqual([...earlierIds].sort())

    const result = await pass()

    const retimed = (await h.services.hearings.get(hearing.id)) as Hearing
    expect(retimed.startsAtUtc).toBe(hearing.startsAtUtc)
    expect(retimed.version).toBe(hearing.version)
    expect(result).toMatchObject({ itemsReplanned: 1, remindersAdded: 2, remindersRemoved: 2 })
    expect((await jobsOf(hearing)).map((j) => j.id).sort()).toEqual([...oldIds].sort())
    expect((await knownIds(hearing)).sort()).toEqual([...oldIds].sort())
  })
})

/**
 * Jobs as the code before dated items wrote them, frozen here: the id hashed (hearing id, version, offset, due
 * instant in ms), the payload { h, v, o }. A Redis upgraded in place still holds such jobs.
 */
function jobWrittenBeforeDatedItems(hearingId: string, version: number, remindBefore: string, dueAt: string) {
  const parts = [hearingId, String(version), remindBefore, String(Date.parse(dueAt))]
  const id = `r${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 15)}`
  return { id, data: { h: hearingId, v: version, o: remindBefore } }
}

describe('jobs written before dated items', () => {
  async function hearingWithOnlyOldJobs() {
    const hearing = await createHearing()
    for (const job of await jobsOf(hearing)) await job.remove()
    await h.redis.del(h.services.store.keys.reminderJobs(hearing.id))
    const old = planOf(hearing).map((r) => ({
      ...jobWrittenBeforeDatedItems(hearing.id, hearing.version, r.remindBefore, r.dueAt),
      dueAt: r.dueAt,
    }))
    for (const job of old) {
      await h.services.queues.reminders.add('reminders', job.data, {
        jobId: job.id,
        delay: Date.parse(job.dueAt) - Date.now(),
      })
    }
    await h.redis.hset(
      h.services.store.keys.reminderJobs(hearing.id),
      Object.fromEntries(old.map((j) => [j.id, ''])),
    )
    return { hearing, old }
  }

  it('are honoured as they are: the reconciler finds them in step and adds none beside them', async () => {
    const { hearing, old } = await hearingWithOnlyOldJobs()

    const result = await pass()

    expect(result).toMatchObject({ itemsReplanned: 0, remindersAdded: 0, remindersRemoved: 0 })
    expect((await jobsOf(hearing)).map((j) => j.id).sort()).toEqual(old.map((j) => j.id).sort())
  })

  it('fire once each, however often they run, and drop themselves once the hearing moved on', async () => {
    const { hearing, old } = await hearingWithOnlyOldJobs()
    const job = old[0] as (typeof old)[number]

    expect(await h.services.fireReminder(job)).toBe('sent')
    expect(await h.services.fireReminder(job)).toBe('sent')
    const deliveries = await h.services.deliveries.list({ hearingId: hearing.id, limit: 50 })
    expect(deliveries.items.filter((d) => d.eventType === 'hearing.reminder')).toHaveLength(1)

    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${hearing.id}`,
      headers: await h.auth('staff'),
      payload: {
        startsAt: DateTime.fromISO(hearing.startsAt).plus({ hours: 1 }).toFormat("yyyy-MM-dd'T'HH:mm:ss"),
      },
    })
    expect(moved.statusCode).toBe(200)
    expect(await h.services.fireReminder(old[1] as (typeof old)[number])).toBe('stale')
    const left = (await jobsOf(hearing)).map((j) => j.id)
    for (const { id } of old) expect(left).not.toContain(id)
  })
})

describe('following through a hearing', () => {
  it('plans the reminders of the deadlines a hearing started as soon as someone subscribes to the hearing', async () => {
    const staff = await h.auth('staff')
    const kase = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: staff,
      payload: {
        title: 'followed through a hearing',
        court: 'Court of Almaty',
        timeZone: 'Asia/Almaty',
        jurisdiction: 'KZ',
        deadlineRules: ['kz.crpc-416-appeal'],
      },
    })
    expect(kase.statusCode).toBe(201)
    const hearing = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kase.json().id}/hearings`,
      headers: staff,
      payload: {
        title: 'ruling',
        startsAt: DateTime.now().setZone('Asia/Almaty').toFormat("yyyy-MM-dd'T'HH:mm"),
      },
    })
    const hearingId = hearing.json().id as string
    const decided = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearingId}/outcome`,
      headers: staff,
      payload: { summary: 'Refused.' },
    })
    expect(decided.statusCode).toBe(200)
    const [deadline] = (
      await h.app.inject({ method: 'GET', url: `/v1/deadlines?caseId=${kase.json().id}`, headers: staff })
    ).json().items
    expect(deadline.trigger.hearingId).toBe(hearingId)
    const jobsOfDeadline = async () =>
      (await h.services.queues.reminders.getDelayed(0, -1)).filter((j) => j.data.h === deadline.id)
    expect(await jobsOfDeadline()).toHaveLength(0)

    const subscribed = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearingId}/subscriptions`,
      headers: staff,
      payload: { email: 'follower@example.org', remindBefore: ['P1D'] },
    })
    expect(subscribed.statusCode).toBe(201)

    expect((await jobsOfDeadline()).map((j) => j.data.o)).toEqual(['P1D'])
  })
})
