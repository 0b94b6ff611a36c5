import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { serveOrNotFound } from "./router.ts";
import { assetConfigOf } from "./serve.ts";
import type { AssetsProps } from "./contract.ts";
import { countCalls } from "../metrics/registry.ts";

/** `env.ASSETS` (a Fetcher, as on Cloudflare): this version's static assets. */
export class Assets extends WorkerEntrypoint<Env, AssetsProps> {
  override async fetch(request: Request): Promise<Response> {
    const assets = await assetConfigOf(this.env, this.ctx.props.versionId);
    return assets ? serveOrNotFound(this.env, this.ctx.props.tenant, assets, request) : new Response(null, { status: 404 });
  }
}

// Serving stored files fails only when the database or the blob store does.
countCalls(Assets, "assets", () => true);
