/** Connections: pipelined requests answered in order, backpressure, bad frames, idle timeout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SocketServer } from '../../src/network/socket-server.js';
import type { RequestHandler } from '../../src/network/connection.js';
import { FrameDecoder } from '../../src/network/frame-decoder.js';

function frame(payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}

async function client(port: number): Promise<{ socket: Socket; frames: Buffer[]; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const frames: Buffer[] = [];
  const d = new FrameDecoder(1 << 30);
  socket.on('data', (c: Buffer) => frames.push(...d.push(c)));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  return { socket, frames, closed };
}

const logs: string[] = [];
const options = (over: Partial<Parameters<typeof SocketServer.listen>[1]> = {}) => ({
  host: '127.0.0.1',
  port: 0,
  maxFrameBytes: 1024 * 1024,
  maxInFlight: 8,
  idleTimeoutMs: 60_000,
  log: (_level: string, m: string) => logs.push(m),
  ...over,
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await sleep(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('pipelined requests finishing out of order are answered in order', async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  const handler: RequestHandler = async (payload) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    const n = payload.readInt32BE(0);
    await sleep((n * 7) % 13);
    concurrent--;
    return frame(payload);
  };
  const server = await SocketServer.listen(handler, options({ maxInFlight: 4 }));
  const c = await client(server.port);
  const sent = Array.from({ length: 50 }, (_, i) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(i, 0);
    return b;
  });
  c.socket.write(Buffer.concat(sent.map(frame)));
  await until(() => c.frames.length === 50, '50 responses');
  assert.deepEqual(c.frames.map((f) => f.readInt32BE(0)), sent.map((_, i) => i));
  assert.ok(maxConcurrent > 1 && maxConcurrent <= 4, `max concurrent ${maxConcurrent}`);
  c.socket.destroy();
  await server.close();
});

test('a client that does not read gets its requests paused, not buffered without bound', async () => {
  let handled = 0;
  const big = Buffer.alloc(1024 * 1024, 7);
  const server = await SocketServer.listen(async () => {
    handled++;
    return [Buffer.from([0, 0x10, 0, 0]), big];
  }, options({ maxInFlight: 2 }));
  const c = await client(server.port);
  c.socket.pause(); // never read responses
  const req = frame(Buffer.from('x'));
  for (let i = 0; i < 200; i++) c.socket.write(req);
  await sleep(300);
  assert.ok(handled < 100, `handled ${handled} requests while the client read nothing`);
  c.socket.destroy();
  await server.close();
});

test('responses in several buffers arrive whole and in order, pipelined, with a client that stops reading', async () => {
  const FILL = 200 * 1024;
  let handled = 0;
  const handler: RequestHandler = async (payload) => {
    handled++;
    const id = payload.readInt32BE(0);
    await sleep((id * 7) % 11);
    // One frame as three chunks: size and id, a large body of its own, the id again.
    const head = Buffer.alloc(8);
    head.writeInt32BE(4 + FILL + 4, 0);
    head.writeInt32BE(id, 4);
    const tail = Buffer.alloc(4);
    tail.writeInt32BE(id, 0);
    return [head, Buffer.alloc(FILL, id & 0xff), tail];
  };
  const server = await SocketServer.listen(handler, options({ maxInFlight: 4 }));
  const c = await client(server.port);
  try {
    c.socket.pause();
    const count = 80;
    for (let i = 0; i < count; i++) {
      const b = Buffer.alloc(4);
      b.writeInt32BE(i, 0);
      c.socket.write(frame(b));
    }
    await sleep(300);
    // The responses in flight fill the write buffer, so the broker stops taking requests.
    assert.ok(handled < count / 2, `handled ${handled} of ${count} requests while the client read nothing`);
    c.socket.resume();
    await until(() => c.frames.length === count, `${count} responses`);
    assert.equal(handled, count);
    c.frames.forEach((f, i) => {
      assert.equal(f.length, 4 + FILL + 4, `response ${i} size`);
      assert.equal(f.readInt32BE(0), i, `response ${i} first id`);
      assert.equal(f.readInt32BE(4 + FILL), i, `response ${i} last id`);
      assert.ok(f.subarray(4, 4 + FILL).every((x) => x === (i & 0xff)), `response ${i} body`);
    });
  } finally {
    c.socket.destroy();
    await server.close();
  }
});

test('a malformed frame closes that connection only, with a logged reason', async () => {
  const server = await SocketServer.listen(async (p) => frame(p), options({ maxFrameBytes: 100 }));
  const bad = await client(server.port);
  const good = await client(server.port);
  bad.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
  await bad.closed;
  assert.ok(logs.some((l) => l.includes('malformed frame') && l.includes('socket.request.max.bytes')));
  good.socket.write(frame(Buffer.from('still here')));
  await until(() => good.frames.length === 1, 'the other client answered');
  assert.equal(good.frames[0]!.toString(), 'still here');
  good.socket.destroy();
  await server.close();
});

test('a handler failure closes the connection; idle connections close after the timeout', async () => {
  const server = await SocketServer.listen(async (p) => {
    if (p.toString() === 'boom') throw new Error('cannot decode');
    return frame(p);
  }, options({ idleTimeoutMs: 50 }));
  const c = await client(server.port);
  c.socket.write(frame(Buffer.from('boom')));
  await c.closed;
  assert.ok(logs.some((l) => l.includes('cannot decode')));
  const idle = await client(server.port);
  await idle.closed;
  assert.ok(logs.some((l) => l.includes('connections.max.idle.ms')));
  await server.close();
});

test('close answers requests in flight before closing', async () => {
  const server = await SocketServer.listen(async (p) => {
    await sleep(50);
    return frame(p);
  }, options());
  const c = await client(server.port);
  c.socket.write(frame(Buffer.from('last words')));
  await sleep(10);
  await server.close();
  await c.closed;
  assert.equal(c.frames[0]?.toString(), 'last words');
});
