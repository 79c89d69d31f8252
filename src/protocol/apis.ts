/**
 * Lookups over the generated registry, and the header versions each request and response uses:
 * request header v2 and response header v1 for flexible versions, v1/v0 otherwise, with Kafka's
 * two exceptions (ControlledShutdown v0 uses request header v0; ApiVersions responses always
 * use response header v0 so a client can read them before it knows what the broker supports).
 */
import { API_DEFINITIONS, ApiKey } from './generated/registry.js';
import type { ApiDefinition } from './registry-types.js';

const byKey: (ApiDefinition | undefined)[] = [];
for (const api of API_DEFINITIONS) byKey[api.apiKey] = api;

export function apiDefinition(apiKey: number): ApiDefinition | undefined {
  return byKey[apiKey];
}

export function isSupportedVersion(api: ApiDefinition, version: number): boolean {
  return version >= api.minVersion && version <= api.maxVersion;
}

export function isFlexibleVersion(api: ApiDefinition, version: number): boolean {
  return api.flexibleMinVersion >= 0 && version >= api.flexibleMinVersion;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  const api = byKey[apiKey];
  return api !== undefined && isFlexibleVersion(api, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const api = byKey[apiKey];
  return api !== undefined && isFlexibleVersion(api, apiVersion) ? 1 : 0;
}
