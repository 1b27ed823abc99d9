/**
 * For TRUST_PROXY: rebuilds each request with the URL the client used
 * (X-Forwarded-Proto and X-Forwarded-Host), as x-forwarded-fetch does, but
 * without reading the body first (it streams on, so the body limits still see
 * it arrive and refuse it early) and passing the server's bindings along (the
 * socket, for the client's address). Only for use behind a proxy that sets
 * these headers itself.
 */
export function behindProxy<E extends unknown[]>(fetch: (request: Request, ...rest: E) => Response | Promise<Response>) {
  return (request: Request, ...rest: E): Response | Promise<Response> => fetch(forwardedRequest(request), ...rest);
}

/** What X-Forwarded-Proto and X-Forwarded-Host say (their first values; the scheme lower-cased, not yet checked). */
export function forwardedBy(header: (name: string) => string | null | undefined): { proto?: string; host?: string } {
  return {
    proto: header("X-Forwarded-Proto")?.split(",")[0].trim().toLowerCase(),
    host: header("X-Forwarded-Host")?.split(",")[0].trim(),
  };
}

export function forwardedRequest(request: Request): Request {
  const { proto, host } = forwardedBy((name) => request.headers.get(name));
  if (!proto && !host) return request;
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  if (proto === "http" || proto === "https") url.protocol = `${proto}:`;
  headers.delete("X-Forwarded-Proto");
  if (host) {
    try {
      const parsed = new URL(`${url.protocol}//${host}`);
      url.host = parsed.host;
      url.port = parsed.port;
      headers.set("Host", parsed.host);
    } catch {
      // A malformed host is ignored: the request keeps the URL it came with.
    }
    headers.delete("X-Forwarded-Host");
  }
  const hasBody = request.body !== null && request.method !== "GET" && request.method !== "HEAD";
  return new Request(url, {
    method: request.method,
    headers,
    body: hasBody ? request.body : undefined,
    // Streams the body through instead of buffering it.
    ...(hasBody ? { duplex: "half" } : {}),
    redirect: request.redirect,
    signal: request.signal,
  } as RequestInit);
}
