import { timingSafeEqual } from 'node:crypto'
import type { KeyStore } from '../keys/key.store.js'
import { AppError, forbidden } from '../platform/errors.js'

/**
 * Who may look at the operations pages (/metrics, /admin/queues): an admin key, or for /metrics the
 * METRICS_TOKEN a Prometheus server is given. Throws the 401 or 403 problem otherwise.
 */
export async function mustBeOperator(
  keys: Pick<KeyStore, 'authenticate'>,
  secret: string | undefined,
  opts: { metricsToken?: string | undefined; challenge?: string } = {},
): Promise<void> {
  const unauthorized = (detail: string) =>
    new AppError('unauthorized', 401, 'Unauthorized', detail, undefined, {
      ...(opts.challenge ? { 'www-authenticate': opts.challenge } : {}),
    })
  if (!secret) throw unauthorized('Send an admin API key')
  if (opts.metricsToken !== undefined && sameSecret(secret, opts.metricsToken)) return
  const found = await keys.authenticate(secret, 60_000)
  if (!found) throw unauthorized('The key is unknown or revoked')
  if (found.principal.scope !== 'admin') throw forbidden(`A ${found.principal.scope} key may not do this`)
}

/** The token of "Authorization: Bearer <token>", if that is what the header holds. */
export function bearerOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
}

/** The password of "Authorization: Basic base64(user:password)"; the user name is not checked. */
export function basicPasswordOf(header: string | undefined): string | undefined {
  const encoded = header === undefined ? undefined : /^Basic\s+(\S+)\s*$/i.exec(header)?.[1]
  if (!encoded) return undefined
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : decoded.slice(colon + 1)
}

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}
