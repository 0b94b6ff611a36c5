// Runs one case of the KV suite per request against env.KV: GET /run/<case name>.
import { kvCases } from "./cases.ts";

export default {
  async fetch(request: Request, env: { KV: KVNamespace }): Promise<Response> {
    const url = new URL(request.url);
    const name = decodeURIComponent(url.pathname.replace(/^\/run\//, ""));
    const run = kvCases[name];
    if (!run) return new Response(`no case ${name}`, { status: 404 });
    try {
      await run(env.KV);
      return new Response("ok");
    } catch (error) {
      const e = error as Error;
      return new Response(`${e.name}: ${e.message}\n${e.stack ?? ""}`, { status: 500 });
    }
  },
};
