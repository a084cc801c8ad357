/** One error family: a stable code, an HTTP status and a title; mapped to RFC 9457 problem details in app.ts. */
export type FieldError = { path: string; message: string }

export class AppError extends Error {
  readonly code: string
  readonly status: number
  readonly title: string
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string> | undefined

  constructor(
    code: string,
    status: number,
    title: string,
    detail: string,
    errors?: FieldError[],
    headers?: Record<string, string>,
  ) {
    super(detail)
    this.code = code
    this.status = status
    this.title = title
    this.errors = errors
    this.headers = headers
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('not_found', 404, 'Not found', `${what} ${id} does not exist`)
export const badRequest = (detail: string, errors?: FieldError[]) =>
  new AppError('invalid_request', 400, 'Invalid request', detail, errors)
/** A 400 about one field: the detail and the field's entry say the same. */
export const invalidField = (path: string, message: string) =>
  badRequest(`${path}: ${message}`, [{ path, message }])
export const conflict = (detail: string) => new AppError('conflict', 409, 'Conflict', detail)
export const unauthorized = (detail: string) => new AppError('unauthorized', 401, 'Unauthorized', detail)
export const forbidden = (detail: string) => new AppError('forbidden', 403, 'Forbidden', detail)
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError('rate_limited', 429, 'Too many requests', `Try again in ${retryAfterSeconds} s`, undefined, {
    'retry-after': String(retryAfterSeconds),
  })
export const unavailable = (detail: string) => new AppError('unavailable', 503, 'Service unavailable', detail)
