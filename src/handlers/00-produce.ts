/**
 * Produce (key 0), v3-v11 (Kafka 4.0 dropped v0-v2). Per partition: the topic must exist here;
 * the records field goes through Kafka 4.0's checks in order — exactly one v2 batch
 * (INVALID_RECORD for magic 0/1, as 4.0 answers), structure and CRC (CORRUPT_MESSAGE), producer
 * rules (INVALID_RECORD), max.message.bytes (MESSAGE_TOO_LARGE), timestamps within
 * message.timestamp.{before,after}.max.ms (INVALID_TIMESTAMP) — then it is appended unchanged
 * but for its base offset and leader epoch (and, for LogAppendTime topics, its max timestamp and
 * CRC). acks=1 answers once written; acks=-1 once on disk (or REQUEST_TIMED_OUT after timeoutMs;
 * the data may still land, as in Kafka); acks=0 answers nothing, and a failed acks=0 request
 * closes the connection, which is how Kafka tells such a producer.
 * Not yet: idempotent/transactional producer state (later issue), recompression when the topic's
 * compression.type differs from the producer's.
 * Records are read once on the way in (Kafka's LogValidator does too): a batch with a valid CRC
 * whose records do not parse is CORRUPT_MESSAGE; a compacted topic refuses null keys.
 */
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import type { ProduceRequest } from '../protocol/generated/messages/ProduceRequest.js';
import type { ProduceResponse, ProduceResponseTopicProduceResponse } from '../protocol/generated/messages/ProduceResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { checkProduceRecords } from '../protocol/records/produce-check.js';
import { validateClientBatch, validateRecordBatch } from '../protocol/records/validate.js';
import type { RecordBatch } from '../protocol/records/record-batch.js';
import { recordsOf } from '../protocol/records/record-iterator.js';
import { DecodeError } from '../protocol/primitives/decode-error.js';
import { AppendRejectedError } from '../storage/log-errors.js';
import { isStorageError } from '../storage/errors.js';
import { isInternalTopic } from '../controller/controller.js';
import type { BrokerServices, Handler } from './types.js';

interface PartitionOutcome {
  index: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  /** Resolves when durable (acks=-1 waits for it). */
  durable: Promise<void> | null;
}

class ProduceProblem extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

function checkTimestamp(batch: RecordBatch, nowMs: number, beforeMaxMs: number, afterMaxMs: number): void {
  // Kafka checks each record's timestamp; a batch's max and base bound them all.
  const min = Number(batch.baseTimestamp);
  const max = Number(batch.maxTimestamp);
  if (min >= 0 && nowMs - min > beforeMaxMs) {
    throw new ProduceProblem(ErrorCode.INVALID_TIMESTAMP, `Timestamp ${min} of a record is before the allowed range (message.timestamp.before.max.ms=${beforeMaxMs})`);
  }
  if (max - nowMs > afterMaxMs) {
    throw new ProduceProblem(ErrorCode.INVALID_TIMESTAMP, `Timestamp ${max} of a record is after the allowed range (message.timestamp.after.max.ms=${afterMaxMs})`);
  }
}

/** Largest decompressed records section accepted from a producer. */
const MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * Kafka's LogValidator reads every record of a produced batch (decompressing if needed): a batch
 * whose CRC is right but whose records do not parse is CORRUPT_MESSAGE, and a compacted topic
 * refuses records without a key. Stored batches must be readable by every consumer.
 */
function checkRecords(batch: RecordBatch, compacted: boolean): void {
  try {
    for (const r of recordsOf(batch, { maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES })) {
      if (compacted && r.key === null) {
        throw new ProduceProblem(ErrorCode.INVALID_RECORD, 'Compacted topic cannot accept message without key in topic partition');
      }
    }
  } catch (e) {
    if (e instanceof DecodeError) throw new ProduceProblem(ErrorCode.CORRUPT_MESSAGE, `Record is corrupt: ${e.message}`);
    throw e;
  }
}

