import type { Job } from 'bullmq'
import { calendarAttachment } from '../src/calendar/attachment.js'
import type { Case } from '../src/cases/case.schema.js'
import { isFinished } from '../src/deliveries/delivery.schema.js'
import { settleAttempt, tooLate } from '../src/deliveries/outcome.js'
import { digestView, renderDigest } from '../src/digests/render.js'
import { digestStopUrl } from '../src/digests/stop.js'
import { renderDeadlineEmail } from '../src/email/deadline-email.js'
import type { Mailer } from '../src/email/mailer.js'
import { isPermanentMailError } from '../src/email/mailer.js'
import {
  type EmailContext,
  type RenderedEmail,
  renderCancelled,
  renderConfirmation,
  renderDecided,
  renderReminder,
  renderRescheduled,
  renderWelcome,
} from '../src/email/render.js'
import type { EventRecord, PreviousDue, PreviousTime } from '../src/events/event.js'
import type { Hearing } from '../src/hearings/hearing.schema.js'
import { observeDelivered } from '../src/metrics/metrics.js'
import type { JobCatalogue } from '../src/platform/queues.js'
import type { Services } from '../src/services.js'
import type { Subscription } from '../src/subscriptions/subscription.schema.js'
import { CONFIRM_TTL_MS } from '../src/subscriptions/tokens.js'
import { attemptsLeft } from './attempts.js'

/** One email attempt. A delivery already recorded as sent is never sent again, whatever BullMQ replays. */
export function emailProcessor(services: Services, mailer: Mailer) {
  const { deliveries, subscriptions, store, tokens, config, log, crashPoint } = services
  const base = config.http.publicBaseUrl
  const host = new URL(base).hostname

  async function render(
    event: EventRecord,
    sub: Subscription,
    unsubscribeUrl: string,
  ): Promise<RenderedEmail | undefined> {
    const links = {
      unsubscribeUrl,
      preferencesUrl: `${base}/preferences?token=${tokens.issuePreferences(sub.email)}`,
      feedUrl: services.calendar.feedUrl(sub.id),
    }
    if (event.type === 'subscription.confirmation' || event.type === 'subscription.welcome') {
      const hearing = sub.hearingId ? await store.get<Hearing>(sub.hearingId) : undefined
      const kase = await store.get<Case>(hearing?.caseId ?? (sub.caseId as string))
      if (!kase) return undefined
      const target = {
        targetTitle: hearing?.title ?? kase.title,
        caseTitle: kase.title,
        recipientName: sub.name,
        language: sub.language ?? 'en',
        hearing,
        court: kase.court,
        readerZone: sub.timeZone ?? hearing?.timeZone ?? kase.timeZone,
      }
      if (event.type === 'subscription.welcome')
        return renderWelcome({ ...target, ...links, remindBefore: sub.remindBefore })
      const now = Date.now()
      return renderConfirmation({
        ...target,
        confirmUrl: `${base}/subscriptions/confirm?token=${tokens.issue(sub.id, 'confirm', now)}`,
        expiresAt: new Date(now + CONFIRM_TTL_MS).toISOString(),
      })
    }
    if (event.type === 'digest')
      return (
        event.data.digest &&
        renderDigest(
          digestView(event.data.digest, {
            stopUrl: unsubscribeUrl,
            preferencesUrl: links.preferencesUrl,
            lang: sub.language ?? 'en',
          }),
        )
      )
    const { hearing, deadline, case: kase, previous, reminder } = event.data
    if (deadline && kase)
      return renderDeadlineEmail({
        type: event.type,
        deadline,
        case: kase,
        readerZone: sub.timeZone ?? deadline.timeZone,
        recipientName: sub.name,
        language: sub.language ?? 'en',
        subscribedBy: sub.subscribedBy ?? 'self',
        ...links,
        remindBefore: reminder?.remindBefore,
        previous: previous as PreviousDue | undefined,
      })
    if (!hearing || !kase) return undefined
    const ctx: EmailContext = {
      hearing,
      case: kase,
      readerZone: sub.timeZone ?? hearing.timeZone,
      recipientName: sub.name,
      language: sub.language ?? 'en',
      subscribedBy: sub.subscribedBy ?? 'self',
      ...links,
    }
    switch (event.type) {
      case 'hearing.reminder':
        return reminder && renderReminder({ ...ctx, remindBefore: reminder.remindBefore })
      case 'hearing.rescheduled':
        return previous && renderRescheduled({ ...ctx, previous: previous as PreviousTime })
      case 'hearing.cancelled':
        return renderCancelled(ctx)
      case 'hearing.decided':
        return renderDecided(ctx)
      default:
        return undefined
    }
  }

  return async (job: Job<JobCatalogue['email']>) => {
    const delivery = await deliveries.get(job.data.deliveryId)
    if (!delivery || isFinished(delivery)) return 'skipped'
    const dlog = log.child({ deliveryId: delivery.id, jobId: job.id })
    const [sub, event] = await Promise.all([
      delivery.subscriptionId ? subscriptions.get(delivery.subscriptionId) : undefined,
      store.get<EventRecord>(delivery.eventId),
    ])
    if (event && tooLate(event)) {
      await deliveries.setStatus(delivery, 'missed', null)
      dlog.warn({ hearingId: delivery.hearingId }, 'reminder missed: hearing already began')
      return 'missed'
    }
    // A digest's footer link stops digests; every other email's unsubscribes from its subscription.
    const unsubscribeUrl =
      sub &&
      (event?.type === 'digest'
        ? digestStopUrl(base, tokens, sub.id)
        : `${base}/unsubscribe?token=${tokens.issue(sub.id, 'unsubscribe')}`)
    const content =
      sub && unsubscribeUrl && event && sub.status !== 'unsubscribed'
        ? await render(event, sub, unsubscribeUrl)
        : undefined
    const at = new Date().toISOString()
    if (!sub || !unsubscribeUrl || !content) {
      const error =
        !sub || sub.status === 'unsubscribed'
          ? 'the recipient unsubscribed'
          : 'nothing to send for this event'
      await deliveries.recordAttempt(delivery, { at, durationMs: 0, error }, 'failed', null)
      dlog.info({ error }, 'delivery dropped')
      return 'failed'
    }
    // Reminders and notices carry the item as its feeds show it; a confirmation carries nothing.
    const attachment = event && calendarAttachment(event, host)
    const started = Date.now()
    let error: unknown
    try {
      await mailer.send({
        to: sub.email,
        ...content,
        ...(attachment ? { attachments: [attachment] } : {}),
        messageId: `<${delivery.id}@${host}>`,
        headers: {
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      })
      crashPoint('after-email-sent')
    } catch (err) {
      error = err
    }
    const settled = await settleAttempt({
      deliveries,
      delivery,
      attempt: { at, durationMs: Date.now() - started, ...(error ? { error: mailErrorText(error) } : {}) },
      outcome: error === undefined ? 'succeeded' : isPermanentMailError(error) ? 'permanent' : 'temporary',
      ...attemptsLeft(job),
      retryScheduleMs: config.retryScheduleMs,
      log: dlog,
    })
    if (settled.status === 'succeeded' && event) observeDelivered('email', event)
    return settled.status
  }
}

function mailErrorText(err: unknown): string {
  const e = err as { responseCode?: number; response?: string; message?: string }
  return (e.response ?? e.message ?? String(err)).slice(0, 300)
}
