import { Hono } from "hono";
import type { ApiEnv } from "../env.ts";
import type { ApiDeps } from "../index.ts";

export function accountRoutes(_deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  return app;
}
