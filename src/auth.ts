import type { FastifyInstance, FastifyRequest } from 'fastify'
import { forbidden, unauthorized } from './errors.js'
import type { ApiKeyRecord, Scope } from './keys/key.schema.js'
import type { KeyStore } from './keys/key.store.js'

export type Principal = Pick<ApiKeyRecord, 'id' | 'name' | 'scope'>
/** Who may call a route: a list of scopes (admin is always allowed), 'optional' (anyone; a key if given must be valid) or 'public'. */
export type Access = readonly Scope[] | 'optional' | 'public'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    access?: Access
  }
}

export const STAFF: Access = ['staff']
export const STAFF_OR_PARTNER: Access = ['staff', 'partner']
export const ADMIN: Access = []

/** `throttle` is called once per authenticated request with the key's id (a per-key rate limit). */
export function registerAuth(
  app: FastifyInstance,
  keyStore: KeyStore,
  throttle: (keyId: string) => Promise<void>,
) {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config.access
    if (access === undefined || access === 'public') return
    const header = req.headers.authorization
    if (header === undefined) {
      if (access === 'optional') return
      throw unauthorized('Send an API key as "Authorization: Bearer <key>"')
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    const record = match?.[1] ? await keyStore.authenticate(match[1]) : undefined
    if (!record) throw unauthorized('The API key is unknown or revoked')
    req.principal = { id: record.id, name: record.name, scope: record.scope }
    await throttle(record.id)
    if (access !== 'optional' && record.scope !== 'admin' && !access.includes(record.scope))
      throw forbidden(`A ${record.scope} key may not do this`)
  })
}

export const isPartner = (req: FastifyRequest) => req.principal?.scope === 'partner'
/** Staff-level callers (staff or admin). */
export const isStaff = (req: FastifyRequest) =>
  req.principal?.scope === 'staff' || req.principal?.scope === 'admin'
