// Runs one case of the R2 suite per request against env.BUCKET: GET /run/<case name>.
import { r2Cases } from "./cases.ts";

export default {
  async fetch(request: Request, env: { BUCKET: R2Bucket }): Promise<Response> {
    const name = decodeURIComponent(new URL(request.url).pathname.replace(/^\/run\//, ""));
    const run = r2Cases[name];
    if (!run) return new Response(`no case ${name}`, { status: 404 });
    try {
      await run(env.BUCKET);
      return new Response("ok");
    } catch (error) {
      const e = error as Error;
      return new Response(`${e.name}: ${e.message}\n${e.stack ?? ""}`, { status: 500 });
    }
  },
};
