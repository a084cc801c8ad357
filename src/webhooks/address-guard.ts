import dns from 'node:dns'
import { BlockList, isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net'

// IANA special-purpose IPv4 ranges that must never be a webhook target.
const FORBIDDEN_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
]

// Special ranges inside 2000::/3 (global unicast). Everything outside 2000::/3 (::, ::1, fc00::/7, fe80::/10,
// ff00::/8, 100::/64, 64:ff9b:1::/48, ...) is refused wholesale, except the v4-embedding forms in embeddedV4.
const FORBIDDEN_V6_GLOBAL: readonly [string, number][] = [
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
]

const v4Blocked = new BlockList()
for (const [net, prefix] of FORBIDDEN_V4) v4Blocked.addSubnet(net, prefix, 'ipv4')
const v6Blocked = new BlockList()
for (const [net, prefix] of FORBIDDEN_V6_GLOBAL) v6Blocked.addSubnet(net, prefix, 'ipv6')

/** Eight 16-bit groups of a valid IPv6 address (zone already stripped). */
function hextets(ip: string): number[] {
  let text = ip
  const lastColon = text.lastIndexOf(':')
  const dotted = text.slice(lastColon + 1)
  if (dotted.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number)
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)))
  const [head = '', tail] = text.split('::')
  const front = parse(head)
  if (tail === undefined) return front
  const back = parse(tail)
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
}

function v4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

/** The IPv4 address carried by a v4-embedding IPv6 form, if any. */
function embeddedV4(h: number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, , g4 = 0, g5 = 0, g6 = 0, g7 = 0] = h
  const zeroTo = (n: number) => h.slice(0, n).every((g) => g === 0)
  if (zeroTo(5) && g5 === 0xffff) return v4FromGroups(g6, g7) // ::ffff:a.b.c.d (IPv4-mapped)
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return v4FromGroups(g6, g7) // ::ffff:0:a.b.c.d (SIIT)
  if (g0 === 0x64 && g1 === 0xff9b && h.slice(2, 6).every((g) => g === 0)) return v4FromGroups(g6, g7) // NAT64
  if (g0 === 0x2002) return v4FromGroups(g1, g2) // 6to4
  return undefined
}

function isForbiddenV6(ip: string): boolean {
  const h = hextets(ip)
  const v4 = embeddedV4(h)
  if (v4 !== undefined) return v4Blocked.check(v4, 'ipv4')
  const first = h[0] ?? 0
  if ((first & 0xe000) !== 0x2000) return true
  return v6Blocked.check(ip, 'ipv6')
}

/** True for addresses a webhook must not reach unless private targets are allowed (loopback, private, link-local, CGNAT, multicast, reserved, documentation, ...; IPv4-mapped and NAT64 IPv6 are judged by the embedded IPv4). Anything that is not an IP address is forbidden too. */
export function isForbiddenAddress(ip: string): boolean {
  let text = ip.trim()
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  const zone = text.indexOf('%')
  if (zone !== -1) text = text.slice(0, zone)
  if (isIPv4(text)) return v4Blocked.check(text, 'ipv4')
  if (isIPv6(text)) return isForbiddenV6(text)
  return true
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string }
export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>

const systemLookupAll: LookupAll = (host) => dns.promises.lookup(host, { all: true })

/** The URL's host without the brackets of an IPv6 literal. */
export function urlHost(url: URL): string {
  const host = url.hostname
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

async function resolveAll(host: string, lookup: LookupAll): Promise<string[]> {
  if (isIP(host)) return [host]
  const found = await lookup(host)
  return found.map((entry) => entry.address)
}

/** Registration-time check: parses the URL; only http/https (https only when requireHttps); no credentials in the URL; resolves the host (IP literals checked directly) and refuses if ANY address is forbidden, unless allowPrivate. */
export async function checkWebhookUrl(
  raw: string,
  opts: { allowPrivate: boolean; requireHttps: boolean; lookup?: LookupAll },
): Promise<UrlCheck> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, reason: 'not a valid URL' }
  }
  const allowed = opts.requireHttps ? ['https:'] : ['http:', 'https:']
  if (!allowed.includes(url.protocol)) return { ok: false, reason: `scheme must be ${allowed.join(' or ')}` }
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'credentials in the URL are not allowed' }
  const host = urlHost(url)
  if (host === '') return { ok: false, reason: 'URL has no host' }
  if (opts.allowPrivate) return { ok: true, url }

  let addresses: string[]
  try {
    addresses = await resolveAll(host, opts.lookup ?? systemLookupAll)
  } catch {
    return { ok: false, reason: `host ${host} does not resolve` }
  }
  if (addresses.length === 0) return { ok: false, reason: `host ${host} does not resolve` }
  const forbidden = addresses.find(isForbiddenAddress)
  if (forbidden !== undefined)
    return { ok: false, reason: `host ${host} resolves to forbidden address ${forbidden}` }
  return { ok: true, url }
}

function forbiddenAddressError(hostname: string, address: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`forbidden address ${address}`)
  err.code = 'EFORBIDDENADDRESS'
  return Object.assign(err, { hostname, address })
}

function notFoundError(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`)
  err.code = 'ENOTFOUND'
  return err
}

/** Why a resolved set of addresses must not be connected to, if it must not. */
function refusal(hostname: string, addresses: dns.LookupAddress[], allowPrivate: boolean) {
  if (addresses.length === 0) return notFoundError(hostname)
  const forbidden = allowPrivate ? undefined : addresses.find((a) => isForbiddenAddress(a.address))
  return forbidden === undefined ? undefined : forbiddenAddressError(hostname, forbidden.address)
}

/** A `lookup` for http.request / https.request that re-resolves at connection time and fails with code 'EFORBIDDENADDRESS' when any resolved address is forbidden: this is what stops DNS rebinding. Answers in the shape asked for (`all: true`, as net uses with autoSelectFamily, or a single address). */
export function guardedLookup(opts: {
  allowPrivate: boolean
  resolve?: typeof import('node:dns').lookup
}): LookupFunction {
  return (hostname, options, callback) => {
    // Read per call, not captured: the sender builds its pooled agents once per process.
    const resolve = opts.resolve ?? dns.lookup
    const wantAll = options?.all === true
    const fail = (err: NodeJS.ErrnoException) => callback(err, wantAll ? [] : '')
    const onResolved = (
      err: NodeJS.ErrnoException | null,
      found: string | dns.LookupAddress[],
      family?: number,
    ): void => {
      if (err) {
        fail(err)
        return
      }
      // A resolver may still answer in the single-address shape; normalise.
      const addresses =
        typeof found === 'string' ? [{ address: found, family: family ?? isIP(found) }] : found
      const refused = refusal(hostname, addresses, opts.allowPrivate)
      const first = addresses[0]
      if (refused || first === undefined) fail(refused ?? notFoundError(hostname))
      else if (wantAll) callback(null, addresses)
      else callback(null, first.address, first.family)
    }
    try {
      // Always ask for every address so that a mixed public/private answer cannot slip a private one through.
      resolve(hostname, { ...options, all: true }, onResolved)
    } catch (err) {
      fail(err as NodeJS.ErrnoException)
    }
  }
}
