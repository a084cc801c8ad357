import type { Config } from '../../config/index.js'
import type { Case } from '../cases/case.schema.js'
import type { CaseStore } from '../cases/case.store.js'
import { type EventRecord, hearingEvent } from '../events/event.js'
import type { CrashPoint } from '../platform/crash-point.js'
import { AppError, conflict, invalidField } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import { durationSeconds, isTimeProblem, parseHearingTime } from '../platform/time.js'
import type { Scheduler } from '../reminders/scheduler.js'
import { hearingItem } from './hearing.dated.js'
import {
  DEFAULT_HEARING_DURATION,
  type Hearing,
  type HearingCreate,
  type HearingPatch,
} from './hearing.schema.js'
import type { HearingStore } from './hearing.store.js'

type Deps = {
  hearings: HearingStore
  cases: CaseStore
  crashPoint: CrashPoint
  scheduler: Scheduler
  queues: Pick<Queues, 'events'>
  config: Pick<Config, 'reminders'>
  log: Logger
  /** Told after every write (deadlines triggered by the hearing follow it); derived, like the reminders. */
  onChanged?: (hearing: Hearing) => Promise<unknown>
}

/** Every change to a hearing: validate, write it with its event in one step, then queue the event and re-plan reminders. */
export function createHearingService({
  hearings,
  cases,
  scheduler,
  queues,
  config,
  log,
  crashPoint,
  onChanged,
}: Deps) {
  function resolveTime(startsAt: string, timeZone: string) {
    const parsed = parseHearingTime(startsAt, timeZone, config.reminders.courtDayStart)
    if (!isTimeProblem(parsed)) return parsed
    const path = parsed.reason === 'zone' ? '/timeZone' : '/startsAt'
    throw invalidField(path, parsed.message)
  }

  function checkDuration(duration: string): string {
    const seconds = durationSeconds(duration)
    if (seconds === undefined || seconds < 5 * 60 || seconds > 12 * 3600)
      throw invalidField('/duration', 'must be an ISO 8601 duration from PT5M to PT12H, e.g. PT1H30M')
    return duration
  }

  /**
   * The write has happened; what follows is derived. If Redis fails here the reconciler finishes the job
   * (it re-queues events left in the outbox and re-plans every upcoming hearing), so the caller still gets
   * its answer rather than a retry that would write twice.
   */
  async function afterWrite(hearing: Hearing, event?: EventRecord) {
    const results = await Promise.allSettled([
      event && queues.events.add('events', { eventId: event.id }, { jobId: event.id }),
      scheduler.sync(hearingItem(hearing)),
      onChanged?.(hearing),
    ])
    for (const result of results)
      if (result.status === 'rejected')
        log.warn({ err: result.reason, hearingId: hearing.id }, 'scheduling deferred to the reconciler')
  }

  /**
   * Read, change, compare-and-set: two replicas changing one hearing at once cannot both win (one re-reads
   * and re-applies its change to the other's result), so versions never fork.
   */
  async function change(
    id: string,
    apply: (current: Hearing, kase: Case) => { next: Hearing; event: EventRecord | undefined },
  ): Promise<{ hearing: Hearing; before: Hearing }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await hearings.mustGet(id)
      const kase = await cases.mustGet(current.caseId)
      const { next, event } = apply(current, kase)
      if (await hearings.save(next, current, event)) {
        crashPoint('after-hearing-write')
        await afterWrite(next, event)
        return { hearing: next, before: current }
      }
    }
    throw conflict(`Hearing ${id} is being changed by someone else; try again`)
  }

  function mustBeScheduled(hearing: Hearing, action: string) {
    if (hearing.status !== 'scheduled')
      throw conflict(`Hearing ${hearing.id} is ${hearing.status}; it cannot be ${action}`)
  }

  return {
    async create(kase: Case, input: HearingCreate): Promise<Hearing> {
      const timeZone = input.timeZone ?? kase.timeZone
      const time = resolveTime(input.startsAt, timeZone)
      const now = new Date().toISOString()
      const hearing: Hearing = {
        id: newId('hrg'),
        caseId: kase.id,
        title: input.title,
        ...time,
        timeZone,
        duration: checkDuration(input.duration ?? DEFAULT_HEARING_DURATION),
        location: input.location ?? null,
        notes: input.notes ?? null,
        status: 'scheduled',
        outcome: null,
        cancelReason: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      }
      const event = hearingEvent('hearing.scheduled', hearing, kase)
      await hearings.save(hearing, undefined, event)
      crashPoint('after-hearing-write')
      await afterWrite(hearing, event)
      return hearing
    },

    update: (id: string, patch: HearingPatch) =>
      change(id, (current, kase) => {
        const timeZone = patch.timeZone ?? current.timeZone
        const time = resolveTime(patch.startsAt ?? current.startsAt, timeZone)
        const moved =
          time.startsAtUtc !== current.startsAtUtc ||
          time.startsAt !== current.startsAt ||
          timeZone !== current.timeZone
        if (moved) mustBeScheduled(current, 'moved')
        const next: Hearing = {
          ...current,
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.location !== undefined ? { location: patch.location } : {}),
          ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
          ...(patch.duration !== undefined ? { duration: checkDuration(patch.duration) } : {}),
          ...time,
          timeZone,
          version: moved ? current.version + 1 : current.version,
          updatedAt: new Date().toISOString(),
        }
        const { startsAt, startsAtUtc, allDay } = current
        const previous = { startsAt, timeZone: current.timeZone, startsAtUtc, allDay }
        return { next, event: moved ? hearingEvent('hearing.rescheduled', next, kase, previous) : undefined }
      }),

    cancel: (id: string, reason: string | null) =>
      change(id, (current, kase) => {
        mustBeScheduled(current, 'cancelled')
        const next: Hearing = {
          ...current,
          status: 'cancelled',
          cancelReason: reason,
          // A status change is news to every calendar holding the hearing (API.md: SEQUENCE = version).
          version: current.version + 1,
          updatedAt: new Date().toISOString(),
        }
        return { next, event: hearingEvent('hearing.cancelled', next, kase) }
      }),

    decide: (id: string, outcome: { summary: string; decidedAt?: string | undefined }) =>
      change(id, (current, kase) => {
        if (current.status === 'cancelled')
          throw conflict(`Hearing ${current.id} was cancelled; it cannot be decided`)
        if (current.status === 'decided')
          throw new AppError('already_decided', 409, 'Conflict', `Hearing ${current.id} is already decided`)
        const now = new Date().toISOString()
        const decidedAt = outcome.decidedAt ? new Date(outcome.decidedAt).toISOString() : now
        const next: Hearing = {
          ...current,
          status: 'decided',
          outcome: { summary: outcome.summary, decidedAt },
          version: current.version + 1,
          updatedAt: now,
        }
        return { next, event: hearingEvent('hearing.decided', next, kase) }
      }),
  }
}
export type HearingService = ReturnType<typeof createHearingService>
