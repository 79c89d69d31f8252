// Recording Kafka proxy for golden-bytes capture. Sits in front of librdkafka's mock cluster
// (one broker) and records every request frame a client sends, and the response it gets back.
//
// What it answers itself instead of forwarding (the mock is too old or too partial for real clients):
//  - ApiVersions (any version; v0..v3 encodings, UNSUPPORTED_VERSION in v0 form above that): it
//    advertises the mock's own API ranges, plus the overrides below.
//  - Metadata (v0..v12): it asks the mock with Metadata v2 and re-encodes the answer at the client's
//    version, with the broker's host/port replaced by the proxy's (so the client keeps talking to the
//    proxy) and ControllerId set to a real broker id (the mock says 0, which breaks KafkaJS admin).
//  - FindCoordinator (v0..v6): the single mock broker, again at the proxy's address.
//  - InitProducerId v3+ for an idempotent (non-transactional) producer that sends a producer id:
//    forwarded with producer id/epoch -1 (Kafka ignores them there; the mock rejects them).
//  - ListGroups (v0..v5): the groups this proxy has seen JoinGroup requests for, as Stable consumer
//    groups (the mock lacks ListGroups; an answer lets clients go on to DescribeGroups).
// APIs the mock lacks (CreateTopics, DeleteTopics, DescribeConfigs, ListGroups, ...) are advertised
// anyway so that clients send them; the proxy records such a request and then closes the connection,
// which is what Kafka does with a request it cannot handle. Everything else is forwarded unchanged.
// Responses are returned to each connection in request order, as a Kafka broker does.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Reader, Writer, parseRequestHeader, responseHeaderFlexible, isFlexible } from './wire.mjs';

// Advertised although the mock does not implement them (max = Kafka 4.0 spec max). The proxy closes
// the connection when one arrives.
export const UNSERVED_APIS = {
  15: [0, 5], // DescribeGroups
  19: [0, 7], // CreateTopics
  20: [0, 6], // DeleteTopics
  21: [0, 2], // DeleteRecords
  32: [0, 4], // DescribeConfigs
  33: [0, 2], // AlterConfigs
  37: [0, 3], // CreatePartitions
  42: [0, 2], // DeleteGroups
  44: [0, 1], // IncrementalAlterConfigs
};
// Answered by the proxy itself.
export const PROXY_APIS = {
  3: [0, 12], // Metadata
  10: [0, 6], // FindCoordinator
  16: [0, 5], // ListGroups (the mock lacks it; answered with the groups seen in JoinGroup requests)
  18: [0, 3], // ApiVersions (capped at 3)
};

const UNKNOWN_AUTHORIZED_OPERATIONS = -2147483648;

// Splits a byte stream into size-prefixed frames; calls onFrame(frameWithoutPrefix).
function framer(socket, onFrame, maxFrameBytes = 100 * 1024 * 1024) {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (size < 0 || size > maxFrameBytes) {
        socket.destroy(new Error(`bad frame size ${size}`));
        return;
      }
      if (pending.length < 4 + size) break;
      const frame = Buffer.from(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
      onFrame(frame);
    }
  });
}

function withPrefix(body) {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length);
  return Buffer.concat([len, body]);
}

