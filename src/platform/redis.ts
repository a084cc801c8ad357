import type { ConnectionOptions } from 'bullmq'
import { Cluster, type ClusterOptions, Redis as OneServer, type RedisOptions } from 'ioredis'
import type { Config } from '../../config/index.js'

/** A connection to the store: one server (found directly or through Sentinel) or a Redis Cluster. */
export type Redis = OneServer | Cluster

type RedisSettings = Pick<Config['redis'], 'url' | 'topology'>

/** The API's connection: fail fast when Redis is away (answer 503) rather than queue commands in memory. */
export function connectForApi(settings: RedisSettings): Redis {
  return connect(settings, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
}

/**
 * Workers block on Redis and must keep retrying forever (BullMQ requires maxRetriesPerRequest: null).
 * On Cluster BullMQ needs a Cluster instance (it duplicates it for its blocking connections); the caller
 * closes it with closeWorkerConnection after the workers.
 */
export function workerConnectionOptions(settings: RedisSettings): ConnectionOptions {
  if (settings.topology.kind === 'cluster') return connect(settings, { maxRetriesPerRequest: null })
  return { ...nodeOptions(settings), maxRetriesPerRequest: null }
}

export async function closeWorkerConnection(connection: ConnectionOptions): Promise<void> {
  if (connection instanceof Cluster) await connection.quit().catch(() => undefined)
}

function connect(settings: RedisSettings, options: RedisOptions): Redis {
  const { topology } = settings
  if (topology.kind !== 'cluster') return new OneServer({ ...nodeOptions(settings), ...options })
  const { enableOfflineQueue, lazyConnect, ...perNode } = options
  const cluster: ClusterOptions = {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    clusterRetryStrategy: reconnect.retryStrategy,
    redisOptions: { ...nodeOptions(settings), ...perNode },
  }
  return new Cluster(
    topology.nodes.map(({ host, port }) => ({ host, port })),
    cluster,
  )
}

/** What every data-node connection shares: REDIS_URL's address, credentials, TLS and database. */
function nodeOptions({ url, topology }: RedisSettings): RedisOptions {
  const { hostname, port, password, username, protocol, pathname } = new URL(url)
  const auth = {
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(protocol === 'rediss:' ? { tls: {} } : {}),
    ...reconnect,
  }
  if (topology.kind === 'cluster') return auth
  const db = Number(pathname.slice(1) || 0)
  if (topology.kind === 'single')
    return { ...auth, host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379), db }
  return {
    ...auth,
    db,
    sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
    name: topology.name,
    // Not ioredis's failoverDetector: a +switch-master arriving while it reconnects after a crashed primary
    // aborts the reconnection for good ('Connection is closed.', status end; seen in sentinel-failover.test).
    sentinelRetryStrategy: reconnect.retryStrategy,
    // A demoted primary that a client still reaches refuses writes: find the new one.
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  }
}

const reconnect = { retryStrategy: (times: number) => Math.min(times * 200, 2000) }

/**
 * Waits until `replicas` replicas hold every write this connection made (Redis WAIT), at most timeoutMs;
 * answers how many did. `anyKey` names the slot whose primary to ask on Cluster (any key of the prefix).
 */
export async function waitForReplicas(
  redis: Redis,
  anyKey: string,
  replicas: number,
  timeoutMs: number,
): Promise<number> {
  // A keyless WAIT would go to a random Cluster node; in a pipeline it follows the key's slot.
  const replies = await redis.pipeline().exists(anyKey).wait(replicas, timeoutMs).exec()
  const [err, acknowledged] = replies?.[1] ?? [new Error('WAIT: no reply')]
  if (err) throw err
  return Number(acknowledged)
}

export function isRedisUnavailable(err: unknown): boolean {
  const message = err instanceof Error ? err.message : ''
  return /enableOfflineQueue|Connection is closed|ECONNREFUSED|ETIMEDOUT|ECONNRESET|max retries per request|Stream isn't writeable|Cluster isn't ready|All sentinels are unreachable|Failed to refresh slots cache|CLUSTERDOWN|READONLY|LOADING/i.test(
    message,
  )
}
