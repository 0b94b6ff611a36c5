import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { assetConfigOf, serveAsset } from "./serve.ts";
import type { AssetsProps } from "./contract.ts";

/** `env.ASSETS` (a Fetcher, as on Cloudflare): this version's static assets. */
export class Assets extends WorkerEntrypoint<Env, AssetsProps> {
  override async fetch(request: Request): Promise<Response> {
    const config = await assetConfigOf(this.env, this.ctx.props.versionId);
    const response = config && (await serveAsset(this.env, this.ctx.props.tenant, config, request));
    return response ?? new Response("Not Found", { status: 404 });
  }
}
