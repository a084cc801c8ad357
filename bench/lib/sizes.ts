/** How big each measurement is, per mode. Every figure printed says which sizes produced it. */
export type Sizes = {
  api: { durationS: number; warmupS: number; connections: number; seedHearings: number }
  precision: {
    burstHearings: number
    burstFollowers: number
    sparseSeconds: number
    sparseEveryMs: number
    /** Concurrency of the bare no-op worker (courtbell's webhook worker runs 50). */
    bareConcurrency: number
  }
  delivery: {
    webhooks: number
    emails: number
    endpoints: number
    subscribers: number
    warmupWebhooks: number
    warmupEmails: number
    /** Each throughput is measured this many times, alternating with its baseline; the best run counts. */
    reps: number
  }
  scale: { checkpoints: number[]; hearingsPerCase: number; probeDurationS: number }
  reschedule: { audiences: number[]; reps: number; warmup: number }
  calendar: { items: number; reps: number; warmup: number }
  /** Open deadlines one override moves; hearings moved for the per-item baseline; sparse deadline reminders. */
  deadlines: { override: number; hearingMoves: number; sparseSeconds: number; sparseEveryMs: number }
}

export function sizesFor(mode: 'quick' | 'full' | 'large'): Sizes {
  const quick = mode === 'quick'
  return {
    api: {
      // autocannon samples once a second: durations are whole seconds.
      durationS: quick ? 1 : 5,
      warmupS: quick ? 0 : 1,
      connections: 10,
      seedHearings: quick ? 200 : 1000,
    },
    precision: {
      burstHearings: quick ? 10 : 100,
      burstFollowers: 100,
      sparseSeconds: quick ? 5 : 60,
      sparseEveryMs: 50,
      bareConcurrency: 50,
    },
    delivery: {
      webhooks: quick ? 2000 : 20_000,
      emails: quick ? 500 : 5000,
      endpoints: 100,
      subscribers: 100,
      warmupWebhooks: quick ? 200 : 1000,
      warmupEmails: quick ? 100 : 300,
      reps: quick ? 1 : 2,
    },
    scale: {
      checkpoints: quick ? [1000, 5000] : mode === 'large' ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
      hearingsPerCase: 100,
      probeDurationS: quick ? 1 : 4,
    },
    reschedule: { audiences: quick ? [1, 100, 1000] : [1, 100, 10_000], reps: quick ? 5 : 15, warmup: 2 },
    calendar: { items: 1000, reps: quick ? 5 : 20, warmup: 2 },
    deadlines: {
      override: quick ? 1000 : 10_000,
      hearingMoves: quick ? 50 : 200,
      sparseSeconds: quick ? 5 : 30,
      sparseEveryMs: 50,
    },
  }
}
