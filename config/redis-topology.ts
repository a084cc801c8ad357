import { ConfigError } from './errors.js'

export type HostPort = Readonly<{ host: string; port: number }>

/**
 * Which Redis courtbell talks to: one server (REDIS_URL), the primary that Sentinel names
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME), or a Redis Cluster (REDIS_CLUSTER_NODES). REDIS_URL's
 * credentials, database and TLS apply to the data nodes in every case.
 */
export type RedisTopology =
  | Readonly<{ kind: 'single' }>
  | Readonly<{ kind: 'sentinel'; sentinels: readonly HostPort[]; name: string }>
  | Readonly<{ kind: 'cluster'; nodes: readonly HostPort[] }>

type Get = (name: 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_CLUSTER_NODES') => string | undefined

export function redisTopology(get: Get, prefix: string): RedisTopology {
  const sentinels = get('REDIS_SENTINELS')
  const sentinelName = get('REDIS_SENTINEL_NAME') ?? ''
  const clusterNodes = get('REDIS_CLUSTER_NODES')
  if (sentinels !== undefined && clusterNodes !== undefined)
    throw new ConfigError(
      'REDIS_CLUSTER_NODES',
      'set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both',
    )
  if (sentinels !== undefined) {
    if (!/^[A-Za-z0-9_.-]+$/.test(sentinelName))
      throw new ConfigError('REDIS_SENTINEL_NAME', 'the name Sentinel monitors the primary under')
    return { kind: 'sentinel', sentinels: hostPorts('REDIS_SENTINELS', sentinels), name: sentinelName }
  }
  if (clusterNodes !== undefined) {
    // The store's atomic writes and BullMQ's scripts touch several keys at once: they must share a slot.
    if (!/^[^{]*\{[^}]+\}/.test(prefix))
      throw new ConfigError(
        'REDIS_PREFIX',
        `with REDIS_CLUSTER_NODES it needs a hash tag, e.g. "{${prefix.replace(/[{}]/g, '')}}", so every key lands in one slot`,
      )
    return { kind: 'cluster', nodes: hostPorts('REDIS_CLUSTER_NODES', clusterNodes) }
  }
  return { kind: 'single' }
}

/** 'a:26379,b:26380' → [{ host: 'a', port: 26379 }, …]; IPv6 in brackets, e.g. '[::1]:26379'. */
function hostPorts(setting: string, raw: string): HostPort[] {
  return raw.split(',').map((part) => {
    const m = /^\s*(\[[^\]]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(part)
    const port = Number(m?.[2])
    if (!m || port < 1 || port > 65535)
      throw new ConfigError(setting, `expected host:port[,host:port…], got "${part.trim()}"`)
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
  })
}
