import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type ReceivedHook = {
  headers: http.IncomingHttpHeaders
  body: string
  json: { type: string; timestamp: string; data: Record<string, any> }
  receivedAt: number
}

/** A real HTTP receiver on loopback that records every webhook; `respond` decides the status code. */
export async function startReceiver() {
  const received: ReceivedHook[] = []
  let respond: (hook: ReceivedHook) => number = () => 200
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: ReceivedHook['json']
      try {
        json = JSON.parse(body)
      } catch {
        json = { type: 'unparseable', timestamp: '', data: {} }
      }
      const hook = { headers: req.headers, body, json, receivedAt: Date.now() }
      received.push(hook)
      res.writeHead(respond(hook)).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    ofType: (type: string) => received.filter((r) => r.json.type === type),
    setResponse(fn: (hook: ReceivedHook) => number) {
      respond = fn
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>
