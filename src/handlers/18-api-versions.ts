/**
 * ApiVersions (key 18), v0-v4. Lists every API this broker serves with the versions it serves,
 * exactly as the handler table says. A request for a version we do not have is answered by the
 * dispatcher with a v0 response carrying UNSUPPORTED_VERSION and the same list (KIP-511), so a
 * newer client can retry with a version we speak.
 * Quirk kept from Kafka: v3+ requests whose client software name or version contain characters
 * outside [a-zA-Z0-9.-] get INVALID_REQUEST.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ApiVersionsRequest } from '../protocol/generated/messages/ApiVersionsRequest.js';
import type { ApiVersionsResponse } from '../protocol/generated/messages/ApiVersionsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import type { Handler } from './types.js';

const SOFTWARE_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** The advertised list, filled in by the handler table (which knows every handler). */
export const advertisedApis: { apiKey: number; minVersion: number; maxVersion: number }[] = [];

export function apiVersionsBody(errorCode: number): Input<ApiVersionsResponse> {
  return { errorCode, apiKeys: advertisedApis, throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
}

export const apiVersionsHandler: Handler<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  async handle(_services, request, info) {
    if (info.version >= 3 && (!SOFTWARE_NAME.test(request.clientSoftwareName) || !SOFTWARE_NAME.test(request.clientSoftwareVersion))) {
      return apiVersionsBody(ErrorCode.INVALID_REQUEST);
    }
    return apiVersionsBody(ErrorCode.NONE);
  },
};
