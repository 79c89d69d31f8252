/**
 * The local __cluster_metadata log (one node: no Raft yet): controller operations run one at a
 * time against the current image; their records are appended as one batch (all or nothing),
 * made durable, then replayed into the image, and listeners hear about them. At start the
 * whole log is replayed, so the image is always what the log says.
 */
import type { LogManager } from '../storage/log-manager.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { buildRecordBatch } from '../protocol/records/builder.js';
import { RecordBatch } from '../protocol/records/record-batch.js';
import { recordsOfLog } from '../storage/log-records.js';
import { MetadataImage } from './metadata-image.js';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord, type NewMetadataRecord } from './metadata-records.js';
import type { ControllerResult } from './controller.js';
import { METADATA_TOPIC } from './topic-names.js';

export type MetadataListener = (records: readonly MetadataRecord[], image: MetadataImage) => Promise<void>;

export class MetadataLog {
  readonly image = new MetadataImage();
  private readonly log: PartitionLog;
  private readonly nowMs: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners: MetadataListener[] = [];

  private constructor(log: PartitionLog, nowMs: () => number) {
    this.log = log;
    this.nowMs = nowMs;
  }

  static async open(logs: LogManager, nowMs: () => number): Promise<MetadataLog> {
    const log = await logs.getOrCreateLog(METADATA_TOPIC, 0);
    const m = new MetadataLog(log, nowMs);
    for await (const r of recordsOfLog(log)) m.image.replay(decodeMetadataRecord(r.value!), r.offset);
    return m;
  }

  onChange(listener: MetadataListener): void {
    this.listeners.push(listener);
  }

  /**
   * Runs a controller operation: `op` sees the current image and returns records and a response;
   * the records are committed (durable, replayed, listeners told) before the response returns.
   */
  run<R>(op: (image: MetadataImage) => ControllerResult<R>): Promise<R> {
    const next = this.queue.then(async () => {
      const { records, response } = op(this.image);
      if (records.length > 0) await this.commit(records);
      return response;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async commit(records: NewMetadataRecord[]): Promise<void> {
    const now = this.nowMs();
    const values = records.map(encodeMetadataRecord);
    const batch = new RecordBatch(buildRecordBatch(values.map((value) => ({ key: null, value, timestamp: now }))));
    const result = await this.log.append([batch], { leaderEpoch: 0, nowMs: now });
    await result.durable;
    const replayed = values.map((v, i) => {
      const record = decodeMetadataRecord(v);
      this.image.replay(record, result.firstOffset + i);
      return record;
    });
    for (const l of this.listeners) await l(replayed, this.image);
  }
}
