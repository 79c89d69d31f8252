/**
 * The tools' entry points into the client, loaded on first use: parsing arguments and printing
 * usage must not pay for loading the client and every protocol codec (about 0.3 s), so a
 * mistyped flag answers at once.
 */
import type * as K from './kafka.js';

export type { CliAdmin, CliConsumer, CliProducer, QuorumInfo, QuorumReplica, StartAt } from './kafka.js';

export async function openAdmin(...args: Parameters<typeof K.openAdmin>): ReturnType<typeof K.openAdmin> {
  return (await import('./kafka.js')).openAdmin(...args);
}

export async function openProducer(...args: Parameters<typeof K.openProducer>): ReturnType<typeof K.openProducer> {
  return (await import('./kafka.js')).openProducer(...args);
}

export async function openConsumer(...args: Parameters<typeof K.openConsumer>): ReturnType<typeof K.openConsumer> {
  return (await import('./kafka.js')).openConsumer(...args);
}
