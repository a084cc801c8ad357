import type { Principal } from '../keys/auth.js'
import { notFound } from '../platform/errors.js'
import type { EndpointRecord } from './endpoint.schema.js'
import type { EndpointStore } from './endpoint.store.js'

/** Who may touch an endpoint, and what an owner turning it on or off changes. */

/** A partner sees only the endpoints its own key made; to it, anyone else's do not exist. */
export async function mustOwnEndpoint(
  endpoints: Pick<EndpointStore, 'get'>,
  principal: Principal | null,
  id: string,
): Promise<EndpointRecord> {
  const found = await endpoints.get(id)
  if (!found || (principal?.scope === 'partner' && found.ownerKeyId !== principal.id))
    throw notFound('Webhook endpoint', id)
  return found
}

/**
 * Turning an endpoint on starts afresh (no run of failures, nothing re-sent by that alone); turning it off
 * says who did it. Setting what it already is changes nothing.
 */
export function enabling(current: EndpointRecord, enabled: boolean): Partial<EndpointRecord> {
  if (enabled === current.enabled) return {}
  return enabled
    ? { enabled, disabledReason: null, disabledAt: null, failingSince: null, warnedAt: null }
    : { enabled, disabledReason: 'disabled by request', disabledAt: new Date().toISOString() }
}
