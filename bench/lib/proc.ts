import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { idleSleep, sleep } from './util.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Every child the bench started, so an interrupted run leaves nothing behind. */
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL')
})

/** Reads a log file incrementally (only new bytes each time), line by line. */
export class LogTail {
  private offset = 0
  private rest = ''
  readonly path: string
  constructor(path: string) {
    this.path = path
  }

  /** New complete lines since the last call. */
  read(): string[] {
    let size: number
    try {
      size = statSync(this.path).size
    } catch {
      return []
    }
    if (size <= this.offset) return []
    const fd = openSync(this.path, 'r')
    try {
      const buf = Buffer.alloc(size - this.offset)
      readSync(fd, buf, 0, buf.length, this.offset)
      this.offset = size
      const text = this.rest + buf.toString('utf8')
      const lines = text.split('\n')
      this.rest = lines.pop() ?? ''
      return lines
    } finally {
      closeSync(fd)
    }
  }
}

export type Child = {
  name: string
  proc: ChildProcess
  logPath: string
  tail: LogTail
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Waits for a log line matching `match` (scanning only lines not seen yet); returns it parsed when JSON. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>
  /** SIGTERM and wait (a clean exit writes --cpu-prof profiles); SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>
  send(message: unknown): void
}

export type SpawnOptions = {
  name: string
  /** A .ts file run through tsx, relative to the repository root. */
  script: string
  env: Record<string, string>
  logDir: string
  ipc?: boolean
  /** Extra node flags before the script, e.g. --cpu-prof --cpu-prof-dir=… (Node 20 refuses --cpu-prof in NODE_OPTIONS). */
  nodeArgs?: string[] | undefined
  /** A log line that says the process is ready (e.g. 'courtbell started'); with ipc, a 'ready' message works too. */
  readyLine?: string
  readyTimeoutMs?: number
}

/**
 * Starts `node --import tsx <script>` as its own process, the way test/helpers/process.ts starts courtbell,
 * but with stdout/stderr going straight to a log file (as a process manager would) rather than through the
 * bench's own event loop, so that the bench never pays for the child's logging.
 */
export async function spawnChild(opts: SpawnOptions): Promise<Child> {
  mkdirSync(opts.logDir, { recursive: true })
  const logPath = join(opts.logDir, `${opts.name}.log`)
  const fd = openSync(logPath, 'a')
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...opts.env }
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', fd, fd, ...(opts.ipc ? (['ipc'] as const) : [])],
  })
  closeSync(fd)
  live.add(proc)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc)
      resolve({ code, signal })
    }),
  )
  let readyMessage = false
  proc.on('message', (m) => {
    if (m === 'ready') readyMessage = true
  })
  const tail = new LogTail(logPath)
  /** Lines read but not yet looked at by waitForLine (lines after a match stay for the next wait). */
  const pending: string[] = []
  const running = () => proc.exitCode === null && proc.signalCode === null

  const child: Child = {
    name: opts.name,
    proc,
    logPath,
    tail,
    exited,
    async waitForLine(match, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        pending.push(...tail.read())
        const at = pending.findIndex(match)
        if (at >= 0) {
          const found = pending[at] as string
          pending.splice(0, at + 1)
          return found
        }
        pending.length = 0
        if (!running()) throw new Error(`${opts.name} exited while waiting for ${what}; see ${logPath}`)
        if (Date.now() > deadline)
          throw new Error(`${opts.name}: no ${what} within ${timeoutMs} ms; see ${logPath}`)
        await sleep(50)
      }
    },
    async stop(graceMs = 20_000) {
      if (!running()) return
      proc.kill('SIGTERM')
      const done = await Promise.race([exited.then(() => true), idleSleep(graceMs).then(() => false)])
      if (!done) {
        proc.kill('SIGKILL')
        await Promise.race([exited, idleSleep(5000)])
      }
    },
    send(message) {
      proc.send?.(message as never)
    },
  }

  const timeout = opts.readyTimeoutMs ?? 30_000
  const deadline = Date.now() + timeout
  const ready = opts.readyLine
  for (;;) {
    if (readyMessage) break
    if (ready !== undefined) {
      pending.push(...tail.read())
      if (pending.some((l) => l.includes(ready))) break
    }
    if (!running()) throw new Error(`${opts.name} exited at start; see ${logPath}`)
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`${opts.name} was not ready within ${timeout} ms; see ${logPath}`)
    }
    await sleep(25)
  }
  return child
}

/** Parses a JSON log line; undefined when it is not JSON. */
export function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** Sends `message` over IPC and resolves with the child's next object reply (bounded). */
export function request<T>(child: Child, message: unknown, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.proc.off('message', onMessage)
      reject(new Error(`${child.name} did not answer ${String(message)} within ${timeoutMs} ms`))
    }, timeoutMs)
    const onMessage = (m: unknown) => {
      if (typeof m !== 'object' || m === null) return
      clearTimeout(timer)
      child.proc.off('message', onMessage)
      resolve(m as T)
    }
    child.proc.on('message', onMessage)
    child.send(message)
  })
}
