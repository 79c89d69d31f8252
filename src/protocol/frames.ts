/**
 * Whole request and response frames: the 4-byte size, the header and the body, encoded into
 * one buffer allocated at its exact size (or, for large responses, chunks around record bytes
 * that are sent without being copied), and decoded without copying (`bytes` and `records`
 * fields stay views of the frame).
 */
import { apiDefinition, isSupportedVersion, requestHeaderVersion, responseHeaderVersion } from './apis.js';
import { DecodeError } from './primitives/decode-error.js';
import { Reader } from './primitives/reader.js';
import { measureWithSplices, Writer } from './primitives/writer.js';
import { EncodeError, type Input } from './primitives/types.js';
import type { ApiDefinition } from './registry-types.js';
import { readRequestHeader, sizeRequestHeader, writeRequestHeader, type RequestHeader } from './generated/messages/RequestHeader.js';
import { readResponseHeader, sizeResponseHeader, writeResponseHeader } from './generated/messages/ResponseHeader.js';

export interface DecodedRequest<T = unknown> {
  header: RequestHeader;
  api: ApiDefinition;
  body: T;
  /**
   * Bytes left after the body. Kafka ignores them, and real clients send some (e.g.
   * @platformatic/kafka 1.35 writes a field into Metadata v11 that v11 dropped), so they are
   * tolerated here and reported for logging.
   */
  trailingBytes: number;
}

/**
 * A well-formed header naming an API or version this codec does not have. The network layer
 * answers it (UNSUPPORTED_VERSION, or ApiVersions' KIP-511 fallback) instead of dropping the
 * connection, so it is not a DecodeError.
 */
export class UnsupportedRequestError extends Error {
  override readonly name = 'UnsupportedRequestError';
  constructor(
    readonly apiKey: number,
    readonly apiVersion: number,
    readonly correlationId: number,
    readonly clientId: string | null,
  ) {
    super(`unsupported request: api key ${apiKey} version ${apiVersion}`);
  }
}

/** Reads api key, version and correlation id, which every request header version starts with. */
export function peekRequestHeader(payload: Buffer): { apiKey: number; apiVersion: number; correlationId: number } {
  if (payload.length < 8) throw new DecodeError(`request of ${payload.length} bytes is shorter than a header`, 0);
  return { apiKey: payload.readInt16BE(0), apiVersion: payload.readInt16BE(2), correlationId: payload.readInt32BE(4) };
}

/**
 * Decodes one request payload (the frame without its 4-byte size). Throws DecodeError for
 * malformed bytes and UnsupportedRequestError for an unknown API or version.
 */
export function decodeRequest(payload: Buffer): DecodedRequest {
  const { apiKey, apiVersion, correlationId } = peekRequestHeader(payload);
  const api = apiDefinition(apiKey);
  const r = new Reader(payload);
  if (api === undefined || !isSupportedVersion(api, apiVersion)) {
    // Header v1 is a prefix of v2, so the client id can be read whatever the version.
    let clientId: string | null = null;
    if (payload.length >= 10) {
      r.pos = 8;
      clientId = r.nullableString();
    }
    throw new UnsupportedRequestError(apiKey, apiVersion, correlationId, clientId);
  }
  const header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
  const body: unknown = api.request.read(r, apiVersion);
  return { header, api, body, trailingBytes: r.remaining };
}

/** Encodes a request frame (size, header, body). The header's api key and version pick the codec. */
export function encodeRequest(header: Input<RequestHeader>, body: unknown): Buffer {
  const apiKey = header.requestApiKey ?? 0;
  const version = header.requestApiVersion ?? 0;
  const api = apiDefinition(apiKey);
  if (api === undefined || !isSupportedVersion(api, version)) {
    throw new EncodeError(`no codec for api key ${apiKey} version ${version}`);
  }
  const headerVersion = requestHeaderVersion(apiKey, version);
  const size = sizeRequestHeader(header, headerVersion) + api.request.size(body, version);
  const w = new Writer(Buffer.allocUnsafe(4 + size));
  w.int32(size);
  writeRequestHeader(w, header, headerVersion);
  api.request.write(w, body, version);
  return w.finish();
}

/** Encodes a response frame (size, header, body) for the request it answers. */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer {
  const frame = encodeResponseChunks(apiKey, apiVersion, correlationId, body, Infinity);
  if (!Buffer.isBuffer(frame)) throw new EncodeError('a response encoded without splicing came out in chunks');
  return frame;
}

/**
 * Encodes a response frame like encodeResponse, except that bytes/records values of at least
 * `spliceAtLeast` bytes are not copied: the frame is then the chunks to write in order (its size
 * prefix counts them all). The spliced Buffers must stay unchanged until written.
 */
export function encodeResponseChunks(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: unknown,
  spliceAtLeast: number,
): Buffer | Buffer[] {
  const api = apiDefinition(apiKey);
  if (api === undefined || !isSupportedVersion(api, apiVersion)) {
    throw new EncodeError(`no codec for api key ${apiKey} version ${apiVersion}`);
  }
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const header = { correlationId };
  const size = () => sizeResponseHeader(header, headerVersion) + api.response.size(body, apiVersion);
  const { total, spliced } = spliceAtLeast === Infinity ? { total: size(), spliced: 0 } : measureWithSplices(spliceAtLeast, size);
  const w = new Writer(Buffer.allocUnsafe(4 + total - spliced), 0, spliceAtLeast);
  w.int32(total);
  writeResponseHeader(w, header, headerVersion);
  api.response.write(w, body, apiVersion);
  return w.finishChunks();
}

/** Decodes a response payload (without its 4-byte size) to the request it answers. */
export function decodeResponse<T = unknown>(
  payload: Buffer,
  apiKey: number,
  apiVersion: number,
): { correlationId: number; body: T } {
  const api = apiDefinition(apiKey);
  if (api === undefined || !isSupportedVersion(api, apiVersion)) {
    throw new DecodeError(`no codec for api key ${apiKey} version ${apiVersion}`, 0);
  }
  const r = new Reader(payload);
  const header = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  const body = api.response.read(r, apiVersion) as T;
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes left after ${api.name} response v${apiVersion}`);
  return { correlationId: header.correlationId, body };
}
