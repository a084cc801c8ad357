/** A bad setting, named, so start-up can say which one to fix. */
export class ConfigError extends Error {
  readonly setting: string
  constructor(setting: string, problem: string) {
    super(`Invalid setting ${setting}: ${problem}`)
    this.setting = setting
  }
}
