import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body, for JSON requests. */
  json?: Record<string, unknown>;
  /** Parsed multipart body, for /images/edits. */
  form?: FormData;
  /** For streamed replies: how much of the body went out, and whether all of it did before the client hung up. */
  sent?: { bytes: number; finished: boolean };
}

/** A large body written in 64 KB chunks as the client reads it, never held whole: text parts and runs of one character. */
export interface StreamedBody {
  parts: Array<string | { repeat: string; bytes: number }>;
  /** Declare Content-Length (else the body is chunked). */
  contentLength?: boolean;
}

export interface FakeReply {
  status?: number;
  /** An object is sent as JSON; a Buffer or string as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Stream this body instead of `body`. */
  stream?: StreamedBody;
}

export type Handler = (req: SeenRequest) => FakeReply | Promise<FakeReply>;

/**
 * A loopback HTTP server that speaks enough of the OpenAI API for the real
 * client: POST /v1/images/generations, /v1/images/edits (multipart),
 * /v1/moderations, plus GET /files/* for image URLs. Each route answers from
 * a queue of scripted replies (the last one repeats), and every request is
 * recorded.
 */
export class FakeOpenAI {
  readonly seen: SeenRequest[] = [];
  readonly #routes = new Map<string, Handler[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #server?: Server;
  baseURL = "";
  origin = "";

  /** Scripts the replies for "METHOD /path" (e.g. "POST /v1/images/generations"). */
  on(route: string, ...handlers: Array<Handler | FakeReply>): this {
    this.#routes.set(route, handlers.map((h) => (typeof h === "function" ? h : () => h)));
    return this;
  }

  /** Requests seen for one route. */
  calls(route: string): SeenRequest[] {
    const [method, path] = route.split(" ");
    return this.seen.filter((r) => r.method === method && r.path === path);
  }

  reset(): void {
    this.seen.length = 0;
    this.#routes.clear();
  }

  async start(): Promise<this> {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const seen: SeenRequest = { method: req.method ?? "GET", path: url.pathname, headers: req.headers };
      const type = req.headers["content-type"] ?? "";
      if (type.startsWith("application/json")) seen.json = JSON.parse(raw.toString("utf8"));
      if (type.startsWith("multipart/form-data")) {
        seen.form = await new Request("http://x/", { method: "POST", headers: { "content-type": type }, body: raw }).formData();
      }
      this.seen.push(seen);

      const route = `${seen.method} ${seen.path}`;
      const queue = this.#routes.get(route) ?? this.#routes.get(`${seen.method} *`);
      const handler = queue && (queue.length > 1 ? (queue.shift() as Handler) : queue[0]);
      const reply: FakeReply = handler ? await handler(seen) : { status: 404, body: { error: { message: `no route ${route}` } } };

      const send = () => {
        if (reply.stream) return sendStream(res, reply.status ?? 200, reply.stream, reply.headers ?? {}, (seen.sent = { bytes: 0, finished: false }));
        const body = reply.body;
        const isBytes = Buffer.isBuffer(body) || typeof body === "string";
        const headers = { "content-type": isBytes ? "application/octet-stream" : "application/json", ...reply.headers };
        res.writeHead(reply.status ?? 200, headers);
        res.end(body === undefined ? undefined : isBytes ? body : JSON.stringify(body));
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          if (!res.destroyed) send();
        }, reply.delayMs);
        this.#timers.add(timer);
        res.on("close", () => clearTimeout(timer));
      } else {
        send();
      }
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.baseURL = `${this.origin}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

function sendStream(res: ServerResponse, status: number, body: StreamedBody, headers: Record<string, string>, sent: NonNullable<SeenRequest["sent"]>): void {
  const total = body.parts.reduce((n, p) => n + (typeof p === "string" ? Buffer.byteLength(p) : p.bytes), 0);
  res.writeHead(status, { "content-type": "application/json", ...(body.contentLength ? { "content-length": String(total) } : {}), ...headers });
  const chunks = (function* () {
    for (const p of body.parts) {
      if (typeof p === "string") {
        yield Buffer.from(p);
        continue;
      }
      const block = Buffer.alloc(64 * 1024, p.repeat);
      for (let left = p.bytes; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
    }
  })();
  const pump = () => {
    for (;;) {
      if (res.destroyed) return;
      const next = chunks.next();
      if (next.done) {
        res.end(() => (sent.finished = true));
        return;
      }
      sent.bytes += next.value.length;
      if (!res.write(next.value)) {
        res.once("drain", pump);
        return;
      }
    }
  };
  pump();
}

/** The body OpenAI sends with an error. */
export function apiError(message: string, code: string | null, type = "invalid_request_error") {
  return { error: { message, type, param: null, code } };
}

/** An Images API answer with base64 images. */
export function b64Images(images: Buffer[], extra: Record<string, unknown> = {}) {
  return { created: 1_700_000_000, data: images.map((b) => ({ b64_json: b.toString("base64"), ...extra })) };
}
