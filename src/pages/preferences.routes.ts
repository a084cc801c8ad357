import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CaseStore } from '../cases/case.store.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import { isLanguage, type Language, messagesFor } from '../i18n/index.js'
import { isValidTimeZone, parseRemindBefore } from '../platform/time.js'
import type { SubscriptionService } from '../subscriptions/subscription.service.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'
import type { Tokens } from '../subscriptions/tokens.js'
import { type Choice, type Followed, preferencesView, storedChoice } from './preferences.view.js'
import { htmlResponses, TokenLangQuery } from './schemas.js'
import { invalidLinkPage, layout, pageLanguage, renderPage } from './support.js'

type Options = {
  subscriptions: SubscriptionStore
  service: SubscriptionService
  tokens: Tokens
  cases: CaseStore
  hearings: HearingStore
}

const PreferencesBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
  description:
    'The form (application/x-www-form-urlencoded): per subscription `<id>.remindBefore` (repeated), `<id>.language`, `<id>.timeZone`, `<id>.digest`; or `unsubscribe=<id>`; or `unsubscribeAll`.',
})

export const preferencesRoutes: FastifyPluginAsyncTypebox<Options> = async (app, opts) => {
  const { subscriptions, service, tokens, cases, hearings } = opts

  async function followedBy(email: string): Promise<Followed[]> {
    const subs = await subscriptions.ofAddress(email)
    return Promise.all(
      subs.map(async (sub) => {
        const hearing = sub.hearingId ? await hearings.get(sub.hearingId) : undefined
        const kase = await cases.get(hearing?.caseId ?? sub.caseId ?? '')
        return { sub, hearing, kase }
      }),
    )
  }

  async function show(
    req: FastifyRequest,
    reply: FastifyReply,
    token: string,
    email: string,
    followed: Followed[],
    extra: { status?: number; notice?: string; choices?: Map<string, Choice>; lang?: Language } = {},
  ) {
    const lang =
      extra.lang ??
      pageLanguage(req, { reader: followed.find((f) => f.sub.status !== 'unsubscribed')?.sub.language })
    const t = messagesFor(lang)
    const action = `/preferences?token=${encodeURIComponent(token)}&lang=${lang}`
    const view = preferencesView(email, followed, {
      lang,
      action,
      notice: extra.notice,
      ...(extra.choices ? { choices: extra.choices } : {}),
    })
    const hasErrors = [...(extra.choices?.values() ?? [])].some((c) => Object.keys(c.errors).length > 0)
    const html = await renderPage(app, 'preferences.eta', {
      ...layout(lang, t['prefs.title'], req.url, hasErrors),
      ...view,
    })
    return reply
      .code(extra.status ?? 200)
      .type('text/html; charset=utf-8')
      .send(html)
  }

  const schema = (summary: string, description: string, codes: Record<number, string>) => ({
    tags: ['pages'],
    security: [],
    summary,
    description,
    querystring: TokenLangQuery,
    response: htmlResponses(codes),
  })

  app.get(
    '/preferences',
    {
      config: { access: 'public' },
      schema: schema(
        'Preferences of an email address',
        'Linked from every email to a subscriber; the signed token names the address. Lists every subscription of it with its case or hearing, reminders, language, time zone, digest and calendar feed, and buttons to unsubscribe from one or all.',
        { 200: 'The preferences page', 400: 'The link is not valid' },
      ),
    },
    async (req, reply) => {
      const email = tokens.verifyPreferences(req.query.token)
      if (!email) return invalidLinkPage(reply, pageLanguage(req), req.url)
      return show(req, reply, req.query.token, email, await followedBy(email))
    },
  )

  app.post(
    '/preferences',
    {
      config: { access: 'public' },
      schema: {
        ...schema(
          'Save preferences, or unsubscribe',
          'The preferences form: saves each subscription’s reminders, language, time zone and digest; or ends one subscription (`unsubscribe=<id>`) or all (`unsubscribeAll`). A mistake answers the form again (400) with the error next to the field.',
          {
            200: 'Saved; the page again',
            400: 'The form again with what to correct, or the link is not valid',
          },
        ),
        body: PreferencesBody,
      },
    },
    async (req, reply) => {
      const email = tokens.verifyPreferences(req.query.token)
      if (!email) return invalidLinkPage(reply, pageLanguage(req), req.url)
      const body = (req.body ?? {}) as Record<string, string | string[]>
      let followed = await followedBy(email)
      const lang0 = pageLanguage(req, {
        reader: followed.find((f) => f.sub.status !== 'unsubscribed')?.sub.language,
      })
      const t = messagesFor(lang0)
      const ending =
        body.unsubscribeAll !== undefined ? followed : followed.filter((f) => f.sub.id === body.unsubscribe)
      if (ending.length > 0) {
        for (const f of ending) await service.end(f.sub)
        const notice =
          body.unsubscribeAll !== undefined
            ? t['prefs.unsubscribedAll']
            : t['unsubscribed.body']({ email, what: whatOf(ending[0] as Followed, lang0) })
        return show(req, reply, req.query.token, email, await followedBy(email), { notice, lang: lang0 })
      }
      const choices = new Map<string, Choice>()
      for (const f of followed.filter((x) => x.sub.status !== 'unsubscribed'))
        choices.set(f.sub.id, readChoice(body, f, lang0))
      if ([...choices.values()].some((c) => Object.keys(c.errors).length > 0))
        return show(req, reply, req.query.token, email, followed, { status: 400, choices, lang: lang0 })
      for (const f of followed) {
        const choice = choices.get(f.sub.id)
        if (choice) await service.update(f.sub, { ...choice, timeZone: choice.timeZone })
      }
      followed = await followedBy(email)
      // The page answers in the language just chosen when every subscription chose the same one.
      const chosen = new Set([...choices.values()].map((c) => c.language))
      const lang = isLanguage(req.query.lang) || chosen.size !== 1 ? lang0 : ([...chosen][0] as Language)
      return show(req, reply, req.query.token, email, followed, {
        notice: messagesFor(lang)['prefs.saved'],
        lang,
      })
    },
  )
}

