/** Tributary's public API. The client (producer, consumer, admin) joins this with issue 5. */
export * as protocol from './protocol/index.js';
