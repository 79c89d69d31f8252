import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  ALL_ERRORS,
  ErrorCode,
  KafkaError,
  MAX_ERROR_CODE,
  MIN_ERROR_CODE,
  errorByName,
  errorInfo,
  errorName,
  isKafkaError,
  isKnownErrorCode,
  isRetriable,
  type ErrorName,
} from '../../src/protocol/errors.js';

test('table covers Kafka 4.0: codes -1..129, contiguous, ordered', () => {
  assert.equal(MIN_ERROR_CODE, -1);
  assert.equal(MAX_ERROR_CODE, 129);
  assert.equal(ALL_ERRORS.length, 131);
  ALL_ERRORS.forEach((e, i) => assert.equal(e.code, MIN_ERROR_CODE + i, `row ${i} is ${e.name}`));
});

test('codes and names are unique and agree with ErrorCode', () => {
  const codes = new Set(ALL_ERRORS.map((e) => e.code));
  const names = new Set(ALL_ERRORS.map((e) => e.name));
  assert.equal(codes.size, ALL_ERRORS.length);
  assert.equal(names.size, ALL_ERRORS.length);
  assert.equal(Object.keys(ErrorCode).length, ALL_ERRORS.length);
  assert.equal(new Set(Object.values(ErrorCode)).size, ALL_ERRORS.length);
  for (const e of ALL_ERRORS) {
    assert.match(e.name, /^[A-Z][A-Z0-9_]*$/);
    assert.equal(ErrorCode[e.name as ErrorName], e.code);
    assert.equal(errorInfo(e.code), e);
    assert.equal(errorByName(e.name), e);
    assert.equal(isKnownErrorCode(e.code), true);
  }
});

test('every error but NONE has a message ending in a full stop', () => {
  for (const e of ALL_ERRORS) {
    if (e.code === ErrorCode.NONE) {
      assert.equal(e.message, '');
      assert.equal(e.retriable, false);
      continue;
    }
    assert.ok(e.message.length > 0, e.name);
    assert.ok(e.message.endsWith('.'), e.name);
  }
});

test('spot checks against the Kafka 4.0 protocol guide error table', () => {
  const expected: [number, string, boolean, string][] = [
    [-1, 'UNKNOWN_SERVER_ERROR', false, 'The server experienced an unexpected error when processing the request.'],
    [1, 'OFFSET_OUT_OF_RANGE', false, 'The requested offset is not within the range of offsets maintained by the server.'],
    [2, 'CORRUPT_MESSAGE', true, 'This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.'],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition.'],
    [6, 'NOT_LEADER_OR_FOLLOWER', true, 'For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.'],
    [7, 'REQUEST_TIMED_OUT', true, 'The request timed out.'],
    [8, 'BROKER_NOT_AVAILABLE', false, 'The broker is not available.'],
    [10, 'MESSAGE_TOO_LARGE', false, 'The request included a message larger than the max message size the server will accept.'],
    [14, 'COORDINATOR_LOAD_IN_PROGRESS', true, "The coordinator is loading and hence can't process requests."],
    [19, 'NOT_ENOUGH_REPLICAS', true, 'Messages are rejected since there are fewer in-sync replicas than required.'],
    [25, 'UNKNOWN_MEMBER_ID', false, 'The coordinator is not aware of this member.'],
    [27, 'REBALANCE_IN_PROGRESS', false, 'The group is rebalancing, so a rejoin is needed.'],
    [35, 'UNSUPPORTED_VERSION', false, 'The version of API is not supported.'],
    [36, 'TOPIC_ALREADY_EXISTS', false, 'Topic with this name already exists.'],
    [41, 'NOT_CONTROLLER', true, 'This is not the correct controller for this cluster.'],
    [47, 'INVALID_PRODUCER_EPOCH', false, 'Producer attempted to produce with an old epoch.'],
    [51, 'CONCURRENT_TRANSACTIONS', true, 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.'],
    [56, 'KAFKA_STORAGE_ERROR', true, 'Disk error when trying to access log file on the disk.'],
    [81, 'GROUP_MAX_SIZE_REACHED', false, 'The consumer group has reached its max size.'],
    [90, 'PRODUCER_FENCED', false, 'There is a newer producer with the same transactionalId which fences the current one.'],
    [100, 'UNKNOWN_TOPIC_ID', true, 'This server does not host this topic ID.'],
    [110, 'FENCED_MEMBER_EPOCH', false, 'The member epoch is fenced by the group coordinator. The member must abandon all its partitions and rejoin.'],
    [117, 'UNKNOWN_SUBSCRIPTION_ID', false, 'Client sent a push telemetry request with an invalid or outdated subscription ID.'],
    [120, 'TRANSACTION_ABORTABLE', false, 'The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID.'],
    [121, 'INVALID_RECORD_STATE', false, 'The record state is invalid. The acknowledgement of delivery could not be completed.'],
    [122, 'SHARE_SESSION_NOT_FOUND', true, 'The share session was not found.'],
    [125, 'INVALID_VOTER_KEY', false, "The voter key doesn't match the receiving replica's key."],
    [126, 'DUPLICATE_VOTER', false, 'The voter is already part of the set of voters.'],
    [127, 'VOTER_NOT_FOUND', false, 'The voter is not part of the set of voters.'],
    [128, 'INVALID_REGULAR_EXPRESSION', false, 'The regular expression is not valid.'],
    [129, 'REBOOTSTRAP_REQUIRED', false, 'Client metadata is stale, client should rebootstrap to obtain new metadata.'],
  ];
  for (const [code, name, retriable, message] of expected) {
    assert.deepEqual(errorInfo(code), { code, name, retriable, message });
  }
});

test('exactly the protocol guide\'s 31 retriable codes are retriable', () => {
  const retriable = ALL_ERRORS.filter((e) => e.retriable).map((e) => e.code);
  assert.deepEqual(retriable, [
    2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103,
    106, 122, 123,
  ]);
  assert.equal(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER), true);
  assert.equal(isRetriable(ErrorCode.TOPIC_AUTHORIZATION_FAILED), false);
  assert.equal(isRetriable(ErrorCode.NONE), false);
});

