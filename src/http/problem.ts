import type { FastifyError } from 'fastify'
import { AppError, type FieldError } from '../platform/errors.js'
import { isRedisUnavailable } from '../platform/redis.js'

export type Problem = {
  type: string
  title: string
  status: number
  detail: string
  code: string
  errors?: FieldError[]
}

export function problemOf(
  code: string,
  status: number,
  title: string,
  detail: string,
  errors?: FieldError[],
): Problem {
  return { type: `urn:courtbell:problem:${code}`, title, status, detail, code, ...(errors ? { errors } : {}) }
}

/** Maps any error to a problem; 5xx details never leave the process. */
export function toProblem(err: FastifyError): Problem {
  if (err instanceof AppError) return problemOf(err.code, err.status, err.title, err.message, err.errors)
  if (err.validation) {
    const errors = err.validation.map((v) => ({
      path: validationPath(v, err.validationContext),
      message: validationMessage(v, err.validationContext),
    }))
    const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ')
    return problemOf('invalid_request', 400, 'Invalid request', detail, errors)
  }
  if (isRedisUnavailable(err))
    return problemOf(
      'unavailable',
      503,
      'Service unavailable',
      'The store is not reachable; try again shortly',
    )
  const framework = frameworkProblem(err)
  if (framework) return framework
  return problemOf('internal', 500, 'Internal error', 'Something went wrong on our side; it has been logged')
}

type AjvError = {
  keyword?: string
  instancePath?: string
  params?: Record<string, unknown>
  message?: string
  parentSchema?: { description?: unknown }
}
function validationPath(v: AjvError, context: string | undefined): string {
  const extra = v.params?.additionalProperty ?? v.params?.missingProperty
  const base = `${context === 'body' ? '' : `/${context ?? ''}`}${v.instancePath ?? ''}`
  return typeof extra === 'string' ? `${base}/${extra}` : base || '/'
}

/** Said for a person: a pattern is explained by its field's description, never shown as a regular expression. */
function validationMessage(v: AjvError, context: string | undefined): string {
  const description = v.parentSchema?.description
  switch (v.keyword) {
    case 'pattern':
      return typeof description === 'string'
        ? `must be ${description.charAt(0).toLowerCase()}${description.slice(1)}`
        : 'is not in the expected format'
    case 'required':
      return 'is required'
    case 'additionalProperties':
      return 'is not a known field'
    case 'enum':
      return `must be one of ${((v.params?.allowedValues ?? []) as unknown[]).join(', ')}`
    case 'type':
      if (context === 'body' && !v.instancePath) return 'the body must be a JSON object'
      return v.message ?? 'is invalid'
    default:
      return v.message ?? 'is invalid'
  }
}
/**
 * Errors the framework raises before a route runs (a body that is not JSON, too large, a URL that does not
 * decode), in courtbell's own words: a client never sees a framework error code.
 */
const FRAMEWORK: Record<string, (err: FastifyError) => Problem> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    problemOf(
      'unsupported_media_type',
      415,
      'Unsupported media type',
      'Send the body as JSON, with content-type: application/json',
    ),
  FST_ERR_CTP_INVALID_JSON_BODY: () => invalidJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: () => invalidJson,
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    problemOf('body_too_large', 413, 'Body too large', 'The body may be at most 64 KiB'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    problemOf('invalid_request', 400, 'Invalid request', 'The content-length does not match the body'),
  FST_ERR_BAD_URL: () =>
    problemOf('invalid_url', 400, 'Invalid URL', 'The URL is not valid: percent-encode it as UTF-8'),
}

const invalidJson = problemOf('invalid_json', 400, 'Invalid JSON', 'The body is not valid JSON')

const BY_STATUS: Record<number, [code: string, title: string]> = {
  400: ['invalid_request', 'Invalid request'],
  404: ['not_found', 'Not found'],
  405: ['method_not_allowed', 'Method not allowed'],
  406: ['not_acceptable', 'Not acceptable'],
  408: ['request_timeout', 'Request timeout'],
  413: ['body_too_large', 'Body too large'],
  415: ['unsupported_media_type', 'Unsupported media type'],
  431: ['headers_too_large', 'Request headers too large'],
}

/** A framework error with a 4xx status as a problem (undefined for anything else). */
export function frameworkProblem(err: FastifyError): Problem | undefined {
  const known = err.code ? FRAMEWORK[err.code] : undefined
  if (known) return known(err)
  const status = err.statusCode ?? 500
  if (status < 400 || status >= 500) return undefined
  const [code, title] = BY_STATUS[status] ?? ['invalid_request', 'Invalid request']
  // The framework's messages describe the request, never the server; its error codes stay inside.
  return problemOf(code, status, title, err.message)
}
