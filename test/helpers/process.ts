import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export type CourtbellProcess = {
  proc: ChildProcess
  /** Every log line so far (JSON lines from pino, and anything else printed). */
  lines: string[]
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal?: NodeJS.Signals): void
}

/**
 * Runs courtbell as its own process (`src/main.ts` through tsx), as production would, so that a test can
 * kill -9 it, SIGTERM it, or run several. Resolves once it logged 'courtbell started'.
 */
export async function startCourtbell(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<CourtbellProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', EMBEDDED_REDIS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
  proc.stdout?.on('data', collect)
  proc.stderr?.on('data', collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const deadline = Date.now() + timeoutMs
  while (!lines.some((l) => l.includes('courtbell started'))) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`courtbell exited early:\n${lines.join('\n')}`)
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`courtbell did not start in ${timeoutMs} ms:\n${lines.join('\n')}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return { proc, lines, exited, kill: (signal = 'SIGTERM') => proc.kill(signal) }
}

/** Parsed pino lines with the given msg. */
export function logged(p: CourtbellProcess, msg: string): Record<string, unknown>[] {
  return p.lines.flatMap((l) => {
    try {
      const entry = JSON.parse(l) as Record<string, unknown>
      return entry.msg === msg ? [entry] : []
    } catch {
      return []
    }
  })
}
