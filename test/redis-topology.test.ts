import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config/index.js'

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env })

describe('Redis topology settings', () => {
  it('is one server at REDIS_URL unless Sentinel or Cluster is named', () => {
    const { redis } = load({})
    expect(redis.topology).toEqual({ kind: 'single' })
    expect(redis.waitReplicas).toBe(0)
  })

  it('finds the primary through REDIS_SENTINELS under REDIS_SENTINEL_NAME', () => {
    const { redis } = load({
      REDIS_SENTINELS: '127.0.0.1:26379, sentinel-b:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'courtbell',
      REDIS_WAIT_REPLICAS: '1',
      REDIS_WAIT_TIMEOUT_MS: '250',
    })
    expect(redis.topology).toEqual({
      kind: 'sentinel',
      name: 'courtbell',
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
        { host: '::1', port: 26381 },
      ],
    })
    expect([redis.waitReplicas, redis.waitTimeoutMs]).toEqual([1, 250])
  })

  it('runs on REDIS_CLUSTER_NODES only with a hash-tagged prefix, so every key shares one slot', () => {
    expect(() => load({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toThrow(
      /REDIS_PREFIX: with REDIS_CLUSTER_NODES it needs a hash tag, e.g. "\{courtbell\}"/,
    )
    expect(() => load({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PREFIX: '{}courtbell' })).toThrow(
      ConfigError,
    )
    const { redis } = load({
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001',
      REDIS_PREFIX: '{courtbell}',
    })
    expect(redis.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
    })
  })

  it('names the bad setting', () => {
    const bad = (env: Record<string, string>) => {
      try {
        load(env)
      } catch (err) {
        return (err as ConfigError).setting
      }
      return 'accepted'
    }
    expect(bad({ REDIS_SENTINELS: '127.0.0.1' })).toBe('REDIS_SENTINELS')
    expect(bad({ REDIS_SENTINELS: '127.0.0.1:0' })).toBe('REDIS_SENTINELS')
    expect(bad({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'my master' })).toBe('REDIS_SENTINEL_NAME')
    expect(bad({ REDIS_CLUSTER_NODES: 'a:1,b', REDIS_PREFIX: '{cb}' })).toBe('REDIS_CLUSTER_NODES')
    expect(bad({ REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2', REDIS_PREFIX: '{cb}' })).toBe(
      'REDIS_CLUSTER_NODES',
    )
    expect(bad({ REDIS_WAIT_REPLICAS: 'one' })).toBe('REDIS_WAIT_REPLICAS')
  })
})
