import { Ajv } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv

/**
 * verbose: errors carry their schema, so a pattern is explained by its description (src/http/problem.ts).
 * Bodies are validated as sent (no type coercion: 123 is not a title, null stays null); query strings and
 * path parameters arrive as text, so they are coerced (limit=5 is a number).
 */
const bodyAjv = addFormats(
  new Ajv({
    allErrors: false,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: false,
    strict: false,
    verbose: true,
  }),
)
const textAjv = addFormats(
  new Ajv({
    allErrors: false,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: 'array',
    strict: false,
    // Errors carry their schema, so a pattern can be explained by its description (src/http/problem.ts).
    verbose: true,
  }),
)
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