async function producePartition(services: BrokerServices, version: number, topic: string, index: number, records: Buffer | null): Promise<PartitionOutcome> {
  const outcome: PartitionOutcome = { index, errorCode: 0, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, durable: null };
  const partition = services.replicas.get(topic, index);
  if (!partition) return { ...outcome, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  // Only the coordinators write their internal topics (Kafka's ReplicaManager refuses clients).
  if (isInternalTopic(topic)) return { ...outcome, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Cannot append to internal topic ${topic}` };
  try {
    const check = checkProduceRecords(version, records);
    if (!check.ok) throw new ProduceProblem(check.errorCode, check.message);
    const valid = validateRecordBatch(check.batchBytes);
    if (!valid.ok) throw new ProduceProblem(valid.problem.errorCode, valid.problem.message);
    const clientProblem = validateClientBatch(valid.batch);
    if (clientProblem !== null) throw new ProduceProblem(clientProblem.errorCode, clientProblem.message);
    const cfg = services.topicConfig(topic).logConfig;
    if (valid.batch.sizeInBytes > cfg.maxMessageBytes) {
      throw new ProduceProblem(ErrorCode.MESSAGE_TOO_LARGE, `The batch of ${valid.batch.sizeInBytes} bytes is larger than max.message.bytes (${cfg.maxMessageBytes})`);
    }
    checkRecords(valid.batch, cfg.cleanupPolicy.compact);
    const now = services.nowMs();
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    if (!logAppendTime) checkTimestamp(valid.batch, now, cfg.messageTimestampBeforeMaxMs, cfg.messageTimestampAfterMaxMs);
    const result = await partition.log.append([valid.batch], {
      leaderEpoch: partition.leaderEpoch,
      nowMs: now,
      logAppendTimeMs: logAppendTime ? now : undefined,
    });
    const end = result.lastOffset + 1;
    const durable = result.durable.then(() => partition.advanceHighWatermark(end));
    durable.catch((e: unknown) => services.log.error(`${topic}-${index}: flush failed: ${String(e)}`));
    return { ...outcome, baseOffset: result.firstOffset, logAppendTimeMs: logAppendTime ? now : -1, logStartOffset: partition.log.logStartOffset, durable };
  } catch (e) {
    if (e instanceof ProduceProblem || e instanceof AppendRejectedError) return { ...outcome, errorCode: e.errorCode, errorMessage: e.message };
    if (isStorageError(e)) {
      services.log.error(`${topic}-${index}: ${String(e)}`);
      return { ...outcome, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: errorInfo(ErrorCode.KAFKA_STORAGE_ERROR).message };
    }
    throw e;
  }
}

async function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const produceHandler: Handler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  minVersion: 3,
  maxVersion: 11,
  async handle(services, request, info) {
    const acks = request.acks;
    const topics: Input<ProduceResponseTopicProduceResponse>[] = [];
    const outcomes: PartitionOutcome[][] = [];
    // Every append is queued before the first await, so requests pipelined on one connection
    // append to each partition in the order they arrived.
    const pending = request.topicData.map((t) => {
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        return Promise.resolve(t.partitionData.map((p): PartitionOutcome => ({ index: p.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, durable: null })));
      }
      return Promise.all(t.partitionData.map((p) => producePartition(services, info.version, t.name, p.index, p.records)));
    });
    outcomes.push(...(await Promise.all(pending)));
    if (acks === -1) {
      const pending = outcomes.flat().filter((o) => o.durable !== null);
      const durable = await withTimeout(Promise.all(pending.map((o) => o.durable)).then(() => undefined), request.timeoutMs);
      if (!durable) for (const o of pending) o.errorCode = ErrorCode.REQUEST_TIMED_OUT;
    }
    if (acks === 0) {
      const failed = outcomes.flat().find((o) => o.errorCode !== ErrorCode.NONE);
      if (failed) throw new Error(`acks=0 produce failed (${errorInfo(failed.errorCode).name}): closing the connection`);
      return null;
    }
    request.topicData.forEach((t, i) => {
      topics.push({
        name: t.name,
        partitionResponses: outcomes[i]!.map((o) => ({
          index: o.index,
          errorCode: o.errorCode,
          baseOffset: BigInt(o.baseOffset),
          logAppendTimeMs: BigInt(o.logAppendTimeMs),
          logStartOffset: BigInt(o.logStartOffset),
          recordErrors: [],
          errorMessage: o.errorMessage,
        })),
      });
    });
    return { responses: topics, throttleTimeMs: 0 };
  },
};
