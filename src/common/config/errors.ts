/**
 * ConfigError: a configuration problem that names the key, the offending value (when there is
 * one) and what would have been accepted. Startup stops on it; CreateTopics/AlterConfigs turn it
 * into INVALID_CONFIG with `message` as the error message.
 */
export type ConfigProblem = 'invalid-value' | 'unknown-key' | 'missing-required' | 'conflict' | 'malformed-file';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** Kafka key the problem is about. */
    readonly key: string,
    readonly problem: ConfigProblem,
    /** The value as given (raw text), when a value is at fault. */
    readonly value?: string,
    /** What is allowed (Kafka's "Valid Values" text, or a hint), when known. */
    readonly allowed?: string,
  ) {
    super(message);
  }

  static invalidValue(key: string, value: string, reason: string, allowed?: string): ConfigError {
    const hint = allowed !== undefined && allowed !== '' ? ` (valid values: ${allowed})` : '';
    return new ConfigError(
      `Invalid value ${JSON.stringify(value)} for configuration "${key}": ${reason}${hint}`,
      key, 'invalid-value', value, allowed,
    );
  }

  static unknownKey(key: string, hint?: string): ConfigError {
    return new ConfigError(`Unknown configuration "${key}"${hint !== undefined ? ` (${hint})` : ''}`, key, 'unknown-key', undefined, hint);
  }

  static missingRequired(key: string): ConfigError {
    return new ConfigError(`Missing required configuration "${key}" which has no default value`, key, 'missing-required');
  }
}
