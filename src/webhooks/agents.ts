import http from 'node:http'
import https from 'node:https'
import { guardedLookup } from './address-guard.js'

/** Connections per receiver origin: the webhook worker's concurrency (workers/index.ts), so none waits for one. */
export const MAX_SOCKETS_PER_ORIGIN = 50
/** Idle connections one pool keeps over all origins; a connection freed beyond that is closed. */
export const MAX_IDLE_SOCKETS = 50
/** An idle connection is closed after this long, or sooner when the receiver's Keep-Alive header says so. */
export const IDLE_SOCKET_MS = 2000

function idleSockets(agent: http.Agent): number {
  let count = 0
  for (const name in agent.freeSockets) count += agent.freeSockets[name]?.length ?? 0
  return count
}

function keepAliveAgent(secure: boolean, allowPrivate: boolean): http.Agent {
  const options = {
    keepAlive: true,
    maxSockets: MAX_SOCKETS_PER_ORIGIN,
    maxFreeSockets: MAX_IDLE_SOCKETS,
    timeout: IDLE_SOCKET_MS,
    // The agent's options override the request's: every new connection of this pool is checked here.
    lookup: guardedLookup({ allowPrivate }),
  }
  const agent = secure ? new https.Agent(options) : new http.Agent(options)
  const keepSocketAlive = agent.keepSocketAlive.bind(agent)
  agent.keepSocketAlive = (socket) => idleSockets(agent) < MAX_IDLE_SOCKETS && keepSocketAlive(socket)
  return agent
}

const pools = new Map<string, http.Agent>()

/**
 * The keep-alive pool for a scheme and a private-address policy. A new connection resolves the host through
 * guardedLookup; a pooled one stays on the address that was checked when it connected, so DNS rebinding
 * cannot move it. The two policies never share a connection.
 */
export function webhookAgent(protocol: 'http:' | 'https:', allowPrivate: boolean): http.Agent {
  const name = `${protocol}${allowPrivate ? 'private' : 'public'}`
  let agent = pools.get(name)
  if (agent === undefined) {
    agent = keepAliveAgent(protocol === 'https:', allowPrivate)
    pools.set(name, agent)
  }
  return agent
}
