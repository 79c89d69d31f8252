/**
 * Record batches (message format v2): view, validation, splitting, produce checks, record
 * iteration, building, control batches and compression codecs.
 */
export * from './record-batch.js';
export { crc32c } from './crc32c.js';
export * from './validate.js';
export * from './split.js';
export * from './produce-check.js';
export * from './record-iterator.js';
export * from './builder.js';
export * from './control.js';
export * from './compression/index.js';
