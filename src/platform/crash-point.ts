/**
 * Fault injection for the fault tests: when CRASH_AT names a point, the process dies there as abruptly as
 * a power cut (SIGKILL: no handlers, no cleanup). Unset in every real deployment, where this does nothing.
 */
export type CrashPoint = (point: 'after-hearing-write' | 'after-webhook-sent' | 'after-email-sent') => void

export function createCrashPoint(crashAt: string | undefined): CrashPoint {
  if (crashAt === undefined) return () => undefined
  return (point) => {
    if (point === crashAt) process.kill(process.pid, 'SIGKILL')
  }
}