// One request/response connection to the mock, used by the proxy for its own questions.
class ControlConnection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.nextCorrelationId = 1;
    this.waiting = new Map();
    this.socket = null;
  }
  connect() {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, this.host);
      s.once('connect', () => resolve());
      s.once('error', reject);
      s.on('close', () => {
        for (const w of this.waiting.values()) w.reject(new Error('control connection closed'));
        this.waiting.clear();
      });
      framer(s, (frame) => {
        const corr = frame.readInt32BE(0);
        const w = this.waiting.get(corr);
        if (!w) return;
        this.waiting.delete(corr);
        w.resolve(new Reader(frame, 4));
      });
      this.socket = s;
    });
  }
  request(apiKey, apiVersion, writeBody, timeoutMs = 5000) {
    const corr = this.nextCorrelationId++;
    const w = new Writer().i16(apiKey).i16(apiVersion).i32(corr).str('golden-capture-proxy');
    writeBody(w);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(corr);
        reject(new Error(`control request ${apiKey} v${apiVersion} timed out`));
      }, timeoutMs);
      this.waiting.set(corr, {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.socket.write(w.frame());
    });
  }
  async apiVersions() {
    const r = await this.request(18, 0, () => {});
    const errorCode = r.i16();
    if (errorCode !== 0) throw new Error(`mock ApiVersions error ${errorCode}`);
    const ranges = {};
    r.array((r) => {
      const key = r.i16();
      ranges[key] = [r.i16(), r.i16()];
    });
    return ranges;
  }
  // Metadata v2: topics null = all
  async metadata(topics) {
    const r = await this.request(3, 2, (w) => w.array(topics, (w, t) => w.str(t)));
    const brokers = r.array((r) => ({ nodeId: r.i32(), host: r.str(), port: r.i32(), rack: r.str() }));
    const clusterId = r.str();
    const controllerId = r.i32();
    const topicList = r.array((r) => ({
      errorCode: r.i16(),
      name: r.str(),
      isInternal: r.i8() !== 0,
      partitions: r.array((r) => ({
        errorCode: r.i16(),
        index: r.i32(),
        leader: r.i32(),
        replicas: r.array((r) => r.i32()),
        isr: r.array((r) => r.i32()),
      })),
    }));
    return { brokers, clusterId, controllerId, topics: topicList };
  }
  close() {
    this.socket?.destroy();
  }
}

// Stable made-up topic id (the mock has none): first 16 bytes of sha256(name).
export function topicIdFor(name) {
  return createHash('sha256').update(`tributary-golden:${name}`).digest().subarray(0, 16);
}

export class CaptureProxy extends EventEmitter {
  // extraApis: {apiKey: [min, max]} advertised on top of the mock's ranges (for a client whose
  // minimum versions exceed the mock's); requests above the mock's range are recorded, then the
  // connection is closed.
  constructor({ upstreamHost, upstreamPort, host = '127.0.0.1', port = 0, extraApis = {}, log = () => {} }) {
    super();
    this.extraApis = extraApis;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.host = host;
    this.port = port;
    this.log = log;
    this.scenario = 'startup';
    this.events = [];
    this.connections = new Set();
    this.groupsSeen = new Set();
    this.connectionSeq = 0;
  }

