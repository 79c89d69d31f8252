/**
 * Errors the client raises. Broker errors are KafkaError (code, errorName, retriable, context);
 * so are the client-side conditions Kafka gives a code to: a request that got no answer in
 * request.timeout.ms or a send() that waited max.block.ms (REQUEST_TIMED_OUT, retriable), a lost
 * connection (NETWORK_EXCEPTION, retriable), a record too large (MESSAGE_TOO_LARGE). Bad
 * configuration is ConfigError (names the key); misuse of the API (a closed client, assign()
 * while subscribed) is a plain Error or TypeError.
 */
import { ErrorCode, KafkaError } from '../protocol/errors.js';

export { KafkaError, isKafkaError, ErrorCode } from '../protocol/errors.js';
export { ConfigError } from '../common/config/errors.js';

export function timeoutError(message: string, context?: Record<string, unknown>): KafkaError {
  return new KafkaError(ErrorCode.REQUEST_TIMED_OUT, message, context);
}

export function networkError(message: string, context?: Record<string, unknown>, cause?: unknown): KafkaError {
  return new KafkaError(ErrorCode.NETWORK_EXCEPTION, message, context, cause === undefined ? undefined : { cause });
}

/** Thrown by calls on a closed producer, consumer or admin client. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** Thrown by a feature that is not built yet. */
export class NotSupportedYetError extends Error {
  override readonly name = 'NotSupportedYetError';
}
