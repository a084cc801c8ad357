import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import type { Logger } from './logger.js'

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  })
  probe.on('error', () => undefined)
  try {
    await probe.connect()
    await probe.ping()
    return true
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

/**
 * For a laptop: if nothing answers at a loopback REDIS_URL and redis-server is installed, start a private
 * one (AOF on, data under <dataDir>/redis) for this process. Returns a stop function, or undefined if not needed.
 */
export async function ensureRedis(
  url: string,
  dataDir: string,
  log: Logger,
): Promise<(() => void) | undefined> {
  if (await answers(url)) return undefined
  const { hostname, port } = new URL(url)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) return undefined
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined
  const dir = resolve(dataDir, 'redis')
  mkdirSync(dir, { recursive: true })
  const args = [
    '--port',
    port || '6379',
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    '--hz',
    '100',
  ]
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' })
  for (let i = 0; i < 50 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100))
  log.info(
    { pid: child.pid, dir, port: port || '6379' },
    'nothing answered at REDIS_URL: started a private redis-server (AOF on)',
  )
  return () => child.kill('SIGTERM')
}
