import { en, type Messages } from './en.js'
import { kk } from './kk.js'
import type { Language } from './languages.js'
import { ru } from './ru.js'

export { isLanguage, LANGUAGES, type Language, negotiateLanguage } from './languages.js'
export type { Messages }

export const catalogues: Record<Language, Messages> = { en, ru, kk }

/** The catalogue of a language: `t('key')` for a text, `t('key')({ … })` for a message with parameters. */
export const messagesFor = (lang: Language): Messages => catalogues[lang]
