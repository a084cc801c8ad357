import { Type } from '@sinclair/typebox'
import { builtInRuleFiles } from '../../config/rules/index.js'
import { validatorCompiler } from '../http/validation.js'
import { AppError } from '../platform/errors.js'
import type { DeadlineRule } from './rule.schema.js'
import { RuleCreate } from './rule.schema.js'
import { checkRule, ruleOf } from './rule-terms.js'

const RuleFile = Type.Object(
  { jurisdiction: Type.String(), about: Type.String(), rules: Type.Array(RuleCreate, { minItems: 1 }) },
  { additionalProperties: false },
)

/** The validator of request bodies (the same Ajv, the same options), so a file passes exactly what a POST would. */
const validFile = validatorCompiler({ schema: RuleFile, httpPart: 'body', method: 'POST', url: '' }) as ((
  data: unknown,
) => boolean) & { errors?: { instancePath: string; message?: string }[] | null }

export class RuleFileError extends Error {}

/**
 * The built-in rules, validated by the schema API-created rules pass (and the same semantic checks); each
 * must also carry an id and its source, and belong to its file's jurisdiction. A bad file stops start-up.
 */
export function loadBuiltInRules(
  files = builtInRuleFiles,
  opts: { calendars?: boolean } = {},
): DeadlineRule[] {
  const rules = new Map<string, DeadlineRule>()
  for (const { file, content } of files) {
    const bad = (what: string) => new RuleFileError(`${file}: ${what}`)
    if (!validFile(content)) {
      const first = validFile.errors?.[0]
      throw bad(`${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`)
    }
    const parsed = content as { jurisdiction: string; rules: RuleCreate[] }
    for (const [i, input] of parsed.rules.entries()) {
      const at = `/rules/${i}`
      if (input.id === undefined) throw bad(`${at}: a built-in rule needs an id`)
      if (!input.source) throw bad(`${at}: a built-in rule needs its source`)
      if (
        input.jurisdiction !== parsed.jurisdiction &&
        !input.jurisdiction.startsWith(`${parsed.jurisdiction}-`)
      )
        throw bad(`${at}: jurisdiction ${input.jurisdiction} does not belong in this file`)
      if (rules.has(input.id)) throw bad(`${at}: id ${input.id} is used twice`)
      const rule = ruleOf({ ...input, id: input.id }, true)
      try {
        checkRule(rule, opts)
      } catch (err) {
        throw bad(`${at}: ${err instanceof AppError ? err.message : String(err)}`)
      }
      rules.set(rule.id, rule)
    }
  }
  return [...rules.values()]
}
