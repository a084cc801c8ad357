/** Defaults for every setting; the environment overrides them (see config/index.ts). */
export const defaults = {
  PORT: '3000',
  HOST: '127.0.0.1',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_PREFIX: 'courtbell',
  MAIL_FROM: 'courtbell <no-reply@courtbell.local>',
  PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
  WEBHOOK_ALLOW_PRIVATE: 'false',
  WEBHOOK_TIMEOUT_MS: '10000',
  RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h',
  ROLE: 'all',
  LOG_LEVEL: 'info',
  NODE_ENV: 'development',
  COURT_DAY_START: '09:00',
  DEFAULT_REMIND_BEFORE: 'P7D,P1D,PT2H',
  RECONCILE_INTERVAL_MS: '60000',
  SHUTDOWN_GRACE_MS: '10000',
  JOB_LOCK_MS: '5000',
  WEBHOOK_DISABLE_AFTER: '5d',
  RATE_LIMIT_PER_MINUTE: '3000',
  DATA_DIR: 'var',
  EMBEDDED_REDIS: 'auto',
  REDIS_SENTINEL_NAME: 'mymaster',
  REDIS_WAIT_REPLICAS: '0',
  REDIS_WAIT_TIMEOUT_MS: '1000',
  DIGEST_HOUR: '07:00',
} as const
export type SettingName =
  | keyof typeof defaults
  | 'SMTP_URL'
  | 'ADMIN_API_KEY'
  | 'CRASH_AT'
  | 'METRICS_TOKEN'
  | 'METRICS_PORT'
  | 'REDIS_SENTINELS'
  | 'REDIS_CLUSTER_NODES'
