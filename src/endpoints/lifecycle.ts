import type { Mailer } from '../email/mailer.js'
import type { Logger } from '../platform/logger.js'
import type { EndpointRecord } from './endpoint.schema.js'
import type { EndpointStore } from './endpoint.store.js'
import { renderDisabledNotice, renderFailureWarning } from './notices.js'

const DAY_MS = 24 * 3600 * 1000

/** The contact is warned after a day of failures, or half the span before disabling if that is shorter. */
export const warnAfterMs = (disableAfterMs: number) => Math.min(DAY_MS, disableAfterMs / 2)

type Notice = 'warning' | 'disabled'

/**
 * What each webhook attempt's outcome means for its endpoint (API.md "disable, warn, replay"): a success ends a
 * run of failures; a failure starts or continues one, warns the contact once it has lasted warnAfterMs and
 * disables the endpoint once it has lasted disableAfterMs; a 410 Gone disables it at once.
 * State lives on the endpoint record and is written only when it changes, so a healthy endpoint costs nothing.
 */
export function createEndpointLifecycle(deps: {
  endpoints: Pick<EndpointStore, 'change'>
  mailer: Pick<Mailer, 'send'> | undefined
  disableAfterMs: number
  /** Host part of the notices' Message-IDs. */
  host: string
  log: Logger
}) {
  const { endpoints, disableAfterMs, log } = deps

  const disable = (e: EndpointRecord, reason: string, at: string): EndpointRecord => ({
    ...e,
    enabled: false,
    disabledReason: reason,
    disabledAt: at,
  })

  async function notify(notice: Notice, e: EndpointRecord) {
    if (!e.contactEmail || !deps.mailer) return
    const failingSince = e.failingSince ?? e.disabledAt ?? new Date().toISOString()
    const content =
      notice === 'warning'
        ? renderFailureWarning({
            ...e,
            failingSince,
            disabledAt: new Date(Date.parse(failingSince) + disableAfterMs).toISOString(),
          })
        : renderDisabledNotice({
            ...e,
            failingSince,
            disabledAt: e.disabledAt as string,
            reason: e.disabledReason ?? undefined,
          })
    const stamp = Date.parse(notice === 'warning' ? (e.warnedAt ?? failingSince) : (e.disabledAt as string))
    await deps.mailer.send({
      to: e.contactEmail,
      ...content,
      messageId: `<${e.id}.${notice}.${stamp}@${deps.host}>`,
      headers: {},
    })
    log.info({ endpointId: e.id, notice }, 'endpoint contact notified')
  }

  return {
    /** A delivery to the endpoint succeeded: whatever run of failures there was is over. */
    async succeeded(endpoint: EndpointRecord) {
      if (!endpoint.failingSince && !endpoint.warnedAt) return
      await endpoints.change(endpoint.id, (e) =>
        e.failingSince || e.warnedAt ? { ...e, failingSince: null, warnedAt: null } : undefined,
      )
    },

    /** An attempt started at `at` failed; `gone`: the receiver answered 410. */
    async failed(endpoint: EndpointRecord, at: string, gone: boolean) {
      let notice: Notice | undefined
      const next = await endpoints.change(endpoint.id, (e) => {
        notice = undefined
        if (!e.enabled) return undefined
        if (gone) {
          notice = 'disabled'
          return disable(e, 'the receiver answered 410 Gone', at)
        }
        const since = e.failingSince ?? at
        const failingMs = Date.parse(at) - Date.parse(since)
        if (failingMs >= disableAfterMs) {
          notice = 'disabled'
          return disable({ ...e, failingSince: since }, `every attempt failed for ${span(failingMs)}`, at)
        }
        if (failingMs >= warnAfterMs(disableAfterMs) && !e.warnedAt) {
          notice = 'warning'
          return { ...e, failingSince: since, warnedAt: at }
        }
        return e.failingSince ? undefined : { ...e, failingSince: since }
      })
      if (!next || !notice) return
      if (notice === 'disabled')
        log.warn({ endpointId: next.id, reason: next.disabledReason }, 'endpoint disabled')
      try {
        await notify(notice, next)
      } catch (err) {
        log.error({ err, endpointId: next.id, notice }, 'endpoint contact could not be notified')
        // A warning that did not go out is tried again at the next failure.
        if (notice === 'warning')
          await endpoints.change(next.id, (e) => (e.warnedAt === at ? { ...e, warnedAt: null } : undefined))
      }
    },
  }
}
export type EndpointLifecycle = ReturnType<typeof createEndpointLifecycle>

/** 5d, 36h, 90s: how long the failures lasted, for the reason an owner reads. */
function span(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${Math.floor(ms / DAY_MS)} days`
  if (ms >= 2 * 3600_000) return `${Math.floor(ms / 3600_000)} hours`
  if (ms >= 120_000) return `${Math.floor(ms / 60_000)} minutes`
  return `${Math.floor(ms / 1000)} seconds`
}
