/**
 * Codec throughput: Produce requests and Fetch responses carrying 1 MiB of record bytes, in one
 * partition and spread over 100, encoded (size + one exact allocation + write) and decoded
 * (records stay views, no copy). Reported against memcpy of the same bytes in the same run.
 */
import { randomBytes } from 'node:crypto';
import { encodeRequest, decodeRequest, encodeResponse, decodeResponse } from '../src/protocol/frames.js';
import { ApiKey } from '../src/protocol/generated/registry.js';
import type { Input } from '../src/protocol/primitives/types.js';
import type { FetchResponse } from '../src/protocol/generated/messages/FetchResponse.js';
import type { ProduceRequest } from '../src/protocol/generated/messages/ProduceRequest.js';
import { fmt, mbPerSecond, opsPerSecond } from './timing.js';

const MIB = 1024 * 1024;

function produceRequest(partitions: number): Input<ProduceRequest> {
  const per = Math.floor(MIB / partitions);
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{
      name: 'bench-topic',
      partitionData: Array.from({ length: partitions }, (_, i) => ({ index: i, records: randomBytes(per) })),
    }],
  };
}

function fetchResponse(partitions: number): Input<FetchResponse> {
  const per = Math.floor(MIB / partitions);
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 1,
    responses: [{
      topic: 'bench-topic',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      partitions: Array.from({ length: partitions }, (_, i) => ({
        partitionIndex: i, errorCode: 0, highWatermark: 1000n, lastStableOffset: 1000n, logStartOffset: 0n,
        abortedTransactions: null, preferredReadReplica: -1, records: randomBytes(per),
      })),
    }],
  };
}

export async function benchCodec(): Promise<string[]> {
  const lines: string[] = [];
  const src = randomBytes(MIB);
  const dst = Buffer.allocUnsafe(MIB);
  // The reference: what the least an encoder must do costs, allocating a frame and copying 1 MiB in.
  const memcpy = mbPerSecond(MIB, opsPerSecond(() => src.copy(Buffer.allocUnsafe(MIB))));
  const warm = mbPerSecond(MIB, opsPerSecond(() => src.copy(dst)));
  lines.push(`allocate + copy 1 MiB: ${fmt(memcpy, 0)} MB/s (the reference for the ratios below); copy into a warm buffer: ${fmt(warm, 0)} MB/s`);
  for (const partitions of [1, 100]) {
    for (const version of [9, 11]) {
      const req = produceRequest(partitions);
      const header = { requestApiKey: ApiKey.Produce, requestApiVersion: version, correlationId: 1, clientId: 'bench' };
      const frame = encodeRequest(header, req);
      const enc = mbPerSecond(frame.length, opsPerSecond(() => encodeRequest(header, req)));
      const payload = frame.subarray(4);
      const dec = opsPerSecond(() => decodeRequest(payload));
      lines.push(
        `Produce v${version} request, 1 MiB in ${partitions} partition(s): encode ${fmt(enc, 0)} MB/s (${fmt(enc / memcpy, 2)}x alloc+copy), ` +
          `decode ${fmt(dec, 0)}/s (records stay views: ${fmt(mbPerSecond(frame.length, dec) / 1000, 0)} GB/s of frames)`,
      );
    }
    for (const version of [12, 16]) {
      const resp = fetchResponse(partitions);
      const frame = encodeResponse(ApiKey.Fetch, version, 1, resp);
      const enc = mbPerSecond(frame.length, opsPerSecond(() => encodeResponse(ApiKey.Fetch, version, 1, resp)));
      const payload = frame.subarray(4);
      const dec = opsPerSecond(() => decodeResponse(payload, ApiKey.Fetch, version));
      lines.push(
        `Fetch v${version} response, 1 MiB in ${partitions} partition(s): encode ${fmt(enc, 0)} MB/s (${fmt(enc / memcpy, 2)}x alloc+copy), ` +
          `decode ${fmt(dec, 0)}/s (${fmt(mbPerSecond(frame.length, dec) / 1000, 0)} GB/s of frames)`,
      );
    }
  }
  return lines;
}
