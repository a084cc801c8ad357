import type { Config } from '../config/index.js'
import { createCalendarFeeds, everyPage } from './calendar/feeds.js'
import { createCaseStore } from './cases/case.store.js'
import { createCourtCalendars } from './court-calendar/calendar.service.js'
import { createOverrideStore } from './court-calendar/override.store.js'
import { loadBuiltInRules } from './deadlines/builtin-rules.js'
import { deadlineKind } from './deadlines/deadline.dated.js'
import { createRecomputation } from './deadlines/deadline.recompute.js'
import { createDeadlineService } from './deadlines/deadline.service.js'
import { createDeadlineStore } from './deadlines/deadline.store.js'
import { createRuleStore } from './deadlines/rule.store.js'
import { createDeliveryStore } from './deliveries/delivery.store.js'
import { createFanOut } from './deliveries/fanout.js'
import { openDeadlinesIn } from './digests/deadline-source.js'
import { createDigests } from './digests/digests.js'
import { createEndpointStore } from './endpoints/endpoint.store.js'
import { hearingKind } from './hearings/hearing.dated.js'
import { createHearingService } from './hearings/hearing.service.js'
import { createHearingStore } from './hearings/hearing.store.js'
import { createRateLimiter } from './http/rate-limit.js'
import { createKeyStore } from './keys/key.store.js'
import { createCrashPoint } from './platform/crash-point.js'
import type { Logger } from './platform/logger.js'
import type { Queues } from './platform/queues.js'
import type { Redis } from './platform/redis.js'
import { createKeys } from './platform/redis-keys.js'
import { createStore } from './platform/store.js'
import { createDatedKinds } from './reminders/dated-item.js'
import { createReminderFiring } from './reminders/fire.js'
import { createFollowers } from './reminders/followers.js'
import { createScheduler } from './reminders/scheduler.js'
import { createSubscriptionService } from './subscriptions/subscription.service.js'
import { createSubscriptionStore } from './subscriptions/subscription.store.js'
import { createTokens, loadTokenSecret } from './subscriptions/tokens.js'

/** The composition of the domain: every store and service, wired once, shared by the API and the workers. */
export async function createServices({
  redis,
  config,
  log,
  queues,
}: {
  redis: Redis
  config: Config
  log: Logger
  queues: Queues
}) {
  const store = createStore({ redis, keys: createKeys(config.redis.prefix) })
  const cases = createCaseStore({ store })
  const hearings = createHearingStore({ store })
  const subscriptions = createSubscriptionStore({ store })
  const endpoints = createEndpointStore({ store })
  const deliveries = createDeliveryStore({ store })
  const keys = createKeyStore({ store })
  const calendars = createCourtCalendars({ overrides: createOverrideStore({ store }) })
  const rules = createRuleStore({ store, builtIns: loadBuiltInRules(undefined, { calendars: false }) })
  // The kinds of dated item that have reminders; each brings its store, its schema and its followers rule.
  const deadlines = createDeadlineStore({ store })
  const kinds = createDatedKinds(store, [
    hearingKind({ hearings, config, log }),
    deadlineKind({ deadlines, log }),
  ])
  const followers = createFollowers({ subscriptions, endpoints, emailed: kinds.emailed })
  const scheduler = createScheduler({ store, kinds, endpoints, followers, queues, log })
  const fanOut = createFanOut({ deliveries, followers, queues })
  const tokens = createTokens(await loadTokenSecret(store))
  const rateLimit = createRateLimiter(store)
  const crashPoint = createCrashPoint(config.crashAt)
  const deadlineDeps = { store, deadlines, cases, rules, calendars, scheduler, queues, log }
  const deadlineService = createDeadlineService(deadlineDeps)
  const recomputation = createRecomputation({ ...deadlineDeps, service: deadlineService })
  calendars.onDayChanged(async (change) => void (await recomputation.dayChanged(change)))
  rules.onRuleChanged(async (rule) => void (await recomputation.ruleChanged(rule)))
  return {
    config,
    log,
    queues,
    store,
    cases,
    hearings,
    subscriptions,
    endpoints,
    deliveries,
    keys,
    calendars,
    rules,
    deadlines,
    deadlineService,
    recomputation,
    followers,
    kinds,
    scheduler,
    fanOut,
    tokens,
    rateLimit,
    digests: createDigests({
      store,
      subscriptions,
      hearings,
      deliveries,
      queues,
      tokens,
      config,
      log,
      deadlines: openDeadlinesIn(deadlines),
    }),
    calendar: createCalendarFeeds({
      ...{ cases, hearings, tokens, publicBaseUrl: config.http.publicBaseUrl },
      deadlinesOfCase: (caseId) => everyPage((cursor) => deadlines.list({ caseId, limit: 200, cursor })),
    }),
    fireReminder: createReminderFiring({ store, kinds, followers, fanOut, log }),
    crashPoint,
    hearingService: createHearingService({
      ...{ hearings, cases, scheduler, queues, config, log, crashPoint },
      onChanged: (hearing) => recomputation.hearingChanged(hearing),
    }),
    subscriptionService: createSubscriptionService({
      store,
      subscriptions,
      scheduler,
      fanOut,
      tokens,
      rateLimit,
      config,
      log,
    }),
  }
}
export type Services = Awaited<ReturnType<typeof createServices>>
