/**
 * The API versions this client knows how to build and read, per API key, and the choice of the
 * version to use with a broker: the highest version both sides support (the broker's ranges come
 * from its ApiVersions answer). The client's ranges are narrower than the codecs' where the
 * request's meaning changes (ListOffsets v0 has another shape; Produce below v3 cannot carry v2
 * record batches; Fetch below v4 has no isolation level).
 */
import { apiDefinition } from '../protocol/apis.js';
import { ApiKey } from '../protocol/generated/registry.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';

export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

export const CLIENT_VERSIONS: ReadonlyMap<number, VersionRange> = new Map<number, VersionRange>([
  [ApiKey.Produce, { minVersion: 3, maxVersion: 11 }],
  [ApiKey.Fetch, { minVersion: 4, maxVersion: 17 }],
  [ApiKey.ListOffsets, { minVersion: 1, maxVersion: 10 }],
  [ApiKey.Metadata, { minVersion: 1, maxVersion: 12 }],
  [ApiKey.ApiVersions, { minVersion: 0, maxVersion: 3 }],
  [ApiKey.CreateTopics, { minVersion: 2, maxVersion: 7 }],
  [ApiKey.DeleteTopics, { minVersion: 1, maxVersion: 6 }],
  [ApiKey.DeleteRecords, { minVersion: 0, maxVersion: 2 }],
  [ApiKey.DescribeConfigs, { minVersion: 1, maxVersion: 4 }],
  [ApiKey.AlterConfigs, { minVersion: 0, maxVersion: 2 }],
  [ApiKey.CreatePartitions, { minVersion: 0, maxVersion: 3 }],
  [ApiKey.IncrementalAlterConfigs, { minVersion: 0, maxVersion: 1 }],
  [ApiKey.DescribeCluster, { minVersion: 0, maxVersion: 1 }],
]);

/** The ApiVersions version sent first (KIP-511 fallback when the broker does not know it). */
export const FIRST_API_VERSIONS_VERSION = 3;

/**
 * The version to use: the highest in both the client's range (or the codec's, for an API the
 * client has no table entry for: raw requests), capped by `maxVersion`, and the broker's.
 * Throws UNSUPPORTED_VERSION naming the API when the ranges do not meet.
 */
export function chooseVersion(apiKey: number, broker: VersionRange | undefined, maxVersion?: number): number {
  const def = apiDefinition(apiKey);
  const ours = CLIENT_VERSIONS.get(apiKey) ?? (def !== undefined ? { minVersion: def.minVersion, maxVersion: def.maxVersion } : undefined);
  const name = def?.name ?? `api key ${apiKey}`;
  if (ours === undefined) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `the client has no codec for ${name}`);
  if (broker === undefined) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `the broker does not support ${name}`, { apiKey });
  const high = Math.min(ours.maxVersion, broker.maxVersion, maxVersion ?? Infinity);
  const low = Math.max(ours.minVersion, broker.minVersion);
  if (high < low) {
    throw new KafkaError(
      ErrorCode.UNSUPPORTED_VERSION,
      `no common version of ${name}: the client speaks v${ours.minVersion}-v${Math.min(ours.maxVersion, maxVersion ?? Infinity)}, the broker v${broker.minVersion}-v${broker.maxVersion}`,
      { apiKey },
    );
  }
  return high;
}

export function apiName(apiKey: number): string {
  return apiDefinition(apiKey)?.name ?? `Unknown(${apiKey})`;
}
