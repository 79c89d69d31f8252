// Minimal Kafka wire primitives for the capture tool only (tools/capture). Deliberately tiny and
// separate from src/protocol: the fixtures captured with it are what src/protocol is tested against,
// so it must not depend on the code under test.

export class Reader {
  constructor(buf, offset = 0) {
    this.buf = buf;
    this.pos = offset;
  }
  get remaining() {
    return this.buf.length - this.pos;
  }
  need(n) {
    if (this.pos + n > this.buf.length) {
      throw new RangeError(`read past end: need ${n} at ${this.pos}, have ${this.buf.length}`);
    }
  }
  i8() { this.need(1); const v = this.buf.readInt8(this.pos); this.pos += 1; return v; }
  i16() { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  i32() { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  u32() { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  i64() { this.need(8); const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return v; }
  uvarint() {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new RangeError('varint past end');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new RangeError('uvarint longer than 5 bytes');
  }
  varint() {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  varlong() {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new RangeError('varlong past end');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new RangeError('varlong longer than 10 bytes');
  }
  raw(n) { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  // int16-length string, -1 = null
  str() {
    const n = this.i16();
    if (n < 0) return null;
    return this.raw(n).toString('utf8');
  }
  // compact string: uvarint length+1, 0 = null
  cstr() {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.raw(n).toString('utf8');
  }
  string(flexible) { return flexible ? this.cstr() : this.str(); }
  bytes() {
    const n = this.i32();
    if (n < 0) return null;
    return this.raw(n);
  }
  cbytes() {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.raw(n);
  }
  uuid() { return this.raw(16); }
  // int32 count, -1 = null
  array(fn) {
    const n = this.i32();
    if (n < 0) return null;
    const out = [];
    for (let i = 0; i < n; i++) out.push(fn(this));
    return out;
  }
  carray(fn) {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    const out = [];
    for (let i = 0; i < n; i++) out.push(fn(this));
    return out;
  }
  arr(flexible, fn) { return flexible ? this.carray(fn) : this.array(fn); }
  // skips a tagged-field section, returns {tag: Buffer}
  tags() {
    const n = this.uvarint();
    const out = {};
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      out[tag] = this.raw(size);
    }
    return out;
  }
}

export class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  push(b) { this.parts.push(b); this.length += b.length; return this; }
  i8(v) { const b = Buffer.alloc(1); b.writeInt8(v); return this.push(b); }
  i16(v) { const b = Buffer.alloc(2); b.writeInt16BE(v); return this.push(b); }
  i32(v) { const b = Buffer.alloc(4); b.writeInt32BE(v); return this.push(b); }
  i64(v) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return this.push(b); }
  uvarint(v) {
    const out = [];
    let x = v;
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    return this.push(Buffer.from(out));
  }
  raw(b) { return this.push(b); }
  str(s) {
    if (s === null || s === undefined) return this.i16(-1);
    const b = Buffer.from(s, 'utf8');
    return this.i16(b.length).push(b);
  }
  cstr(s) {
    if (s === null || s === undefined) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }
  string(flexible, s) { return flexible ? this.cstr(s) : this.str(s); }
  array(items, fn) {
    if (items === null) return this.i32(-1);
    this.i32(items.length);
    for (const it of items) fn(this, it);
    return this;
  }
  carray(items, fn) {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const it of items) fn(this, it);
    return this;
  }
  arr(flexible, items, fn) { return flexible ? this.carray(items, fn) : this.array(items, fn); }
  tags() { return this.uvarint(0); }
  buffer() { return Buffer.concat(this.parts, this.length); }
  // size-prefixed frame
  frame() {
    const body = this.buffer();
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length);
    return Buffer.concat([len, body]);
  }
}

