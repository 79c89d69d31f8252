/**
 * From request bytes to response bytes: decode with the generated codecs, route by API key to
 * the handler, encode its answer (Fetch's large record sets as chunks of their own, not copied). Malformed bytes close the connection (thrown to the network
 * layer, which logs why). An API or version we do not serve: ApiVersions gets Kafka's KIP-511
 * answer (a v0 response with UNSUPPORTED_VERSION and our ranges); anything else closes the
 * connection, logged, as Kafka does.
 */
import { decodeRequest, encodeResponse, encodeResponseChunks, peekRequestHeader, UnsupportedRequestError } from '../protocol/frames.js';
import { apiDefinition } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { RequestHandler, Response } from '../network/connection.js';
import { advertisedApis, apiVersionsBody } from './18-api-versions.js';
import type { BrokerServices, Handler } from './types.js';

const API_VERSIONS = 18;
const FETCH = 1;
/**
 * Fetch responses send record sets of at least this size as their own buffers instead of
 * copying them into the frame. Only Fetch: its records are fresh reads from the log that
 * nothing changes afterwards, which splicing needs, and they are what makes responses large.
 */
export const FETCH_SPLICE_AT_LEAST = 64 * 1024;

export function createDispatcher(services: BrokerServices, handlers: readonly Handler[]): RequestHandler {
  const table = new Map<number, Handler>();
  for (const h of handlers) {
    const api = apiDefinition(h.apiKey);
    if (!api || h.minVersion < api.minVersion || h.maxVersion > api.maxVersion) throw new Error(`handler for api ${h.apiKey} serves versions the codec lacks`);
    table.set(h.apiKey, h);
  }
  advertisedApis.length = 0;
  for (const h of [...table.values()].sort((a, b) => a.apiKey - b.apiKey)) {
    advertisedApis.push({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion });
  }

  return async (payload, ctx): Promise<Response> => {
    let decoded;
    try {
      decoded = decodeRequest(payload);
    } catch (e) {
      if (!(e instanceof UnsupportedRequestError)) throw e;
      if (e.apiKey === API_VERSIONS) return encodeResponse(API_VERSIONS, 0, e.correlationId, apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION));
      throw new Error(`unsupported request: api key ${e.apiKey} version ${e.apiVersion} from client ${JSON.stringify(e.clientId)}`);
    }
    const { header, api, body } = decoded;
    const version = header.requestApiVersion;
    const handler = table.get(api.apiKey);
    if (!handler || version < handler.minVersion || version > handler.maxVersion) {
      if (api.apiKey === API_VERSIONS) return encodeResponse(API_VERSIONS, 0, header.correlationId, apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION));
      throw new Error(`unsupported request: ${api.name} v${version} from client ${JSON.stringify(header.clientId)}`);
    }
    if (decoded.trailingBytes > 0) {
      services.log.info(`${api.name} v${version} from ${JSON.stringify(header.clientId)} had ${decoded.trailingBytes} trailing bytes, ignored as Kafka does`);
    }
    const response = await handler.handle(services, body, { header, version, ctx });
    if (response === null) return null;
    if (api.apiKey === FETCH) return encodeResponseChunks(FETCH, version, header.correlationId, response, FETCH_SPLICE_AT_LEAST);
    return encodeResponse(api.apiKey, version, header.correlationId, response);
  };
}

/** For logs: the API of a payload, without decoding it. */
export function describePayload(payload: Buffer): string {
  try {
    const h = peekRequestHeader(payload);
    return `${apiDefinition(h.apiKey)?.name ?? `api ${h.apiKey}`} v${h.apiVersion}`;
  } catch {
    return `${payload.length} bytes`;
  }
}
