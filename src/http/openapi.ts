import type { TSchema } from '@sinclair/typebox'
import type { FastifySchema, RouteOptions } from 'fastify'
import { Problem } from './schema.js'

/**
 * How the OpenAPI document tells integrators what can go wrong and who may call what. Every route gets the
 * problem responses that the shared machinery can give it (documentRoute, run by @fastify/swagger); a route
 * adds its own with problemResponses, e.g. `response: { 200: Hearing, ...problemResponses(409) }`.
 */

const WHY: Record<number, string> = {
  400: 'The request is malformed or a field is invalid (`errors` names each field)',
  401: 'No API key, or an unknown or revoked one',
  403: "The key's scope may not do this",
  404: 'No such resource (or not one this key may see)',
  409: 'The resource is in a state that does not allow this',
  413: 'The body is larger than 64 KiB',
  415: 'The body is not JSON',
  422: 'The Idempotency-Key was used before with a different body',
  429: 'Too many requests; wait for Retry-After seconds',
  500: 'Something went wrong on our side (no detail is given)',
  503: 'The store does not answer; retry shortly',
}

const problemResponse = (status: number) => ({
  description: WHY[status] ?? 'A problem (RFC 9457)',
  content: { 'application/problem+json': { schema: Problem } },
})

/** Problem responses a route gives beyond the standard ones, for its schema's `response`. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, problemResponse(status)]))

type Access = readonly string[] | 'optional' | 'public' | undefined
type RouteSchema = {
  body?: unknown
  params?: unknown
  querystring?: unknown
  response?: Record<string, unknown>
  security?: unknown
}

/** The problems every route of this kind can give, from what it takes and who may call it. */
function standardStatuses(
  route: Pick<RouteOptions, 'method'>,
  schema: RouteSchema,
  access: Access,
): number[] {
  const statuses = [500]
  const takesInput =
    schema.body !== undefined || schema.params !== undefined || schema.querystring !== undefined
  if (takesInput) statuses.push(400)
  if (schema.params !== undefined) statuses.push(404)
  if (access !== undefined && access !== 'public') statuses.push(401, 429, 503)
  if (Array.isArray(access)) statuses.push(403)
  const methods = [route.method].flat()
  if (schema.body !== undefined || methods.includes('POST')) statuses.push(413, 415)
  // Every POST takes an Idempotency-Key (src/http/idempotency.ts).
  if (methods.includes('POST')) statuses.push(409, 422)
  return statuses
}

/**
 * The swagger `transform`: adds the standard problem responses and the route's security (none on public
 * pages, optional on self-service routes; the document's default, a bearer key, elsewhere).
 */
export function documentRoute({ schema, url, route }: { schema: unknown; url: string; route: RouteOptions }) {
  const own = (schema ?? {}) as RouteSchema & Record<string, unknown>
  const access = route.config?.access as Access
  // A bare Problem schema for an error status is a problem document, not application/json.
  const response = Object.fromEntries(
    Object.entries(own.response ?? {}).map(([status, r]) => [
      status,
      Number(status) >= 400 && r === Problem ? problemResponse(Number(status)) : r,
    ]),
  ) as Record<string, unknown>
  for (const status of standardStatuses(route, own, access))
    if (response[status] === undefined) response[status] = problemResponse(status)
  const security =
    access === undefined || access === 'public'
      ? []
      : access === 'optional'
        ? [{}, { bearer: [] }]
        : undefined
  const documented = { ...own, response, ...(security ? { security } : {}) }
  return { url, schema: documented as FastifySchema }
}

type Json = unknown
type Doc = Record<string, Json> & { components?: { schemas?: Record<string, Json> } }

/**
 * Every schema with a `title` (a resource: Case, Hearing, Problem, …) moves to components.schemas under that
 * title, and each place it was becomes a $ref: integrators and generated clients get named types.
 */
export function nameSchemas<T extends Doc>(doc: T): T {
  const named: Record<string, Json> = { ...doc.components?.schemas }
  const hoist = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(hoist)
    if (node === null || typeof node !== 'object') return node
    // Examples are data, not schemas: a `title` in them names nothing.
    const entries = Object.entries(node).map(([k, v]) => [k, /^examples?$/.test(k) ? v : hoist(v)] as const)
    const copy = Object.fromEntries(entries) as Record<string, Json>
    const title = copy.title
    if (typeof title !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(title) || !('type' in copy)) return copy
    named[title] ??= copy
    return { $ref: `#/components/schemas/${title}` }
  }
  const { components, ...rest } = doc
  const hoisted = hoist(rest) as Doc
  return { ...hoisted, components: { ...components, schemas: named } } as T
}

/**
 * Names a resource's schema: the OpenAPI document shows it once, in components.schemas under this title,
 * and refers to it everywhere else. Only annotations change; validation and serialization are the same.
 */
export function named<T extends TSchema>(schema: T, title: string, description: string): void {
  Object.assign(schema, { title, description })
}
