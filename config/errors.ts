/** Invalid configuration: names where it came from and every problem found, one per entry. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
