// A small round-robin load balancer for the scale-out bench, in a process of its own: each request
// goes to the next of UPSTREAMS (comma-separated ports on 127.0.0.1), with its Host header kept (so
// HTTP signatures over `host` still verify) and X-Forwarded-For/-Proto/-Host/-Port added, as the
// README's nginx site does. Listens on 127.0.0.1:PORT.
import { Agent, createServer } from "node:http";
import { createProxyServer } from "httpxy";

const upstreams = (process.env.UPSTREAMS ?? "").split(",").filter(Boolean).map((p) => `http://127.0.0.1:${p}`);
if (upstreams.length === 0) throw new Error("UPSTREAMS is empty");
// Connections to the upstreams are kept open and reused, as nginx's `keepalive` does. An idle one is
// closed before the upstream would close it (Node's agent lowers `timeout` to the Keep-Alive hint the
// upstream sends, less a second): reusing a connection the upstream is closing ends in ECONNRESET.
const agent = new Agent({ keepAlive: true, maxSockets: 128, timeout: 30_000 });
const proxy = createProxyServer({ xfwd: true, agent, changeOrigin: false });
let next = 0;
let errors = 0;
const server = createServer((req, res) => {
  const target = upstreams[next++ % upstreams.length];
  proxy.web(req, res, { target }).catch((error: NodeJS.ErrnoException) => {
    // The first few errors on stderr, so a 502 in the table can be told from Pictor's own 5xx.
    if (errors++ < 5) console.error(`balancer: ${req.method} ${req.url} to ${target}: ${error.code ?? error.message}`);
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`balancing ${upstreams.join(" ")}`));
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
