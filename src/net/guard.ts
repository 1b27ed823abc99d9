import dns from "node:dns";
import { isIP } from "node:net";
import { buildConnector } from "undici";
import { isGlobalAddress } from "./address.ts";
import { PrivateAddressError } from "./errors.ts";

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (dns.lookup by default; tests map made-up names). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** dns.lookup with all addresses, looked up on the module at call time (so test hooks that patch it apply). */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dns.lookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

export interface GuardOptions {
  /** Connect to any address (tests, local development). */
  allowPrivate: boolean;
  /** For the TCP (and TLS) connection, DNS lookup included. */
  connectTimeoutMs: number;
  /**
   * Origins the operator configured (say, an OpenAI-compatible server on
   * the same machine): connections to exactly these may reach private
   * addresses. Redirects elsewhere are checked as usual.
   */
  trustedOrigins?: readonly (string | URL)[];
  resolver?: Resolver;
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };
const originKey = (protocol: string, hostname: string, port: string | undefined) =>
  `${protocol}//${hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase()}:${port || DEFAULT_PORT[protocol] || ""}`;

type LookupCallback = (error: Error | null, address?: string | ResolvedAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that resolves through `resolve` and, when
 * `check` is on, fails with a PrivateAddressError if any address the name
 * has is non-global (so a name cannot mix a public address with an internal
 * one).
 */
export function guardedLookup(resolve: Resolver, check: boolean) {
  return (hostname: string, opts: dns.LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (found) => {
        const refused = check ? found.find((a) => !isGlobalAddress(a.address)) : undefined;
        if (refused) return callback(new PrivateAddressError(hostname, refused.address));
        const addresses = opts.family === 4 || opts.family === 6 ? found.filter((a) => a.family === opts.family) : found;
        if (addresses.length === 0) {
          return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }));
        }
        if (opts.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error) => callback(error),
    );
  };
}

/**
 * An undici connector that refuses non-global addresses after DNS
 * resolution: every connection is checked, so every redirect hop and every
 * request made through the dispatcher (Fedify's included) is. IP literals,
 * which net.connect never looks up, are checked as they are.
 */
export function guardedConnector(options: GuardOptions): buildConnector.connector {
  const resolve = options.resolver ?? systemResolver;
  const trusted = new Set((options.trustedOrigins ?? []).map((o) => new URL(o)).map((u) => originKey(u.protocol, u.hostname, u.port)));
  const common = { timeout: options.connectTimeoutMs, allowH2: false };
  const checked = buildConnector({ ...common, lookup: guardedLookup(resolve, !options.allowPrivate) } as buildConnector.BuildOptions);
  const unchecked = options.allowPrivate ? checked : buildConnector({ ...common, lookup: guardedLookup(resolve, false) } as buildConnector.BuildOptions);

  return (opts, callback) => {
    if (trusted.size && trusted.has(originKey(opts.protocol, opts.hostname, opts.port))) return unchecked(opts, callback);
    if (!options.allowPrivate && isIP(opts.hostname) && !isGlobalAddress(opts.hostname)) {
      const error = new PrivateAddressError(opts.hostname, opts.hostname);
      queueMicrotask(() => callback(error, null));
      return;
    }
    return checked(opts, callback);
  };
}
