import type { Pictor } from "../../src/app.ts";

/** A tiny cookie-keeping client for driving the web app through `pictor.http.request`. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf = "";
  constructor(private readonly pictor: Pictor, private readonly origin = "http://pictor.test") {}

  async request(path: string, init: Omit<RequestInit, "headers"> & { headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: "text/html", ...(init.headers ?? {}) };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await this.pictor.http.request(`${this.origin}${path}`, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [k, v] = pair.split("=");
      if (v === "" || /max-age=0/i.test(line)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    return res;
  }

  /** GET a page, remembering its CSRF token. */
  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return { res, html };
  }

  /** POST a form (with the remembered CSRF token unless `_csrf` is given). */
  async form(path: string, fields: Record<string, string | string[]>, extra: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams();
    if (!("_csrf" in fields)) body.set("_csrf", this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return this.request(path, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...extra }, body: body.toString() });
  }
}
