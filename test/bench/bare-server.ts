// The bound for this stack: Hono on @hono/node-server answering a fixed JSON body.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const body = { "@context": "https://www.w3.org/ns/activitystreams", id: "https://bench.example/bare", type: "Note", content: "bare" };
const app = new Hono();
app.all("*", (c) => c.json(body));
const port = Number(process.env.PORT ?? 0);
const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => console.log(`listening ${info.port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
