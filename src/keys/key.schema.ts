import { type Static, Type } from '@sinclair/typebox'
import { named } from '../http/openapi.js'
import { Instant, StringEnum } from '../http/schema.js'

export const Scope = { admin: 'admin', staff: 'staff', partner: 'partner' } as const
export type Scope = (typeof Scope)[keyof typeof Scope]

const ScopeSchema = StringEnum(['admin', 'staff', 'partner'])

export const ApiKeyCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), scope: ScopeSchema },
  { additionalProperties: false },
)

export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: ScopeSchema,
  createdAt: Instant,
})
named(ApiKeyView, 'ApiKey', 'An API key (never the key itself)')
export type ApiKeyView = Static<typeof ApiKeyView>
export const ApiKeyCreated = Type.Object({
  ...ApiKeyView.properties,
  key: Type.String({ description: 'Shown once' }),
})
named(ApiKeyCreated, 'ApiKeyCreated', 'A new API key: `key` is shown once')

export type ApiKeyRecord = ApiKeyView & { keyHash: string; revokedAt: string | null }
