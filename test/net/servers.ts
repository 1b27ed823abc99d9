import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback HTTP server that records requests and answers with `handle`. */
export interface LoopbackServer {
  origin: string;
  port: number;
  /** Paths requested, in order. */
  seen: string[];
  /** Bytes of response body written by the handlers that track them (see drip / stream). */
  written: { bytes: number; closedEarly: boolean };
  close(): Promise<void>;
}

export async function loopbackServer(handle: (req: IncomingMessage, res: ServerResponse, server: LoopbackServer) => void): Promise<LoopbackServer> {
  const seen: string[] = [];
  const written = { bytes: 0, closedEarly: false };
  let self: LoopbackServer | undefined;
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? "/");
    req.resume();
    handle(req, res, self as LoopbackServer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  self = {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    written,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}

/**
 * Writes `total` bytes in 64 KB chunks as fast as the client reads them,
 * counting what was written and noting when the client hung up first.
 */
export function streamBytes(res: ServerResponse, written: LoopbackServer["written"], total: number, headers: Record<string, string> = {}): void {
  res.writeHead(200, { "content-type": "application/octet-stream", ...headers });
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  res.on("close", () => {
    if (!res.writableFinished) written.closedEarly = true;
  });
  const pump = () => {
    while (written.bytes < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - written.bytes);
      written.bytes += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once("drain", pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}
