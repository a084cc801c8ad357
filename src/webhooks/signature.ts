import { createHmac, randomBytes } from 'node:crypto'

const SECRET_PREFIX = 'whsec_'

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64')
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  const key = Buffer.from(encoded, 'base64')
  if (key.length === 0) throw new Error('webhook secret is empty')
  return key
}

/** HMAC-SHA256 with the base64-decoded part after 'whsec_' as key, over `${msgId}.${timestamp}.${body}`; returns 'v1,<base64>' per secret, joined by a single space. */
export function signWebhook(
  secrets: readonly string[],
  msgId: string,
  timestamp: number,
  body: string,
): string {
  // An unsigned delivery would be accepted by nobody (or, worse, by a lax receiver): refuse to build one.
  if (secrets.length === 0) throw new Error('at least one webhook secret is required')
  const content = `${msgId}.${timestamp}.${body}`
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content).digest('base64')}`)
    .join(' ')
}

/** The three headers: webhook-id, webhook-timestamp (unix seconds as string), webhook-signature; plus content-type application/json and user-agent 'courtbell-webhooks/1'. */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  body: string,
  now: Date = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000)
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secrets, msgId, timestamp, body),
    'content-type': 'application/json',
    'user-agent': 'courtbell-webhooks/1',
  }
}