test('ErrorCode constants are usable as literal numbers', () => {
  const code: 6 = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.equal(code, 6);
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
});

test('unknown codes get a synthesized, non-retriable entry', () => {
  for (const code of [-2, 130, 200, 32767, -32768]) {
    const e = errorInfo(code);
    assert.equal(e.code, code);
    assert.equal(e.name, `UNKNOWN_ERROR_CODE_${code}`);
    assert.equal(e.retriable, false);
    assert.ok(e.message.includes(String(code)));
    assert.equal(isKnownErrorCode(code), false);
    assert.equal(errorName(code), e.name);
    assert.equal(isRetriable(code), false);
  }
  assert.equal(errorByName('NO_SUCH_ERROR'), undefined);
  assert.equal(errorByName('not_leader_or_follower'), undefined);
  assert.equal(errorName(6), 'NOT_LEADER_OR_FOLLOWER');
});

test('table rows are frozen', () => {
  assert.ok(Object.isFrozen(ALL_ERRORS));
  assert.ok(Object.isFrozen(errorInfo(6)));
});

test('KafkaError.fromCode uses the default message and carries code, name, retriable', () => {
  const err = KafkaError.fromCode(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.ok(err instanceof Error);
  assert.ok(err instanceof KafkaError);
  assert.equal(err.name, 'KafkaError');
  assert.equal(err.code, 6);
  assert.equal(err.errorName, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(err.retriable, true);
  assert.equal(err.message, errorInfo(6).message);
  assert.equal(err.context, undefined);
  assert.equal(String(err), `KafkaError NOT_LEADER_OR_FOLLOWER (6): ${errorInfo(6).message}`);
});

test('KafkaError keeps a custom message, context and cause', () => {
  const cause = new Error('disk gone');
  const err = new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'log dir /data offline', { topic: 't', partition: 3 }, { cause });
  assert.equal(err.message, 'log dir /data offline');
  assert.deepEqual(err.context, { topic: 't', partition: 3 });
  assert.equal(err.cause, cause);
  assert.equal(err.retriable, true);

  const auth = KafkaError.fromCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED, undefined, { topic: 'secret' });
  assert.equal(auth.retriable, false);
  assert.equal(auth.message, 'Topic authorization failed.');
  assert.deepEqual(auth.context, { topic: 'secret' });
});

test('KafkaError for an unknown code', () => {
  const err = KafkaError.fromCode(999);
  assert.equal(err.code, 999);
  assert.equal(err.errorName, 'UNKNOWN_ERROR_CODE_999');
  assert.equal(err.retriable, false);
});

test('NONE is not an error', () => {
  assert.throws(() => KafkaError.fromCode(ErrorCode.NONE), RangeError);
  assert.equal(KafkaError.maybeFromCode(ErrorCode.NONE), null);
  const err = KafkaError.maybeFromCode(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
  assert.ok(err !== null);
  assert.equal(err.errorName, 'COORDINATOR_NOT_AVAILABLE');
  assert.equal(err.message, 'The coordinator is not available.');
  assert.equal(KafkaError.maybeFromCode(ErrorCode.INVALID_REQUEST, 'bad header')?.message, 'bad header');
});

test('isKafkaError', () => {
  assert.equal(isKafkaError(KafkaError.fromCode(ErrorCode.UNKNOWN_SERVER_ERROR)), true);
  assert.equal(isKafkaError(new Error('x')), false);
  assert.equal(isKafkaError({ code: 6, errorName: 'NOT_LEADER_OR_FOLLOWER' }), false);
  assert.equal(isKafkaError(null), false);
  assert.equal(isKafkaError(undefined), false);
  assert.equal(isKafkaError(6), false);
  // An instance from another copy of this module carries the same registered-symbol brand.
  const branded = { [Symbol.for('tributary.KafkaError')]: true };
  assert.equal(isKafkaError(branded), true);
});
