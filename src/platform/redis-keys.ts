/** Every Redis key the store uses, under one prefix (hash-tag it, e.g. "{courtbell}", for Redis Cluster). */
export function createKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, ...parts].join(':')
  return {
    prefix,
    /** BullMQ's own prefix: queues live under the same prefix as the store, so one prefix is one deployment. */
    queuePrefix: k('q'),
    record: (id: string) => k('rec', id),
    apiKeyByHash: k('apikey-by-hash'),
    index: (name: string) => k('idx', name),
    subscriptionByEmail: k('sub-by-email'),
    /** Sets: the reminder offsets the active subscriptions of a hearing or case want, and who wants each. */
    followerOffsets: (targetId: string) => k('follower-offsets', targetId),
    offsetFollowers: (targetId: string, offset: string) => k('offset-followers', targetId, offset),
    /** A hash whose fields are the ids of the reminder jobs made for a hearing (to remove stale ones). */
    reminderJobs: (hearingId: string) => k('reminder-jobs', hearingId),
    eventOutbox: k('event-outbox'),
    deliveryStats: k('stats', 'deliveries'),
    lock: (name: string) => k('lock', name),
    tokenSecret: k('secret', 'tokens'),
    rate: (bucket: string) => k('rate', bucket),
    idempotency: (scope: string) => k('idem', scope),
    audit: (entityId: string) => k('audit', entityId),
    /** A hash per jurisdiction: date → a staff override of the court calendar. */
    courtDays: (jurisdiction: string) => k('court-days', jurisdiction),
    /** A hash: rule id → a deadline rule created over the API (built-in rules live in config/rules/). */
    deadlineRules: k('deadline-rules'),
    /** Derived by the digest pass: who each address's digest covers, and which periods are done. */
    digestPlans: k('digest', 'plans'),
    digestDone: (periodId: string) => k('digest', 'done', periodId),
  }
}
export type Keys = ReturnType<typeof createKeys>
