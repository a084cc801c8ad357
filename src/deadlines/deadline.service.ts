import type { Case } from '../cases/case.schema.js'
import type { CaseStore } from '../cases/case.store.js'
import type { CourtCalendars } from '../court-calendar/calendar.service.js'
import { mustBeLocalDate } from '../court-calendar/calendar.service.js'
import type { EventRecord } from '../events/event.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { badRequest, conflict } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import type { Scheduler } from '../reminders/scheduler.js'
import { deadlineEvent, deadlineItem } from './deadline.dated.js'
import type {
  Deadline,
  DeadlineComputed,
  DeadlineCreate,
  DeadlineGiven,
  DeadlinePatch,
} from './deadline.schema.js'
import type { DeadlineStore } from './deadline.store.js'
import { computeDue, dueInstant, hearingTriggerDate } from './deadline.terms.js'
import type { DeadlineRule } from './rule.schema.js'
import type { RuleStore } from './rule.store.js'
import { ruleAppliesTo } from './rule-terms.js'

export type DeadlineDeps = {
  store: Store
  deadlines: DeadlineStore
  cases: CaseStore
  rules: RuleStore
  calendars: CourtCalendars
  scheduler: Scheduler
  queues: Pick<Queues, 'events'>
  log: Logger
}

const isComputed = (input: DeadlineCreate): input is DeadlineComputed => 'ruleId' in input

