import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort, idleSleep, sleep } from './util.js'

/**
 * The bench's own redis-server on a free loopback port and a temporary directory, so that nothing the
 * bench does can touch anybody else's keys, and other sessions' traffic on the shared Redis does not
 * pollute INFO memory. Started with AOF on (appendfsync everysec, no RDB snapshots, noeviction): the
 * settings README.md recommends for production.
 */
export type PrivateRedis = {
  port: number
  url: string
  dir: string
  version: string
  args: string[]
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
  const dir = mkdtempSync(join(tmpdir(), 'courtbell-bench-redis-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    ...(opts.hz ? ['--hz', String(opts.hz)] : []),
  ]
  const proc: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const killOnExit = () => proc.kill('SIGKILL')
  process.once('exit', killOnExit)
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 3 })
  client.on('error', () => undefined)
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await client.connect()
      await client.ping()
      break
    } catch {
      if (proc.exitCode !== null) throw new Error(`redis-server exited at start: ${stderr}`)
      if (Date.now() > deadline) {
        proc.kill('SIGKILL')
        throw new Error(`redis-server did not answer on ${port} within 10 s`)
      }
      client.disconnect()
      await sleep(50)
    }
  }

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
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    version,
    args,
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
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
        proc.kill('SIGKILL')
        await Promise.race([exited, idleSleep(5000)])
      }
      process.removeListener('exit', killOnExit)
      // An AOF rewrite child may outlive the server for a moment and still be writing in the directory.
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 })
    },
  }
}
