import type { Job } from 'bullmq'

/** How many attempts a job has after this one, and which retry the next one would be (1-based). */
export function attemptsLeft(job: Job): { attemptsLeft: number; retryNumber: number } {
  const total = job.opts.attempts ?? 1
  return { attemptsLeft: total - job.attemptsMade - 1, retryNumber: job.attemptsMade + 1 }
}
