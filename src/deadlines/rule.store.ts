import { splitJurisdiction } from '../court-calendar/holidays.js'
import { badRequest, conflict, notFound } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Store } from '../platform/store.js'
import type { DeadlineRule, RuleCreate, RulePatch } from './rule.schema.js'
import { checkRule, ruleOf } from './rule-terms.js'

/** Told when a rule created over the API changed: the open deadlines computed from it are recomputed. */
export type RuleChanged = (rule: DeadlineRule) => Promise<void>

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url')
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^[a-z0-9][a-z0-9._-]{2,99}$/.test(id))
    throw badRequest('cursor is not valid', [{ path: '/cursor', message: 'unknown cursor' }])
  return id
}

/**
 * Deadline rules: the built-in ones (config/rules/, loaded at start-up, read-only) and those created over
 * the API (one hash, rule id → rule; rules are few, so a list reads them all).
 */
export function createRuleStore({ store, builtIns }: { store: Store; builtIns: readonly DeadlineRule[] }) {
  const { redis, keys } = store
  const builtInById = new Map(builtIns.map((r) => [r.id, r]))
  const listeners: RuleChanged[] = []

  async function get(id: string): Promise<DeadlineRule | undefined> {
    const builtIn = builtInById.get(id)
    if (builtIn) return builtIn
    const raw = await redis.hget(keys.deadlineRules, id)
    return raw === null ? undefined : (JSON.parse(raw) as DeadlineRule)
  }

  async function mustGet(id: string): Promise<DeadlineRule> {
    const found = await get(id)
    if (!found) throw notFound('Deadline rule', id)
    return found
  }

  async function mustBeEditable(id: string): Promise<DeadlineRule> {
    const found = await mustGet(id)
    if (found.builtIn) throw conflict(`Deadline rule ${id} is built in; it cannot be changed or deleted`)
    return found
  }

  return {
    get,
    mustGet,

    /** Several rules at once (those that exist), for a case's automatic deadlines. */
    async getMany(ids: readonly string[]): Promise<DeadlineRule[]> {
      const found = await Promise.all(ids.map(get))
      return found.filter((r): r is DeadlineRule => r !== undefined)
    },

    /** Rules in id order; for a subdivision (US-NY) its country's rules too, as they apply to its cases. */
    async list(opts: { jurisdiction?: string | undefined; limit: number; cursor?: string | undefined }) {
      const stored = Object.values(await redis.hgetall(keys.deadlineRules)).map(
        (raw) => JSON.parse(raw) as DeadlineRule,
      )
      const wanted =
        opts.jurisdiction === undefined
          ? undefined
          : new Set([opts.jurisdiction, splitJurisdiction(opts.jurisdiction).country])
      const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor)
      const all = [...builtIns, ...stored]
        .filter((r) => wanted === undefined || wanted.has(r.jurisdiction))
        .filter((r) => after === undefined || r.id > after)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
      const items = all.slice(0, opts.limit)
      const last = items[items.length - 1]
      return { items, nextCursor: all.length > opts.limit && last ? encodeCursor(last.id) : null }
    },

    async create(input: RuleCreate): Promise<DeadlineRule> {
      const rule = ruleOf({ ...input, id: input.id ?? newId('rul') }, false)
      checkRule(rule)
      const taken =
        builtInById.has(rule.id) ||
        (await redis.hsetnx(keys.deadlineRules, rule.id, JSON.stringify(rule))) === 0
      if (taken) throw conflict(`Deadline rule ${rule.id} already exists`)
      return rule
    },

    async update(id: string, patch: RulePatch): Promise<{ rule: DeadlineRule; before: DeadlineRule }> {
      const before = await mustBeEditable(id)
      const rule: DeadlineRule = { ...before }
      for (const [field, value] of Object.entries(patch))
        if (value !== undefined) Object.assign(rule, { [field]: value })
      checkRule(rule)
      await redis.hset(keys.deadlineRules, id, JSON.stringify(rule))
      for (const listener of listeners) await listener(rule)
      return { rule, before }
    },

    async remove(id: string): Promise<DeadlineRule> {
      const before = await mustBeEditable(id)
      await redis.hdel(keys.deadlineRules, id)
      return before
    },

    onRuleChanged(listener: RuleChanged) {
      listeners.push(listener)
    },
  }
}
export type RuleStore = ReturnType<typeof createRuleStore>
