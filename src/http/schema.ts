import { type Static, type TSchema, Type } from '@sinclair/typebox'

/** Shared pieces of the HTTP contract: problem details, pagination, ids. */

export const Instant = Type.String({ format: 'date-time', description: 'RFC 3339 instant in UTC' })
/**
 * `type: [T, 'null']` rather than `anyOf`: the same contract, but fast-json-stringify serializes it
 * directly instead of validating every value against each branch (anyOf made responses several times slower).
 */
export const Nullable = <T extends TSchema>(schema: T) =>
  typeof schema.type === 'string'
    ? Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] })
    : Type.Union([schema, Type.Null()])

/** A string from a fixed list, as `enum` (not a union of literals, for the same reason as Nullable). */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
}

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) })

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'urn:courtbell:problem:<code>; docs/api.md lists every one' }),
    title: Type.String({ description: 'A short summary of the kind of problem' }),
    status: Type.Integer({ description: 'The HTTP status' }),
    detail: Type.String({ description: 'What went wrong with this request, for a person' }),
    code: Type.Optional(Type.String({ description: 'The last part of `type`, for programs' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({
            description: 'JSON pointer to the field, e.g. /startsAt or /querystring/limit',
          }),
          message: Type.String(),
        }),
        { description: 'One entry per invalid field' },
      ),
    ),
  },
  { title: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
)

export const TimeZoneName = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone, e.g. Asia/Almaty',
})

/** The problem responses a route can give, for its OpenAPI entry: `...problemResponses(400, 404)`. */
export const problemResponses = <const C extends readonly (400 | 401 | 403 | 404 | 409 | 422 | 429)[]>(
  ...codes: C
) => Object.fromEntries(codes.map((code) => [code, Problem])) as { [K in C[number]]: typeof Problem }
