import { type Logger, pino } from 'pino'

export type { Logger }

/** One pino instance per process; secrets are redacted here, not by remembering at each call site. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'courtbell' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'key',
        'secret',
        'token',
        'password',
        '*.key',
        '*.secret',
        '*.secrets',
        '*.token',
        '*.password',
        '*.keyHash',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactToken(req.url),
      }),
    },
  })
}

/** Tokens travel in query strings (confirm/unsubscribe links): never log them. */
export function redactToken(url: string | undefined): string | undefined {
  return url?.replace(/([?&]token=)[^&]*/g, '$1[redacted]')
}