/** Every change to a deadline: validate, write it with its event in one step, then queue the event and re-plan. */
export function createDeadlineService(deps: DeadlineDeps) {
  const { store, deadlines, cases, rules, calendars, scheduler, queues, log } = deps

  /** As for hearings: what follows the write is derived, and the reconciler finishes it if this fails. */
  async function afterWrite(changed: readonly Deadline[], events: readonly EventRecord[]) {
    const results = await Promise.allSettled([
      events.length > 0 &&
        queues.events.addBulk(
          events.map((e) => ({ name: 'events' as const, data: { eventId: e.id }, opts: { jobId: e.id } })),
        ),
      changed.length === 1
        ? scheduler.sync(deadlineItem(changed[0] as Deadline))
        : scheduler.syncMany(changed.map(deadlineItem)),
    ])
    for (const result of results)
      if (result.status === 'rejected')
        log.warn({ err: result.reason }, 'deadline scheduling deferred to the reconciler')
  }

  async function mustApply(
    kase: Case,
    ruleId: string,
  ): Promise<{ rule: DeadlineRule; jurisdiction: string }> {
    const rule = await rules.get(ruleId)
    if (!rule)
      throw badRequest(`deadline rule ${ruleId} does not exist`, [
        { path: '/ruleId', message: 'unknown rule' },
      ])
    if (kase.jurisdiction === null || !ruleAppliesTo(rule, kase.jurisdiction))
      throw badRequest(
        `rule ${rule.id} is for ${rule.jurisdiction}; the case's jurisdiction is ${kase.jurisdiction ?? 'not set'}`,
        [{ path: '/ruleId', message: 'rule not of the case jurisdiction' }],
      )
    return { rule, jurisdiction: kase.jurisdiction }
  }

  async function triggerOf(kase: Case, trigger: DeadlineComputed['trigger']) {
    if ('date' in trigger) return { date: mustBeLocalDate(trigger.date, '/trigger/date'), hearingId: null }
    const hearing = trigger.hearingId.startsWith('hrg_')
      ? await store.get<Hearing>(trigger.hearingId)
      : undefined
    if (!hearing || hearing.caseId !== kase.id)
      throw badRequest(`hearing ${trigger.hearingId} is not a hearing of this case`, [
        { path: '/trigger/hearingId', message: 'unknown hearing' },
      ])
    return { date: hearingTriggerDate(hearing, kase.timeZone), hearingId: hearing.id }
  }

  /** A new computed deadline (not yet saved) from a rule and a trigger. */
  async function computed(
    kase: Case,
    rule: DeadlineRule,
    jurisdiction: string,
    trigger: { date: string; hearingId: string | null },
    fields: { id: string; title?: string | undefined; notes?: string | null | undefined },
  ): Promise<Deadline> {
    const days = await calendars.calendarFor(jurisdiction)
    const now = new Date().toISOString()
    return {
      id: fields.id,
      caseId: kase.id,
      title: fields.title ?? rule.title,
      notes: fields.notes ?? null,
      ...computeDue(rule, trigger.date, { jurisdiction, days }, rule.endOfDay, kase.timeZone),
      endOfDay: rule.endOfDay,
      timeZone: kase.timeZone,
      status: 'open',
      ruleId: rule.id,
      trigger,
      metNote: null,
      cancelReason: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }
  }

  function given(kase: Case, input: DeadlineGiven): Deadline {
    const dueOn = mustBeLocalDate(input.dueOn, '/dueOn')
    const endOfDay = input.endOfDay ?? '23:59'
    const now = new Date().toISOString()
    return {
      id: newId('dln'),
      caseId: kase.id,
      title: input.title,
      notes: input.notes ?? null,
      dueOn,
      endOfDay,
      dueAtUtc: dueInstant(dueOn, endOfDay, kase.timeZone),
      timeZone: kase.timeZone,
      status: 'open',
      ruleId: null,
      trigger: null,
      computation: null,
      metNote: null,
      cancelReason: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }
  }

  /** Read, change, compare-and-set, as hearings do: two writers of one deadline never fork its versions. */
  async function change(
    id: string,
    apply: (current: Deadline, kase: Case) => { next: Deadline; event?: EventRecord },
  ) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await deadlines.mustGet(id)
      const kase = await cases.mustGet(current.caseId)
      if (current.status !== 'open')
        throw conflict(`Deadline ${id} is ${current.status}; it cannot be changed`)
      const { next, event } = apply(current, kase)
      if (await deadlines.save(next, current, event)) {
        await afterWrite([next], event ? [event] : [])
        return { deadline: next, before: current }
      }
    }
    throw conflict(`Deadline ${id} is being changed by someone else; try again`)
  }

  return {
    computed,

    async create(kase: Case, input: DeadlineCreate): Promise<Deadline> {
      let deadline: Deadline
      if (isComputed(input)) {
        const { rule, jurisdiction } = await mustApply(kase, input.ruleId)
        const trigger = await triggerOf(kase, input.trigger)
        deadline = await computed(kase, rule, jurisdiction, trigger, {
          id: newId('dln'),
          title: input.title,
          notes: input.notes,
        })
      } else deadline = given(kase, input)
      const event = deadlineEvent('deadline.created', deadline, kase)
      await deadlines.save(deadline, undefined, event)
      await afterWrite([deadline], [event])
      log.info(
        { deadlineId: deadline.id, dueOn: deadline.dueOn, ruleId: deadline.ruleId },
        'deadline created',
      )
      return deadline
    },

    /** Creates a deadline under a derived id only if none has it yet (automatic deadlines: once per hearing and rule). */
    async createOnce(deadline: Deadline, kase: Case): Promise<boolean> {
      const event = deadlineEvent('deadline.created', deadline, kase)
      if (!(await deadlines.save(deadline, undefined, event))) return false
      await afterWrite([deadline], [event])
      return true
    },

    update: (id: string, patch: DeadlinePatch) =>
      change(id, (current, kase) => {
        if (patch.dueOn !== undefined && current.ruleId !== null)
          throw conflict(`Deadline ${id} is computed from rule ${current.ruleId}; its due day cannot be set`)
        const dueOn = patch.dueOn === undefined ? current.dueOn : mustBeLocalDate(patch.dueOn, '/dueOn')
        const endOfDay = patch.endOfDay ?? current.endOfDay
        const dueAtUtc = dueInstant(dueOn, endOfDay, current.timeZone)
        const moved = dueAtUtc !== current.dueAtUtc || dueOn !== current.dueOn
        const next: Deadline = {
          ...current,
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
          dueOn,
          endOfDay,
          dueAtUtc,
          version: moved ? current.version + 1 : current.version,
          updatedAt: new Date().toISOString(),
        }
        const previous = { dueOn: current.dueOn, dueAtUtc: current.dueAtUtc }
        return moved ? { next, event: deadlineEvent('deadline.rescheduled', next, kase, previous) } : { next }
      }),

    met: (id: string, note: string | null) =>
      change(id, (current, kase) => {
        const next: Deadline = {
          ...current,
          status: 'met',
          metNote: note,
          version: current.version + 1,
          updatedAt: new Date().toISOString(),
        }
        return { next, event: deadlineEvent('deadline.met', next, kase) }
      }),

    cancel: (id: string, reason: string | null) =>
      change(id, (current, kase) => {
        const next: Deadline = {
          ...current,
          status: 'cancelled',
          cancelReason: reason,
          version: current.version + 1,
          updatedAt: new Date().toISOString(),
        }
        return { next, event: deadlineEvent('deadline.cancelled', next, kase) }
      }),

    afterWrite,
  }
}
export type DeadlineService = ReturnType<typeof createDeadlineService>
