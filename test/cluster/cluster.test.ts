import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'

/**
 * Runs only in the cluster project (vitest.cluster.config.ts), beside the e2e and fault scenarios it reruns
 * there: what the hash-tagged prefix promises — every key of a deployment, store and queues, in one slot.
 */
let h: Harness
let receiver: Receiver

beforeAll(async () => {
  receiver = await startReceiver()
  h = await startHarness({ name: 'cluster-slot', workers: true })
})
afterAll(async () => {
  await h?.close()
  await receiver?.close()
})

describe('courtbell on Redis Cluster', () => {
  it('puts every key of its prefix, store and queues, in one slot on one primary', async () => {
    expect(h.redis).toBeInstanceOf(Cluster)
    const cluster = h.redis as Cluster
    expect(h.config.redis.prefix).toMatch(/^\{cbtest-cluster-slot-[0-9a-f]+\}$/)
    const headers = await h.auth('staff')
    const kase = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    ).json()
    const endpoint = await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers,
      payload: { url: receiver.url, caseIds: [kase.id], eventTypes: ['hearing.scheduled'] },
    })
    expect(endpoint.statusCode).toBe(201)
    const hearing = await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${kase.id}/hearings`,
      headers,
      payload: bilash.hearing,
    })
    expect(hearing.statusCode).toBe(201)
    await eventually(() => (receiver.ofType('hearing.scheduled').length > 0 ? true : undefined))

    const holders: { port: number; keys: string[] }[] = []
    for (const node of cluster.nodes('master')) {
      const keys = await node.keys(`${h.config.redis.prefix}:*`)
      if (keys.length > 0) holders.push({ port: node.options.port as number, keys })
    }
    expect(holders).toHaveLength(1)
    const keys = holders[0]?.keys ?? []
    expect(keys.some((k) => k.includes(':q:'))).toBe(true) // BullMQ's keys
    expect(keys.some((k) => k.includes(':rec:'))).toBe(true) // the store's records
    const slots = new Set(
      await Promise.all(keys.map((k) => cluster.call('CLUSTER', 'KEYSLOT', k) as Promise<number>)),
    )
    expect(slots.size).toBe(1)
    console.log(
      `cluster: ${keys.length} keys of one deployment, all in slot ${[...slots][0]} on the primary at port ${holders[0]?.port}`,
    )
  })
})
