/**
 * Valid request frames for every API and version, built from random values with the same
 * arbitraries as the property tests (fixed seed). Inputs for the bad-input tests and the fuzzer.
 */
import fc from 'fast-check';
import { API_DEFINITIONS } from '../../src/protocol/generated/registry.js';
import { encodeRequest } from '../../src/protocol/frames.js';
import { messageArb } from './arbitraries.js';

export interface SampleRequest {
  name: string;
  version: number;
  /** The payload: the frame without its 4-byte size. */
  payload: Buffer;
}

export function sampleRequests(seed: number, perVersion = 1): SampleRequest[] {
  const out: SampleRequest[] = [];
  for (const api of API_DEFINITIONS) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      const bodies = fc.sample(messageArb(api.request.schema, v), { seed: seed + api.apiKey * 100 + v, numRuns: perVersion });
      for (const body of bodies) {
        const frame = encodeRequest(
          { requestApiKey: api.apiKey, requestApiVersion: v, correlationId: 7, clientId: 'sample' },
          body,
        );
        out.push({ name: api.name, version: v, payload: frame.subarray(4) });
      }
    }
  }
  return out;
}
