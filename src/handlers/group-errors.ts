/** How group handlers turn a coordinator failure into Kafka's error code for the answer. */
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { BrokerServices } from './types.js';

export function groupErrorCode(services: BrokerServices, e: unknown): number {
  if (e instanceof KafkaError) return e.code;
  services.log.error(`group coordinator: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

/** Runs a group operation; a failure becomes the response `onError` builds from its code. */
export async function withGroupErrors<R>(services: BrokerServices, op: () => R | Promise<R>, onError: (code: number) => R): Promise<R> {
  try {
    return await op();
  } catch (e) {
    return onError(groupErrorCode(services, e));
  }
}
