import http from 'node:http'
import { Webhook } from 'standardwebhooks'

/**
 * A webhook receiver for trying courtbell out: prints every delivery and, when WEBHOOK_SECRET is set,
 * verifies its Standard Webhooks signature. `npm run receiver` (PORT, default 4000; loopback only).
 */
const port = Number(process.env.PORT ?? 4000)
const secret = process.env.WEBHOOK_SECRET

http
  .createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      let verdict = 'signature not checked (set WEBHOOK_SECRET)'
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