// API key -> [name, first flexible version (Infinity = none)], from Kafka's message specs.
export const API = {
  0: ['Produce', 9], 1: ['Fetch', 12], 2: ['ListOffsets', 6], 3: ['Metadata', 9],
  4: ['LeaderAndIsr', 4], 5: ['StopReplica', 2], 6: ['UpdateMetadata', 6], 7: ['ControlledShutdown', 3],
  8: ['OffsetCommit', 8], 9: ['OffsetFetch', 6], 10: ['FindCoordinator', 3], 11: ['JoinGroup', 6],
  12: ['Heartbeat', 4], 13: ['LeaveGroup', 4], 14: ['SyncGroup', 4], 15: ['DescribeGroups', 5],
  16: ['ListGroups', 3], 17: ['SaslHandshake', Infinity], 18: ['ApiVersions', 3], 19: ['CreateTopics', 5],
  20: ['DeleteTopics', 4], 21: ['DeleteRecords', 2], 22: ['InitProducerId', 2], 23: ['OffsetForLeaderEpoch', 4],
  24: ['AddPartitionsToTxn', 3], 25: ['AddOffsetsToTxn', 3], 26: ['EndTxn', 3], 27: ['WriteTxnMarkers', 1],
  28: ['TxnOffsetCommit', 3], 29: ['DescribeAcls', 2], 30: ['CreateAcls', 2], 31: ['DeleteAcls', 2],
  32: ['DescribeConfigs', 4], 33: ['AlterConfigs', 2], 34: ['AlterReplicaLogDirs', 2], 35: ['DescribeLogDirs', 2],
  36: ['SaslAuthenticate', 2], 37: ['CreatePartitions', 2], 38: ['CreateDelegationToken', 2],
  39: ['RenewDelegationToken', 2], 40: ['ExpireDelegationToken', 2], 41: ['DescribeDelegationToken', 2],
  42: ['DeleteGroups', 2], 43: ['ElectLeaders', 2], 44: ['IncrementalAlterConfigs', 1],
  45: ['AlterPartitionReassignments', 0], 46: ['ListPartitionReassignments', 0], 47: ['OffsetDelete', Infinity],
  48: ['DescribeClientQuotas', 1], 49: ['AlterClientQuotas', 1], 50: ['DescribeUserScramCredentials', 0],
  51: ['AlterUserScramCredentials', 0], 55: ['DescribeQuorum', 0], 57: ['UpdateFeatures', 0],
  60: ['DescribeCluster', 0], 61: ['DescribeProducers', 0], 64: ['UnregisterBroker', 0],
  65: ['DescribeTransactions', 0], 66: ['ListTransactions', 0], 68: ['ConsumerGroupHeartbeat', 0],
  69: ['ConsumerGroupDescribe', 0], 71: ['GetTelemetrySubscriptions', 0], 72: ['PushTelemetry', 0],
  74: ['ListClientMetricsResources', 0], 75: ['DescribeTopicPartitions', 0],
};

export function apiName(key) {
  return API[key] ? API[key][0] : `Api${key}`;
}

export function isFlexible(key, version) {
  const e = API[key];
  return e !== undefined && version >= e[1];
}

// Request header: v1 (int16 key, int16 version, int32 correlation id, nullable int16 string client id)
// for non-flexible versions, v2 (= v1 + tagged fields) for flexible ones. Returns the header fields and
// the offset of the body.
export function parseRequestHeader(frame) {
  const r = new Reader(frame);
  const apiKey = r.i16();
  const apiVersion = r.i16();
  const correlationId = r.i32();
  const clientId = r.str();
  const flexible = isFlexible(apiKey, apiVersion);
  // ControlledShutdown v0 used header v0 (no client id); irrelevant for clients.
  if (flexible) r.tags();
  return { apiKey, apiVersion, correlationId, clientId, flexible, bodyOffset: r.pos };
}

// Response header: v0 (correlation id) or v1 (+ tagged fields) for flexible versions, except
// ApiVersions, whose response header is always v0.
export function responseHeaderFlexible(apiKey, apiVersion) {
  return apiKey !== 18 && isFlexible(apiKey, apiVersion);
}