  async start() {
    this.control = new ControlConnection(this.upstreamHost, this.upstreamPort);
    await this.control.connect();
    this.mockApis = await this.control.apiVersions();
    const md = await this.control.metadata(null);
    this.brokerIds = md.brokers.map((b) => b.nodeId);
    if (this.brokerIds.length !== 1) throw new Error('the capture proxy needs a one-broker mock cluster');
    this.advertised = { ...this.mockApis, ...UNSERVED_APIS, ...this.extraApis, ...PROXY_APIS };
    this.server = net.createServer((s) => this.onClient(s));
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, resolve);
    });
    this.port = this.server.address().port;
    return `${this.host}:${this.port}`;
  }

  async stop() {
    for (const c of this.connections) {
      c.socket.destroy();
      c.upstream?.destroy();
    }
    this.control.close();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }

  onClient(socket) {
    const conn = { id: ++this.connectionSeq, socket, upstream: null, slots: [], awaiting: [], closed: false };
    this.connections.add(conn);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => {
      conn.closed = true;
      conn.upstream?.destroy();
      this.connections.delete(conn);
    });
    framer(socket, (frame) => this.onRequest(conn, frame));
  }

  onRequest(conn, frame) {
    let hdr;
    try {
      hdr = parseRequestHeader(frame);
    } catch (e) {
      this.log(`conn ${conn.id}: unparsable request header: ${e.message}`);
      conn.socket.destroy();
      return;
    }
    const ev = {
      index: this.events.length,
      scenario: this.scenario,
      connection: conn.id,
      apiKey: hdr.apiKey,
      apiVersion: hdr.apiVersion,
      correlationId: hdr.correlationId,
      clientId: hdr.clientId,
      flexible: hdr.flexible,
      request: frame,
      response: null,
      responseFrom: null,
    };
    this.events.push(ev);
    const slot = { ev, done: false, data: null, close: false };
    conn.slots.push(slot);
    const finish = (body, from) => {
      if (body) {
        ev.response = body;
        ev.responseFrom = from;
        slot.data = withPrefix(body);
      }
      slot.done = true;
      this.flush(conn);
    };
    const fail = (why) => {
      this.log(`conn ${conn.id}: ${why}`);
      ev.responseFrom = `closed: ${why}`;
      slot.close = true;
      slot.done = true;
      this.flush(conn);
    };

    try {
      switch (hdr.apiKey) {
        case 18:
          finish(this.answerApiVersions(hdr), 'proxy');
          return;
        case 3:
          this.answerMetadata(frame, hdr).then((b) => finish(b, 'proxy'), (e) => fail(`metadata: ${e.message}`));
          return;
        case 10:
          finish(this.answerFindCoordinator(frame, hdr), 'proxy');
          return;
        case 16:
          finish(this.answerListGroups(hdr), 'proxy');
          return;
        case 11:
          this.groupsSeen.add(new Reader(frame, hdr.bodyOffset).string(hdr.flexible));
          break;
        default:
          break;
      }
    } catch (e) {
      fail(`cannot answer ${hdr.apiKey} v${hdr.apiVersion}: ${e.message}`);
      return;
    }

    const range = this.mockApis[hdr.apiKey];
    if (!range || hdr.apiVersion < range[0] || hdr.apiVersion > range[1]) {
      fail(`api ${hdr.apiKey} v${hdr.apiVersion} not served by the mock`);
      return;
    }
    this.forward(conn, frame, slot, finish, fail, hdr);
  }

  forward(conn, frame, slot, finish, fail, hdr) {
    if (!conn.upstream) {
      const up = net.connect(this.upstreamPort, this.upstreamHost);
      up.setNoDelay(true);
      up.on('error', () => {});
      up.on('close', () => {
        if (!conn.closed) conn.socket.destroy();
      });
      framer(up, (resp) => {
        const w = conn.awaiting.shift();
        if (!w) {
          this.log(`conn ${conn.id}: unexpected response from mock`);
          return;
        }
        const corr = resp.readInt32BE(0);
        if (corr !== w.ev.correlationId) {
          w.fail(`mock answered correlation id ${corr}, expected ${w.ev.correlationId}`);
          return;
        }
        w.finish(resp, 'broker');
      });
      conn.upstream = up;
    }
    // Produce with acks=0 gets no response.
    const noResponse = hdr.apiKey === 0 && produceAcks(frame, hdr) === 0;
    const sent = idempotentInitForMock(frame, hdr);
    if (sent !== frame) slot.ev.rewrittenForMock = 'producer_id/producer_epoch set to -1';
    conn.upstream.write(withPrefix(sent));
    if (noResponse) finish(null, null);
    else conn.awaiting.push({ ev: slot.ev, finish, fail });
  }

  flush(conn) {
    while (conn.slots.length > 0 && conn.slots[0].done) {
      const s = conn.slots.shift();
      if (s.close) {
        conn.socket.destroy();
        conn.upstream?.destroy();
        conn.slots.length = 0;
        return;
      }
      if (s.data && !conn.closed) conn.socket.write(s.data);
    }
  }

  answerApiVersions(hdr) {
    const [, max] = PROXY_APIS[18];
    const keys = Object.keys(this.advertised).map(Number).sort((a, b) => a - b);
    const v = hdr.apiVersion;
    const w = new Writer().i32(hdr.correlationId); // response header v0, always
    if (v > max) {
      // unsupported version: v0 body with UNSUPPORTED_VERSION, as Kafka does
      w.i16(35).array(keys, (w, k) => w.i16(k).i16(this.advertised[k][0]).i16(this.advertised[k][1]));
      return w.buffer();
    }
    const flexible = isFlexible(18, v);
    w.i16(0);
    w.arr(flexible, keys, (w, k) => {
      w.i16(k).i16(this.advertised[k][0]).i16(this.advertised[k][1]);
      if (flexible) w.tags();
    });
    if (v >= 1) w.i32(0); // throttle time
    if (flexible) w.tags();
    return w.buffer();
  }

  async answerMetadata(frame, hdr) {
    const v = hdr.apiVersion;
    const f = hdr.flexible;
    const r = new Reader(frame, hdr.bodyOffset);
    let topics;
    if (v >= 10) {
      topics = r.carray((r) => {
        r.uuid();
        const name = r.cstr();
        r.tags();
        return name;
      });
      if (topics) topics = topics.filter((t) => t !== null);
    } else {
      topics = r.arr(f, (r) => r.string(f));
    }
    if (v === 0 && topics && topics.length === 0) topics = null; // v0: empty = all topics
    const md = await this.control.metadata(topics);
    const controllerId = md.brokers.some((b) => b.nodeId === md.controllerId) ? md.controllerId : md.brokers[0].nodeId;

    const w = new Writer().i32(hdr.correlationId);
    if (f) w.tags();
    if (v >= 3) w.i32(0); // throttle time
    w.arr(f, md.brokers, (w, b) => {
      w.i32(b.nodeId).string(f, this.host).i32(this.port);
      if (v >= 1) w.string(f, b.rack);
      if (f) w.tags();
    });
    if (v >= 2) w.string(f, md.clusterId);
    if (v >= 1) w.i32(controllerId);
    w.arr(f, md.topics, (w, t) => {
      w.i16(t.errorCode).string(f, t.name);
      if (v >= 10) w.raw(topicIdFor(t.name));
      if (v >= 1) w.i8(t.isInternal ? 1 : 0);
      w.arr(f, t.partitions, (w, p) => {
        w.i16(p.errorCode).i32(p.index).i32(p.leader);
        if (v >= 7) w.i32(0); // leader epoch
        w.arr(f, p.replicas, (w, n) => w.i32(n));
        w.arr(f, p.isr, (w, n) => w.i32(n));
        if (v >= 5) w.arr(f, [], () => {}); // offline replicas
        if (f) w.tags();
      });
      if (v >= 8) w.i32(UNKNOWN_AUTHORIZED_OPERATIONS);
      if (f) w.tags();
    });
    if (v >= 8 && v <= 10) w.i32(UNKNOWN_AUTHORIZED_OPERATIONS);
    if (f) w.tags();
    return w.buffer();
  }

  answerListGroups(hdr) {
    const v = hdr.apiVersion;
    const f = hdr.flexible;
    const w = new Writer().i32(hdr.correlationId);
    if (f) w.tags();
    if (v >= 1) w.i32(0); // throttle time
    w.i16(0);
    w.arr(f, [...this.groupsSeen], (w, g) => {
      w.string(f, g).string(f, 'consumer');
      if (v >= 4) w.string(f, 'Stable');
      if (v >= 5) w.string(f, 'classic');
      if (f) w.tags();
    });
    if (f) w.tags();
    return w.buffer();
  }

  answerFindCoordinator(frame, hdr) {
    const v = hdr.apiVersion;
    const f = hdr.flexible;
    const r = new Reader(frame, hdr.bodyOffset);
    const nodeId = this.brokerIds[0];
    const w = new Writer().i32(hdr.correlationId);
    if (f) w.tags();
    if (v >= 4) {
      r.i8(); // key type
      const keys = r.carray((r) => r.cstr()) ?? [];
      w.i32(0);
      w.carray(keys, (w, k) => w.cstr(k).i32(nodeId).cstr(this.host).i32(this.port).i16(0).cstr(null).tags());
      w.tags();
      return w.buffer();
    }
    if (v >= 1) w.i32(0).i16(0).string(f, null);
    else w.i16(0);
    w.i32(nodeId).string(f, this.host).i32(this.port);
    if (f) w.tags();
    return w.buffer();
  }
}

// InitProducerId v3+ without a transactional id but with a producer id/epoch (as
// @platformatic/kafka sends, 0/0): Kafka ignores both for a non-transactional producer and hands out
// a new producer id; the mock answers UNKNOWN_PRODUCER_ID instead. The copy sent to the mock gets
// -1/-1; the recorded request stays as the client sent it.
function idempotentInitForMock(frame, hdr) {
  if (hdr.apiKey !== 22 || hdr.apiVersion < 3) return frame;
  const r = new Reader(frame, hdr.bodyOffset);
  if (r.string(hdr.flexible) !== null) return frame;
  r.i32(); // transaction timeout
  const at = r.pos;
  if (frame.readBigInt64BE(at) === -1n) return frame;
  const copy = Buffer.from(frame);
  copy.writeBigInt64BE(-1n, at);
  copy.writeInt16BE(-1, at + 8);
  return copy;
}

// acks of a Produce request (reads just far enough)
export function produceAcks(frame, hdr) {
  const r = new Reader(frame, hdr.bodyOffset);
  if (hdr.apiVersion >= 3) r.string(hdr.flexible);
  return r.i16();
}

export { responseHeaderFlexible };
