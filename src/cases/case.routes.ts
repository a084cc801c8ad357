import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RuleStore } from '../deadlines/rule.store.js'
import { ruleAppliesTo } from '../deadlines/rule-terms.js'
import { IdParams, Page } from '../http/schema.js'
import { type Principal, STAFF, STAFF_OR_PARTNER } from '../keys/auth.js'
import { badRequest, invalidField, notFound } from '../platform/errors.js'
import { isValidTimeZone, unknownTimeZone } from '../platform/time.js'
import { Case, CaseCreate, CaseListQuery, CasePatch } from './case.schema.js'
import type { CaseStore } from './case.store.js'

/** A partner (an NGO) sees public cases only; an internal case does not exist for it. */
export function visibleTo(principal: Principal | null, found: Case | undefined): found is Case {
  return (
    found !== undefined &&
    (found.visibility === 'public' || (principal !== null && principal.scope !== 'partner'))
  )
}

function checkTimeZone(zone: string | undefined) {
  if (zone !== undefined && !isValidTimeZone(zone)) throw invalidField('/timeZone', unknownTimeZone(zone))
}

/** Each rule a case lists must exist and apply in the case's jurisdiction. */
async function checkDeadlineRules(rules: RuleStore, jurisdiction: string | null, ids: readonly string[]) {
  for (const [i, id] of ids.entries()) {
    const rule = await rules.get(id)
    const problem = !rule
      ? `deadline rule ${id} does not exist`
      : !ruleAppliesTo(rule, jurisdiction)
        ? `deadline rule ${id} is for ${rule.jurisdiction}, not the case's jurisdiction (${jurisdiction ?? 'none'})`
        : undefined
    if (problem) throw badRequest(problem, [{ path: `/deadlineRules/${i}`, message: problem }])
  }
}

export const caseRoutes: FastifyPluginAsyncTypebox<{ cases: CaseStore; rules: RuleStore }> = async (
  app,
  { cases, rules },
) => {
  app.post(
    '/v1/cases',
    {
      config: { access: STAFF },
      schema: {
        tags: ['cases'],
        summary: 'Register a case',
        description:
          'Creates a case: the court, its IANA time zone (hearings default to it), optional tags and visibility. `internal` cases are never shown to partner keys. Staff only.',
        body: CaseCreate,
        response: { 201: Case },
      },
    },
    async (req, reply) => {
      checkTimeZone(req.body.timeZone)
      await checkDeadlineRules(rules, req.body.jurisdiction ?? null, req.body.deadlineRules ?? [])
      return reply.code(201).send(await cases.create(req.body))
    },
  )

  app.get(
    '/v1/cases',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['cases'],
        summary: 'List cases',
        description: 'Cases, newest first, optionally with one tag. A partner key sees public cases only.',
        querystring: CaseListQuery,
        response: { 200: Page(Case) },
      },
    },
    async (req) =>
      cases.list({
        tag: req.query.tag,
        publicOnly: req.principal?.scope === 'partner',
        limit: req.query.limit ?? 50,
        cursor: req.query.cursor,
      }),
  )

  app.get(
    '/v1/cases/:id',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['cases'],
        summary: 'Get a case',
        description: 'One case. An internal case does not exist for a partner key (404).',
        params: IdParams,
        response: { 200: Case },
      },
    },
    async (req) => {
      const found = await cases.get(req.params.id)
      if (!visibleTo(req.principal, found)) throw notFound('Case', req.params.id)
      return found
    },
  )

  app.patch(
    '/v1/cases/:id',
    {
      config: { access: STAFF },
      schema: {
        tags: ['cases'],
        summary: 'Change a case',
        description: 'Changes the fields given; the others stay. Staff only.',
        params: IdParams,
        body: CasePatch,
        response: { 200: Case },
      },
    },
    async (req) => {
      checkTimeZone(req.body.timeZone)
      const current = await cases.mustGet(req.params.id)
      if (req.body.jurisdiction !== undefined || req.body.deadlineRules !== undefined)
        await checkDeadlineRules(
          rules,
          req.body.jurisdiction === undefined ? current.jurisdiction : req.body.jurisdiction,
          req.body.deadlineRules ?? current.deadlineRules,
        )
      return cases.update(current, req.body)
    },
  )
}
