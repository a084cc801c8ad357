import { readFileSync } from 'node:fs'
import http from 'node:http'
import { Webhook } from 'standardwebhooks'

/**
 * A webhook receiver for trying courtbell out: prints every delivery and verifies its Standard Webhooks
 * signature. `npm run receiver` (PORT, default 4000; loopback only). The secret is WEBHOOK_SECRET or, by
 * default, the `secret` in the file the README's walkthrough writes when it registers the endpoint
 * (WEBHOOK_ENDPOINT_FILE, default var/webhook-endpoint.json), read at each delivery so that the receiver can
 * start before the endpoint exists.
 */
const port = Number(process.env.PORT ?? 4000)
const endpointFile = process.env.WEBHOOK_ENDPOINT_FILE ?? 'var/webhook-endpoint.json'

function currentSecret(): string | undefined {
  if (process.env.WEBHOOK_SECRET) return process.env.WEBHOOK_SECRET
  try {
    const secret = (JSON.parse(readFileSync(endpointFile, 'utf8')) as { secret?: unknown }).secret
    return typeof secret === 'string' ? secret : undefined
  } catch {
    return undefined
  }
}

http
  .createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      const secret = currentSecret()
      let verdict = `signature not checked (no secret: set WEBHOOK_SECRET, or write the endpoint to ${endpointFile})`
      if (secret) {
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>)
          verdict = 'signature valid'
        } catch (err) {
          verdict = `SIGNATURE INVALID: ${(err as Error).message}`
        }
      }
      const event = JSON.parse(body) as {
        type: string
        data: { hearing?: { title: string; startsAtUtc: string } }
      }
      console.log(
        `\n${new Date().toISOString()}  ${event.type}  webhook-id=${req.headers['webhook-id']}  ${verdict}`,
      )
      console.log(JSON.stringify(event, null, 2))
      res.writeHead(204).end()
    })
  })
  .listen(port, '127.0.0.1', () => console.log(`webhook receiver listening on http://127.0.0.1:${port}/`))
