/**
 * DescribeLogDirs (key 35), v1-v4 (Kafka 4.0 dropped v0). One result per configured log dir
 * (its absolute path), as Kafka's ReplicaManager.describeLogDirs: the hosted partitions in it —
 * all of them for a null topic list, else only those asked for (topics left with no partition
 * are omitted) — with their size in bytes, offset lag max(HW - LEO, 0) (0 here: the high
 * watermark never passes the log end) and isFutureKey false (no AlterReplicaLogDirs yet).
 * v4 adds the volume's totalBytes and usableBytes (fs.statfs; -1 when it fails). A failed dir
 * is KAFKA_STORAGE_ERROR with no topics. The metadata log is not a partition (Kafka keeps it
 * outside the log manager too).
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { METADATA_TOPIC } from '../controller/topic-names.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeLogDirsRequest } from '../protocol/generated/messages/DescribeLogDirsRequest.js';
import type {
  DescribeLogDirsResponse,
  DescribeLogDirsResponseDescribeLogDirsPartition,
  DescribeLogDirsResponseDescribeLogDirsResult,
} from '../protocol/generated/messages/DescribeLogDirsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import type { Handler } from './types.js';

async function volumeBytes(dir: string): Promise<{ totalBytes: bigint; usableBytes: bigint }> {
  try {
    const s = await statfs(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1n, usableBytes: -1n };
  }
}

export const describeLogDirsHandler: Handler<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  apiKey: 35,
  minVersion: 1,
  maxVersion: 4,
  async handle(services, request) {
    let wanted: ((topic: string, partition: number) => boolean) = () => true;
    if (request.topics !== null) {
      const set = new Set(request.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}\u0000${p}`)));
      wanted = (topic, partition) => set.has(`${topic}\u0000${partition}`);
    }
    const logs = services.logs.allLogs().filter((l) => l.topic !== METADATA_TOPIC && wanted(l.topic, l.partition));
    const results: Input<DescribeLogDirsResponseDescribeLogDirsResult>[] = [];
    for (const status of services.logs.dirs) {
      const logDir = resolve(status.dir);
      if (status.error !== null) {
        results.push({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir, topics: [] });
        continue;
      }
      const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsPartition[]>();
      for (const log of logs) {
        if (resolve(dirname(log.dir)) !== logDir) continue;
        const hw = services.replicas.get(log.topic, log.partition)?.highWatermark;
        let partitions = byTopic.get(log.topic);
        if (!partitions) byTopic.set(log.topic, (partitions = []));
        partitions.push({
          partitionIndex: log.partition,
          partitionSize: BigInt(log.size),
          // Kafka: -1 for a log without a partition, else max(HW - LEO, 0).
          offsetLag: hw === undefined ? -1n : BigInt(Math.max(hw - log.logEndOffset, 0)),
          isFutureKey: false,
        });
      }
      const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex) }));
      results.push({ errorCode: ErrorCode.NONE, logDir, topics, ...(await volumeBytes(logDir)) });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
};
