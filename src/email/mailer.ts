import { mkdir, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import nodemailer, { type SendMailOptions } from 'nodemailer'
import type { Logger } from 'pino'

export type OutgoingEmail = {
  to: string
  subject: string
  text: string
  html: string
  /** '<id@host>', stable per delivery so a retried send is recognisably the same message. */
  messageId: string
  /** e.g. List-Unsubscribe, List-Unsubscribe-Post */
  headers: Record<string, string>
  /** e.g. the event.ics of a hearing (strings only: the transports may not read files or URLs). */
  attachments?: { filename: string; content: string; contentType: string }[]
}
export type SendResult = { response: string; outboxPath?: string }
export type Mailer = { send(mail: OutgoingEmail): Promise<SendResult>; close(): Promise<void> }

type MailerOptions = { smtpUrl: string | undefined; outboxDir: string; from: string; log: Logger }

/**
 * With smtpUrl: a pooled SMTP transport (smtp://, smtps://, credentials and options such as
 * ?ignoreTLS=true in the URL). Without: each message is written as an .eml file under outboxDir.
 */
export function createMailer(opts: MailerOptions): Mailer {
  return opts.smtpUrl ? smtpMailer(opts.smtpUrl, opts.from) : outboxMailer(opts)
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    // Messages are built from strings only: never let message data read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    // A relay on this machine rarely has a certificate for 127.0.0.1, and the traffic never leaves the host.
    ...(isLoopback(smtpHost(smtpUrl)) ? { tls: { rejectUnauthorized: false } } : {}),
  })
  return {
    async send(mail) {
      const info = await transport.sendMail(message(mail, from))
      return { response: info.response }
    },
    async close() {
      transport.close()
    },
  }
}

function outboxMailer({ outboxDir, from, log }: MailerOptions): Mailer {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  })
  return {
    async send(mail) {
      const info = await transport.sendMail(message(mail, from))
      const path = join(outboxDir, outboxFileName(new Date(), mail.messageId))
      await mkdir(outboxDir, { recursive: true })
      await writeFile(path, info.message as Buffer)
      log.info({ path }, 'email written to outbox')
      return { response: `written to ${path}`, outboxPath: path }
    },
    async close() {
      transport.close()
    },
  }
}

function message(mail: OutgoingEmail, from: string): SendMailOptions {
  const { to, subject, text, html, messageId, headers, attachments } = mail
  return { from, to, subject, text, html, messageId, headers, ...(attachments ? { attachments } : {}) }
}

/** '<dlv_1@courtbell.local>' → '20261214T040000123Z-dlv_1_courtbell.local.eml': sortable and safe on any filesystem. */
export function outboxFileName(now: Date, messageId: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '')
  const id = messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 120)
  return `${stamp}-${id || 'message'}.eml`
}

function smtpHost(smtpUrl: string): string {
  try {
    return new URL(smtpUrl).hostname
  } catch {
    // Never echo the URL: it may carry credentials.
    throw new Error('SMTP URL is not a valid URL (expected smtp://user:pass@host:port or smtps://…)')
  }
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  return h === '::1'
}

/**
 * True when retrying cannot help. SMTP replies decide: 5xx is permanent, 4xx temporary. Errors without
 * a reply (connection refused, timeouts, TLS) are temporary, except an envelope nodemailer refused
 * itself (an unusable address never becomes usable).
 */
export function isPermanentMailError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { responseCode, code } = err as { responseCode?: unknown; code?: unknown }
  if (typeof responseCode === 'number') {
    // 503 (bad sequence of commands) faults the session, not the message: a new connection can take it.
    return responseCode >= 500 && responseCode < 600 && responseCode !== 503
  }
  return code === 'EENVELOPE'
}
