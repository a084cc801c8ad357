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
      message: v.message ?? 'is invalid',
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
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500)
    return problemOf(err.code?.toLowerCase() ?? 'invalid_request', status, titleFor(status), err.message)
  return problemOf('internal', 500, 'Internal error', 'Something went wrong on our side; it has been logged')
}

type AjvError = { instancePath?: string; params?: Record<string, unknown>; message?: string }
function validationPath(v: AjvError, context: string | undefined): string {
  const extra = v.params?.additionalProperty ?? v.params?.missingProperty
  const base = `${context === 'body' ? '' : `/${context ?? ''}`}${v.instancePath ?? ''}`
  return typeof extra === 'string' ? `${base}/${extra}` : base || '/'
}

function titleFor(status: number): string {
  return (
    (
      {
        400: 'Invalid request',
        404: 'Not found',
        405: 'Method not allowed',
        406: 'Not acceptable',
        413: 'Body too large',
        415: 'Unsupported media type',
      } as Record<number, string>
    )[status] ?? 'Request error'
  )
}
