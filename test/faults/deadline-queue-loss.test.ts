import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadlineItem } from '../../src/deadlines/deadline.dated.js'
import type { Deadline } from '../../src/deadlines/deadline.schema.js'
import { reminderJobId } from '../../src/reminders/jobs.js'
import { planReminders } from '../../src/reminders/plan.js'
import { createReconciler } from '../../src/reminders/reconciler.js'
import { caseWithReminderEndpoint, type Harness, startHarness } from '../helpers/harness.js'

/**
 * As for hearings (fault 5 of issue 3): every key under BullMQ's prefix is deleted; the reconciler rebuilds each
 * open deadline's reminders, due at the right moment, and none for a deadline met or cancelled.
 */
const OFFSETS = ['P7D', 'P1D'] as const
let h: Harness
let caseId: string

beforeAll(async () => {
  h = await startHarness({ name: 'fault-deadline-queue-loss' })
  caseId = await caseWithReminderEndpoint(h, 'http://127.0.0.1:9/hooks', OFFSETS)
})
afterAll(async () => h?.close())

describe('fault: queue keys lost, deadlines', () => {
  it('the reconciler rebuilds every open deadline reminder, and none for closed ones', async () => {
    const headers = await h.auth('staff')
    const deadlines: Deadline[] = []
    for (let i = 0; i < 12; i++) {
      const payload =
        i % 2 === 0
          ? {
              title: `given ${i}`,
              dueOn: DateTime.now()
                .plus({ days: 20 + i })
                .toISODate(),
            }
          : { ruleId: 'kz.cpc-403-appeal', trigger: { date: DateTime.now().plus({ days: i }).toISODate() } }
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/cases/${caseId}/deadlines`,
        headers,
        payload,
      })
      expect(res.statusCode).toBe(201)
      deadlines.push(res.json())
    }
    const closed = deadlines.slice(0, 2)
    await h.app.inject({ method: 'POST', url: `/v1/deadlines/${closed[0]?.id}/met`, headers, payload: {} })
    await h.app.inject({ method: 'POST', url: `/v1/deadlines/${closed[1]?.id}/cancel`, headers, payload: {} })
    const open = (await h.services.deadlines.getMany(deadlines.slice(2).map((d) => d.id))) as Deadline[]
    const expected = open
      .flatMap((d) => planReminders(deadlineItem(d), OFFSETS))
      .map(reminderJobId)
      .sort()
    const delayed = async () =>
      (await h.services.queues.reminders.getJobs(['delayed'])).map((j) => j.id as string).sort()
    expect(await delayed()).toEqual(expected)

    let cursor = '0'
    let lost = 0
    do {
      const [next, keys] = await h.redis.scan(cursor, 'MATCH', `${h.config.redis.prefix}:q:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) lost += await h.redis.unlink(...keys)
    } while (cursor !== '0')
    expect(lost).toBeGreaterThan(0)
    expect(await delayed()).toEqual([])

    const pass = await createReconciler({ ...h.services }).pass()
    expect(pass?.remindersAdded).toBe(expected.length)
    expect(await delayed()).toEqual(expected)
    // Each job fires at its reminder's moment: the due instant minus the offset, in the case's zone.
    const jobs = await h.services.queues.reminders.getJobs(['delayed'])
    for (const d of open)
      for (const reminder of planReminders(deadlineItem(d), OFFSETS)) {
        const job = jobs.find((j) => j.id === reminderJobId(reminder))
        expect(Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - Date.parse(reminder.dueAt))).toBeLessThan(
          1500,
        )
      }
    // A second pass finds everything in place.
    expect((await createReconciler({ ...h.services }).pass())?.remindersAdded).toBe(0)
  })
})
