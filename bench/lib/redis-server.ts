import { spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { startPrivateRedis as startServer } from '../../test/faults/private-redis.js'
import { sleep } from './util.js'

/**
 * The bench's own redis-server (the fault tests' private one, test/faults/private-redis.ts), so that nothing
 * the bench does can touch anybody else's keys, and other sessions' traffic on the shared Redis does not
 * pollute INFO memory. AOF with appendfsync everysec, no RDB snapshots, noeviction: the settings README.md
 * recommends for production. Adds a client, persistence switching and memory readings.
 */
export type PrivateRedis = {
  url: string
  version: string
  args: readonly string[]
  client: Redis
  /** CONFIG SET appendonly yes|no, and waits until a triggered AOF rewrite is over. */
  setPersistence(mode: 'aof-everysec' | 'none'): Promise<void>
  usedMemory(): Promise<number>
  destroy(): Promise<void>
}

export async function startPrivateRedis(opts: { hz?: number } = {}): Promise<PrivateRedis> {
  const which = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (which.status !== 0) throw new Error('redis-server is not installed (the bench starts a private one)')
  const version = /v=([\d.]+)/.exec(which.stdout)?.[1] ?? which.stdout.trim()
  const server = await startServer([
    '--appendfsync',
    'everysec',
    ...(opts.hz ? ['--hz', String(opts.hz)] : []),
  ])
  const client = new Redis(server.url, { maxRetriesPerRequest: 3 })
  client.on('error', () => undefined)
  await client.ping()

  async function waitForRewrite() {
    const until = Date.now() + 120_000
    while (Date.now() < until) {
      const info = await client.info('persistence')
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return
      await sleep(100)
    }
    throw new Error('AOF rewrite did not finish within 120 s')
  }

  return {
    url: server.url,
    version,
    args: server.args,
    client,
    async setPersistence(mode) {
      await waitForRewrite()
      if (mode === 'none') await client.config('SET', 'appendonly', 'no')
      else {
        await client.config('SET', 'appendfsync', 'everysec')
        await client.config('SET', 'appendonly', 'yes')
      }
      await waitForRewrite()
    },
    async usedMemory() {
      const info = await client.info('memory')
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN)
    },
    async destroy() {
      client.disconnect()
      await server.destroy()
    },
  }
}
