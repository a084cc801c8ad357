import type { FastifyInstance, FastifyRequest } from 'fastify'
import { mustBeWithin } from '../http/rate-limit.js'
import { forbidden, unauthorized } from '../platform/errors.js'
import type { ApiKeyRecord, Scope } from './key.schema.js'
import type { KeyStore } from './key.store.js'

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

/** Every authenticated request counts against its key's limit of `perMinute` requests a minute. */
export function registerAuth(app: FastifyInstance, keyStore: KeyStore, perMinute: number) {
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
    const found = match?.[1] ? await keyStore.authenticate(match[1], 60_000) : undefined
    if (!found) throw unauthorized('The API key is unknown or revoked')
    const record = found.principal
    req.principal = { id: record.id, name: record.name, scope: record.scope }
    mustBeWithin(perMinute, found.hits, found.windowLeftMs)
    if (access !== 'optional' && record.scope !== 'admin' && !access.includes(record.scope))
      throw forbidden(`A ${record.scope} key may not do this`)
  })
}

export const isPartner = (req: FastifyRequest) => req.principal?.scope === 'partner'
/** Staff-level callers (staff or admin). */
export const isStaff = (req: FastifyRequest) =>
  req.principal?.scope === 'staff' || req.principal?.scope === 'admin'
