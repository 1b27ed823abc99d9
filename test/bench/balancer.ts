// A small round-robin load balancer for the scale-out bench, in a process of its own. It balances
// connections, not requests (as HAProxy's `mode tcp` or nginx's `stream` module do): each client
// connection is piped to the next of UPSTREAMS (comma-separated ports on 127.0.0.1), its bytes
// untouched, so the Host header and HTTP signatures arrive as sent. An HTTP proxy written in Node
// (httpxy, used before) parsed and rewrote every request and cost more CPU than a cached page
// itself: on two cores it, not Pictor, bounded the page figures. Listens on 127.0.0.1:PORT.
import { connect, createServer, type Socket } from "node:net";

const upstreams = (process.env.UPSTREAMS ?? "").split(",").filter(Boolean).map(Number);
if (upstreams.length === 0) throw new Error("UPSTREAMS is empty");
let next = 0;
let errors = 0;
const open = new Set<Socket>();
const server = createServer((client) => {
  const port = upstreams[next++ % upstreams.length];
  const upstream = connect({ port, host: "127.0.0.1", noDelay: true });
  client.setNoDelay(true);
  open.add(client).add(upstream);
  const close = (error?: NodeJS.ErrnoException) => {
    // The first few errors on stderr, so a failure in the table can be told from Pictor's own.
    if (error && error.code !== "ECONNRESET" && error.code !== "EPIPE" && errors++ < 5) console.error(`balancer: to ${port}: ${error.code ?? error.message}`);
    client.destroy();
    upstream.destroy();
    open.delete(client);
    open.delete(upstream);
  };
  client.on("error", close).on("close", () => close());
  upstream.on("error", close).on("close", () => close());
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`balancing ${upstreams.map((p) => `127.0.0.1:${p}`).join(" ")}`));
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  for (const s of open) s.destroy();
});
