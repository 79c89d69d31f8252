/**
 * Kafka configuration: the key tables, .properties parsing, broker and topic resolution,
 * LogConfig for the storage engine, and the Markdown reference.
 */
export * from './types.js';
export * from './errors.js';
export * from './validators.js';
export * from './values.js';
export * from './config-source.js';
export * from './broker-configs.js';
export * from './topic-configs.js';
export * from './properties.js';
export * from './broker-layers.js';
export { parseBrokerEntries, resolveBrokerConfig } from './resolve-broker.js';
export * from './broker-derived.js';
export * from './topic-defaults.js';
export * from './log-config.js';
export * from './resolve-topic.js';
export * from './docs.js';
