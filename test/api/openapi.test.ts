import { compileErrors, validate } from '@readme/openapi-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WEBHOOK_EVENT_TYPES } from '../../src/events/event.js'
import { type Harness, startHarness } from '../helpers/harness.js'

/**
 * The OpenAPI document is what integrators read (issue 14, point 8): valid OpenAPI 3.1 by an independent
 * validator, every operation explained, its problems listed, named resources, security only where a key is
 * needed, and the webhooks courtbell sends.
 */

type Operation = {
  summary?: string
  description?: string
  security?: Record<string, string[]>[]
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>
}
type Doc = {
  openapi: string
  security: Record<string, string[]>[]
  paths: Record<string, Record<string, Operation>>
  webhooks: Record<string, { post: Operation & { requestBody: unknown } }>
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> }
}

let h: Harness
let doc: Doc
beforeAll(async () => {
  h = await startHarness({ name: 'api-openapi' })
  doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json()
})
afterAll(async () => h?.close())

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  )

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (@readme/openapi-parser)', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const result = await validate(structuredClone(doc) as never)
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true)
  })

  it('gives every operation a summary and a description', () => {
    const lacking = operations()
      .filter(({ op }) => !op.summary?.trim() || !op.description?.trim())
      .map(({ name }) => name)
    expect(lacking).toEqual([])
  })

  it('lists the problems each operation can give, as the shared Problem schema', () => {
    expect(doc.components.schemas.Problem).toBeDefined()
    for (const { name, op } of operations()) {
      const problems = Object.entries(op.responses).filter(([status]) => Number(status) >= 400)
      if (name !== 'GET /docs' && name !== 'GET /healthz') expect(problems.length, name).toBeGreaterThan(0)
      for (const [status, response] of problems) {
        const media = response.content?.['application/problem+json'] ?? response.content?.['text/html']
        expect(media, `${name} ${status}`).toBeDefined()
        if (response.content?.['application/problem+json'])
          expect(media?.schema?.$ref, `${name} ${status}`).toBe('#/components/schemas/Problem')
      }
    }
    const cancel = doc.paths['/v1/hearings/{id}/cancel']?.post
    expect(Object.keys(cancel?.responses ?? {})).toEqual(
      expect.arrayContaining(['400', '401', '403', '404', '409', '415', '429', '500', '503']),
    )
  })

  it('names every resource in components and refers to it', () => {
    for (const name of [
      'Case',
      'Hearing',
      'Subscription',
      'WebhookEndpoint',
      'WebhookEndpointCreated',
      'Delivery',
      'ApiKey',
      'ApiKeyCreated',
      'AuditEntry',
      'Stats',
      'Problem',
      'WebhookEvent',
    ])
      expect(doc.components.schemas[name], name).toBeDefined()
    const hearing = doc.paths['/v1/hearings/{id}']?.get?.responses['200']?.content?.['application/json']
    expect(hearing?.schema?.$ref).toBe('#/components/schemas/Hearing')
    // Every resource a /v1 operation answers with is named (a page of them: its items are).
    const unnamed = operations().flatMap(({ name, op }) =>
      Object.entries(op.responses)
        .filter(([status]) => /^2/.test(status) && name.includes(' /v1/'))
        .flatMap(([status, r]) => {
          const schema = r.content?.['application/json']?.schema as Record<string, unknown> | undefined
          if (!schema || schema.$ref || schema.type !== 'object') return []
          const items = (schema.properties as Record<string, { items?: { $ref?: string } }> | undefined)
            ?.items
          return items?.items?.$ref ? [] : [`${name} ${status}`]
        }),
    )
    expect(unnamed).toEqual([])
  })

  it('asks for a key only where one is needed', () => {
    expect(doc.security).toEqual([{ bearer: [] }])
    const security = (name: string) => operations().find((o) => o.name === name)?.op.security
    for (const open of [
      'GET /healthz',
      'GET /readyz',
      'GET /openapi.json',
      'GET /docs',
      'GET /subscriptions/confirm',
      'GET /unsubscribe',
      'POST /unsubscribe',
    ])
      expect(security(open), open).toEqual([])
    // Self-service: anyone may subscribe; a staff key makes the subscription active at once.
    for (const optional of ['POST /v1/hearings/{id}/subscriptions', 'POST /v1/cases/{id}/subscriptions'])
      expect(security(optional), optional).toEqual([{}, { bearer: [] }])
    for (const keyed of ['GET /v1/cases', 'POST /v1/api-keys', 'GET /v1/deliveries'])
      expect(security(keyed), keyed).toBeUndefined() // the document's default: a bearer key
  })

  it('describes the webhooks courtbell sends, one per event type', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort())
    expect(Object.keys(doc.webhooks)).toEqual(expect.arrayContaining(['hearing.decided', 'hearing.reminder']))
    for (const [type, { post }] of Object.entries(doc.webhooks)) {
      expect(post.summary, type).toBeTruthy()
      expect(post.description, type).toMatch(/webhook-signature/)
      expect(JSON.stringify(post.requestBody)).toContain('#/components/schemas/WebhookEvent')
    }
  })

  it('knows the delivery status missed', () => {
    expect(doc.components.schemas.Delivery?.properties?.status?.enum).toContain('missed')
  })
})