function whatOf({ hearing, kase }: Followed, lang: Language): string {
  const t = messagesFor(lang)
  return hearing ? t['what.hearing']({ title: hearing.title }) : t['what.case']({ title: kase?.title ?? '' })
}

/** One subscription's part of the form, checked: unknown values become errors shown next to the field. */
function readChoice(body: Record<string, string | string[]>, f: Followed, lang: Language): Choice {
  const t = messagesFor(lang)
  const field = (name: string) => body[`${f.sub.id}.${name}`]
  const one = (name: string) => {
    const v = field(name)
    return (Array.isArray(v) ? v[0] : v)?.trim()
  }
  const raw = field('remindBefore')
  const listed = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  const stored = storedChoice(f)
  const language = one('language')
  const digest = one('digest')
  const choice: Choice = {
    remindBefore: [...new Set(listed)],
    language: isLanguage(language) ? language : stored.language,
    timeZone: one('timeZone') ?? stored.timeZone,
    digest: digest === 'daily' || digest === 'weekly' || digest === 'none' ? digest : stored.digest,
    errors: {},
  }
  const parsed = choice.remindBefore.map(parseRemindBefore)
  if (parsed.some((p) => !p.ok) || choice.remindBefore.length > 10)
    choice.errors.remindBefore = t['error.reminders']
  // Reminders may be left out only by someone who asked for a digest instead.
  else if (choice.remindBefore.length === 0 && choice.digest === 'none')
    choice.errors.remindBefore = t['error.reminders']
  if (!isValidTimeZone(choice.timeZone)) choice.errors.timeZone = t['error.timeZone']
  return choice
}
