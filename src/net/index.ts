import type { Config } from "../config.ts";
import type { HttpClientOptions } from "./client.ts";

export { isGlobalAddress } from "./address.ts";
export { capResponse, cappedFetch, readBodyCapped } from "./body.ts";
export { createHttpClient, type HttpClient, type HttpClientOptions, type HttpTimeouts, installGlobally } from "./client.ts";
export { explain, findCause, formatBytes, PrivateAddressError, RequestTimeoutError, ResponseTooLargeError } from "./errors.ts";
export { type Resolver, systemResolver } from "./guard.ts";

/** No response body, whoever reads it, is taken beyond this (Fedify reads JSON documents whole). */
const RESPONSE_CEILING = 10 * 1024 * 1024;

/** The shared client's settings: ALLOW_PRIVATE_ADDRESS, the HTTP_* timeouts, and a ceiling on bodies. */
export function httpClientOptions(config: Config): HttpClientOptions {
  return {
    allowPrivate: config.allowPrivateAddress,
    ...config.http,
    maxResponseBytes: Math.max(RESPONSE_CEILING, config.generation.media.maxBytes),
  };
}
