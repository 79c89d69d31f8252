/** Tributary's public API: the client (producer, consumer, admin) and the protocol layer. */
export * as protocol from './protocol/index.js';
export * from './client/index.js';
