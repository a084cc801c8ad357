import { notFound } from '../platform/errors.js'
import { newId } from '../platform/ids.js'
import type { Store } from '../platform/store.js'
import type { Case, CaseCreate, CasePatch } from './case.schema.js'

/** Cases stored before version 1.1 read with its defaults: English, no deadline rules. */
const withDefaults = (found: Case | undefined): Case | undefined =>
  found && { ...found, language: found.language ?? 'en', deadlineRules: found.deadlineRules ?? [] }

export function createCaseStore({ store }: { store: Store }) {
  const { redis, keys } = store
  const tagIndex = (tag: string) => `case-tag:${tag}`

  async function save(next: Case, previous?: Case) {
    const tx = redis
      .multi()
      .set(keys.record(next.id), JSON.stringify(next))
      .zadd(keys.index('cases'), 0, next.id)
    for (const tag of previous?.tags ?? [])
      if (!next.tags.includes(tag)) tx.zrem(keys.index(tagIndex(tag)), next.id)
    for (const tag of next.tags) tx.zadd(keys.index(tagIndex(tag)), 0, next.id)
    await tx.exec()
  }

  async function get(id: string): Promise<Case | undefined> {
    return id.startsWith('case_') ? withDefaults(await store.get<Case>(id)) : undefined
  }

  return {
    async create(input: CaseCreate): Promise<Case> {
      const now = new Date().toISOString()
      const created: Case = {
        id: newId('case'),
        title: input.title,
        court: input.court,
        timeZone: input.timeZone,
        caseNumber: input.caseNumber ?? null,
        jurisdiction: input.jurisdiction ?? null,
        description: input.description ?? null,
        tags: input.tags ?? [],
        visibility: input.visibility ?? 'public',
        deadlineRules: input.deadlineRules ?? [],
        language: input.language ?? 'en',
        createdAt: now,
        updatedAt: now,
      }
      await save(created)
      return created
    },

    async update(current: Case, patch: CasePatch): Promise<Case> {
      const next: Case = { ...current, updatedAt: new Date().toISOString() }
      for (const [field, value] of Object.entries(patch))
        if (value !== undefined) Object.assign(next, { [field]: value })
      await save(next, current)
      return next
    },

    get,

    async mustGet(id: string): Promise<Case> {
      const found = await get(id)
      if (!found) throw notFound('Case', id)
      return found
    },

    async list(opts: {
      tag?: string | undefined
      publicOnly: boolean
      limit: number
      cursor?: string | undefined
    }) {
      const page = await store.page<Case>(opts.tag === undefined ? 'cases' : tagIndex(opts.tag), {
        limit: opts.limit,
        cursor: opts.cursor,
        ...(opts.publicOnly ? { keep: (c: Case) => c.visibility === 'public' } : {}),
      })
      return { ...page, items: page.items.map((c) => withDefaults(c) as Case) }
    },
  }
}
export type CaseStore = ReturnType<typeof createCaseStore>
