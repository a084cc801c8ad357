/**
 * The built-in deadline rules, one data file per jurisdiction, each rule with its source. Imported (not read
 * from disk) so that the build carries them; src/deadlines/builtin-rules.ts validates them at start-up with
 * the schema that API-created rules pass.
 */
import kz from './kz.json' with { type: 'json' }
import us from './us.json' with { type: 'json' }

export const builtInRuleFiles: readonly { file: string; content: unknown }[] = [
  { file: 'config/rules/kz.json', content: kz },
  { file: 'config/rules/us.json', content: us },
]
