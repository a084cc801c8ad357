import type { Case } from '../cases/case.schema.js'
import type { CourtDays } from '../court-calendar/court-days.js'
import type { EventRecord } from '../events/event.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { derivedId } from '../platform/ids.js'
import { deadlineEvent } from './deadline.dated.js'
import type { Deadline } from './deadline.schema.js'
import type { DeadlineDeps, DeadlineService } from './deadline.service.js'
import { computeDue, hearingTriggerDate } from './deadline.terms.js'
import type { DeadlineRule } from './rule.schema.js'
import { ruleAppliesTo } from './rule-terms.js'

export type RecomputeOutcome = { recomputed: number; moved: number }

/**
 * Recomputes open computed deadlines from what they depend on now (rule, trigger hearing, court calendar),
 * a batch at a time: every input is read once per batch (each calendar's overrides once), and only a
 * deadline whose due moment moved is re-versioned, re-planned and announced. Running it twice changes
 * nothing the second time.
 */
export function createRecomputation(deps: DeadlineDeps & { service: DeadlineService }) {
  const { store, deadlines, rules, calendars, service, log } = deps

  async function inputsOf(list: readonly Deadline[]) {
    const unique = <T>(values: T[]) => [...new Set(values)]
    const caseIds = unique(list.map((d) => d.caseId))
    const hearingIds = unique(list.flatMap((d) => (d.trigger?.hearingId ? [d.trigger.hearingId] : [])))
    const ruleIds = unique(list.flatMap((d) => (d.ruleId ? [d.ruleId] : [])))
    const jurisdictions = unique(list.flatMap((d) => (d.computation ? [d.computation.jurisdiction] : [])))
    const [caseList, hearingList, ruleList, dayList] = await Promise.all([
      store.getMany<Case>(caseIds),
      store.getMany<Hearing>(hearingIds),
      rules.getMany(ruleIds),
      Promise.all(jurisdictions.map((j) => calendars.calendarFor(j))),
    ])
    return {
      cases: new Map(caseIds.map((id, i) => [id, caseList[i]])),
      hearings: new Map(hearingIds.map((id, i) => [id, hearingList[i]])),
      rules: new Map<string, DeadlineRule>(ruleList.map((r) => [r.id, r])),
      days: new Map<string, CourtDays>(jurisdictions.map((j, i) => [j, dayList[i] as CourtDays])),
    }
  }

  async function recomputeBatch(ids: readonly string[]): Promise<RecomputeOutcome & { lost: string[] }> {
    const list = (await deadlines.getMany(ids)).filter(
      (d): d is Deadline =>
        d?.status === 'open' && d.ruleId !== null && d.trigger !== null && d.computation !== null,
    )
    const inputs = await inputsOf(list)
    const changes: { next: Deadline; previous: Deadline; event?: EventRecord }[] = []
    for (const current of list) {
      const kase = inputs.cases.get(current.caseId)
      const rule = inputs.rules.get(current.ruleId as string)
      const jurisdiction = current.computation?.jurisdiction as string
      const days = inputs.days.get(jurisdiction)
      // A deleted rule or case leaves the deadline as last computed.
      if (!kase || !rule || !days) continue
      const hearing = current.trigger?.hearingId ? inputs.hearings.get(current.trigger.hearingId) : undefined
      const triggerDate =
        hearing && hearing.status !== 'cancelled'
          ? hearingTriggerDate(hearing, kase.timeZone)
          : (current.trigger?.date as string)
      let due: ReturnType<typeof computeDue>
      try {
        due = computeDue(rule, triggerDate, { jurisdiction, days }, current.endOfDay, current.timeZone)
      } catch (err) {
        log.error({ err, deadlineId: current.id }, 'deadline could not be recomputed')
        continue
      }
      const trigger = { date: triggerDate, hearingId: current.trigger?.hearingId ?? null }
      const same =
        due.dueOn === current.dueOn &&
        due.dueAtUtc === current.dueAtUtc &&
        JSON.stringify(due.computation) === JSON.stringify(current.computation) &&
        trigger.date === current.trigger?.date
      if (same) continue
      const moved = due.dueAtUtc !== current.dueAtUtc
      const next: Deadline = {
        ...current,
        ...due,
        trigger,
        version: moved ? current.version + 1 : current.version,
        updatedAt: new Date().toISOString(),
      }
      const previous = { dueOn: current.dueOn, dueAtUtc: current.dueAtUtc }
      changes.push({
        next,
        previous: current,
        ...(moved ? { event: deadlineEvent('deadline.rescheduled', next, kase, previous) } : {}),
      })
    }
    const saved = await deadlines.saveMany(changes)
    const done = changes.filter((_, i) => saved[i])
    const movedOnes = done.filter((c) => c.event)
    await service.afterWrite(
      movedOnes.map((c) => c.next),
      movedOnes.map((c) => c.event as EventRecord),
    )
    for (const c of movedOnes)
      log.info(
        { deadlineId: c.next.id, was: c.previous.dueOn, now: c.next.dueOn, version: c.next.version },
        'deadline recomputed: moved',
      )
    return {
      recomputed: list.length,
      moved: movedOnes.length,
      lost: changes.filter((_, i) => !saved[i]).map((c) => c.next.id),
    }
  }

  /** Recomputes the given deadlines; one changed by someone else meanwhile is recomputed again from its new record. */
  async function recompute(ids: readonly string[], batch = 1000): Promise<RecomputeOutcome> {
    const total = { recomputed: 0, moved: 0 }
    for (let i = 0; i < ids.length; i += batch) {
      let pending = ids.slice(i, i + batch)
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
        const outcome = await recomputeBatch(pending)
        if (attempt === 0) total.recomputed += outcome.recomputed
        total.moved += outcome.moved
        pending = outcome.lost
      }
    }
    return total
  }

  return {
    recompute,

    /** An override changed whether `date` is a court day on this calendar. */
    async dayChanged({ jurisdiction, date }: { jurisdiction: string; date: string }) {
      const outcome = await recompute(await deadlines.idsOverDate(jurisdiction, date))
      log.info({ jurisdiction, date, ...outcome }, 'court day changed: deadlines recomputed')
      return outcome
    },

    async ruleChanged(rule: DeadlineRule) {
      return recompute(await deadlines.idsByRule(rule.id))
    },

    /**
     * A hearing moved or was decided: the deadlines it triggers are recomputed, and, once decided, its case's
     * automatic deadlines are created (derived ids: once per hearing and rule, however often this runs).
     */
    async hearingChanged(hearing: Hearing): Promise<RecomputeOutcome & { created: number }> {
      const outcome = await recompute(await deadlines.idsByHearing(hearing.id))
      let created = 0
      if (hearing.status === 'decided') {
        const kase = await store.get<Case>(hearing.caseId)
        const wanted = kase?.deadlineRules ?? []
        const ids = wanted.map((ruleId) => derivedId('dln', hearing.id, ruleId))
        const existing = await deadlines.getMany(ids)
        for (const rule of await rules.getMany(wanted)) {
          const id = derivedId('dln', hearing.id, rule.id)
          if (!kase || existing[wanted.indexOf(rule.id)] || !ruleAppliesTo(rule, kase.jurisdiction)) continue
          const trigger = { date: hearingTriggerDate(hearing, kase.timeZone), hearingId: hearing.id }
          const deadline = await service.computed(kase, rule, kase.jurisdiction as string, trigger, { id })
          if (await service.createOnce(deadline, kase)) {
            created++
            log.info(
              { deadlineId: id, hearingId: hearing.id, ruleId: rule.id, dueOn: deadline.dueOn },
              'automatic deadline created',
            )
          }
        }
      }
      return { ...outcome, created }
    },
  }
}
export type Recomputation = ReturnType<typeof createRecomputation>
