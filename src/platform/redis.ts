import { Redis, type RedisOptions } from 'ioredis'

export type { Redis }

/** The API's connection: fail fast when Redis is away (answer 503) rather than queue commands in memory. */
export function connectForApi(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    ...reconnect,
  })
}

/** Workers block on Redis and must keep retrying forever (BullMQ requires maxRetriesPerRequest: null). */
export function workerConnectionOptions(url: string): RedisOptions {
  const { hostname, port, password, username, protocol, pathname } = new URL(url)
  return {
    host: hostname.replace(/^\[|\]$/g, ''),
    port: Number(port || 6379),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(protocol === 'rediss:' ? { tls: {} } : {}),
    db: Number(pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
    ...reconnect,
  }
}

const reconnect = { retryStrategy: (times: number) => Math.min(times * 200, 2000) }

export function isRedisUnavailable(err: unknown): boolean {
  const message = err instanceof Error ? err.message : ''
  return /enableOfflineQueue|Connection is closed|ECONNREFUSED|ETIMEDOUT|ECONNRESET|max retries per request|Stream isn't writeable/i.test(
    message,
  )
}
