import { Agent, type Dispatcher, Dispatcher1Wrapper, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { RequestTimeoutError } from "./errors.ts";
import { type GuardOptions, guardedConnector } from "./guard.ts";

export interface HttpTimeouts {
  /** TCP and TLS connection, DNS lookup included. */
  connectTimeoutMs: number;
  /** From sending the request until the response headers have arrived. */
  headersTimeoutMs: number;
  /** Between two chunks of the response body. */
  bodyTimeoutMs: number;
  /** For the whole exchange, body included, per request (each redirect hop is one). */
  totalTimeoutMs: number;
}

export interface HttpClientOptions extends HttpTimeouts {
  /** Whether connections to private, loopback, link-local and other non-global addresses are allowed. */
  allowPrivate: boolean;
  /** A ceiling on any response body, in bytes (callers that read bodies cap them lower, see body.ts). */
  maxResponseBytes?: number;
  trustedOrigins?: GuardOptions["trustedOrigins"];
  resolver?: GuardOptions["resolver"];
}

/**
 * Pictor's one way out to the network. Its dispatcher refuses non-global
 * addresses after DNS resolution on every connection (so after every
 * redirect), and times out connecting, waiting for headers, between body
 * chunks, and for the whole exchange. Installed as the process's global
 * dispatcher (see installGlobally) it also carries Fedify's lookups and
 * deliveries, which call the global fetch.
 */
export interface HttpClient {
  readonly options: Readonly<HttpClientOptions>;
  /** The global fetch, through this client's dispatcher. */
  readonly fetch: typeof fetch;
  /** The undici (npm) dispatcher. */
  readonly dispatcher: Dispatcher;
  /** Closes its connections, failing requests still in flight (shutdown does not wait on slow servers). */
  close(): Promise<void>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const agent = new Agent({
    connect: guardedConnector({
      allowPrivate: options.allowPrivate,
      connectTimeoutMs: options.connectTimeoutMs,
      trustedOrigins: options.trustedOrigins,
      resolver: options.resolver,
    }),
    allowH2: false,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    ...(options.maxResponseBytes ? { maxResponseSize: options.maxResponseBytes } : {}),
  });
  const dispatcher = agent.compose(totalTimeout(options.totalTimeoutMs));
  // Node's built-in fetch speaks the undici 7 handler API; the wrapper adapts it (as setGlobalDispatcher does).
  const forBuiltinFetch = new Dispatcher1Wrapper(dispatcher);
  const boundFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    globalThis.fetch(input, { ...init, dispatcher: forBuiltinFetch } as RequestInit)) as typeof fetch;
  return {
    options,
    fetch: boundFetch,
    dispatcher,
    close: () => agent.destroy(),
  };
}

/**
 * Makes the client the process's global dispatcher, which Node's built-in
 * fetch uses (undici's setGlobalDispatcher also sets the symbol Node's
 * bundled undici reads; test/net/client.test.ts checks it), so Fedify's
 * fetches and deliveries go through it. A process runs one Pictor, so this
 * happens once; tests that build several get the last one. Returns a
 * function that puts the previous dispatcher back if this one is still
 * installed, and says whether it did.
 */
export function installGlobally(client: HttpClient): () => boolean {
  const previous = getGlobalDispatcher();
  setGlobalDispatcher(client.dispatcher);
  return () => {
    if (getGlobalDispatcher() !== client.dispatcher) return false;
    setGlobalDispatcher(previous);
    return true;
  };
}

/**
 * An interceptor that aborts a request once `ms` have passed since it was
 * dispatched, whatever stage it is in (undici's own timeouts measure the wait
 * for headers and the gaps between body chunks, not a slow trickle).
 */
function totalTimeout(ms: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    let controller: Dispatcher.DispatchController | undefined;
    let expired: RequestTimeoutError | undefined;
    const timer = setTimeout(() => {
      expired = new RequestTimeoutError(ms);
      controller?.abort(expired);
    }, ms);
    timer.unref();
    const done = () => clearTimeout(timer);
    return dispatch(opts, {
      onRequestStart(c, context) {
        controller = c;
        handler.onRequestStart?.(c, context);
        if (expired && !c.aborted) c.abort(expired);
      },
      onRequestUpgrade(c, statusCode, headers, socket) {
        done();
        handler.onRequestUpgrade?.(c, statusCode, headers, socket);
      },
      onResponseStart(c, statusCode, headers, statusMessage) {
        handler.onResponseStart?.(c, statusCode, headers, statusMessage);
      },
      onResponseData(c, chunk) {
        handler.onResponseData?.(c, chunk);
      },
      onResponseEnd(c, trailers) {
        done();
        handler.onResponseEnd?.(c, trailers);
      },
      onResponseError(c, error) {
        done();
        handler.onResponseError?.(c, error);
      },
      onResponseStarted: handler.onResponseStarted?.bind(handler),
      onBodySent: handler.onBodySent?.bind(handler),
      onRequestSent: handler.onRequestSent?.bind(handler),
    });
  };
}
