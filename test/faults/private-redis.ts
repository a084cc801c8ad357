import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A redis-server of the test's own, on a free loopback port, with every write fsynced to its AOF
 * (`appendfsync always`) and no RDB snapshots, so that a kill -9 loses nothing that was acknowledged.
 * stop() kills it (SIGKILL, like a power cut); start() brings it back on the same port and directory.
 */
export type PrivateRedis = {
  port: number
  url: string
  dir: string
  /** The redis-server command line. */
  args: readonly string[]
  readonly running: boolean
  start(): Promise<void>
  /** kill -9 and wait for the process to be gone. */
  stop(): Promise<void>
  /** stop() and remove the data directory; safe to call more than once and when never started. */
  destroy(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL')
})

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 6390 + Math.floor(Math.random() * 2000)
    if (await portIsFree(port)) return port
  }
  throw new Error('no free port for a private redis-server')
}

/** One PING over a raw socket: true when the server answers +PONG within timeoutMs. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}

/** `extraArgs` override the defaults (later redis-server arguments win), e.g. ['--appendonly', 'no']. */
export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-private-redis-'))
  const port = await freePort()
  let proc: ChildProcess | undefined
  let output = ''

  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    ...extraArgs,
  ]

  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    args,
    get running() {
      return proc !== undefined && proc.exitCode === null && proc.signalCode === null
    },
    async start() {
      if (self.running) return
      output = ''
      const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
      proc = child
      live.add(child)
      child.once('exit', () => live.delete(child))
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString()
      })
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString()
      })
      const deadline = Date.now() + 10_000
      while (!(await pingRedis(port))) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`redis-server exited at start:\n${output}`)
        if (Date.now() > deadline) {
          child.kill('SIGKILL')
          throw new Error(`redis-server did not answer on ${port} in 10 s:\n${output}`)
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    async stop() {
      const child = proc
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGKILL')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    },
    async destroy() {
      await self.stop()
      // An AOF rewrite child may outlive the server for a moment and still be writing in the directory.
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 })
    },
  }
  await self.start()
  return self
}
