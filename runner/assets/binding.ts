// Static assets in the binding registry (runner/bindings/registry.ts): deploy field `assets` (the
// manifest and its serving settings; runner/control/deploy.ts stores those beside the version).
// Only the binding's name is part of the version's bindings; its value is the Assets entrypoint
// itself, a plain Fetcher as on Cloudflare.
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";
import { ASSET_LIMITS, HTML_HANDLING, NOT_FOUND_HANDLING } from "./constants.ts";

export const AssetHashSchema = z.string().regex(/^[0-9a-f]{64}$/, "Asset hashes are SHA-256, 64 hex digits.");

const AssetsFieldSchema = z
  .object({
    files: safeRecord(
      z.string().regex(/^\/[^\u0000\p{Cs}]*$/u, "Asset paths start with /."),
      z.object({ hash: AssetHashSchema, size: z.number().int().min(0) }).strict(),
    ).refine((files) => Object.keys(files).length <= ASSET_LIMITS.MAX_FILES, `At most ${ASSET_LIMITS.MAX_FILES} assets per version.`),
    htmlHandling: z.enum(HTML_HANDLING).default("auto-trailing-slash"),
    notFoundHandling: z.enum(NOT_FOUND_HANDLING).default("none"),
    runWorkerFirst: z.boolean().default(false),
    binding: BindingNameSchema.optional(),
  })
  .strict()
  .optional();

export interface AssetsBindings {
  /** the binding name of `env.ASSETS` (the version's static assets), if any */
  assets?: string;
}

export const ASSETS_BINDING: BindingKind<typeof AssetsFieldSchema, AssetsBindings> = {
  schema: AssetsFieldSchema,
  store: (assets) => (assets?.binding ? { assets: assets.binding } : {}),
  env: {
    label: "assets",
    names: ({ assets }) => (assets ? [assets] : []),
    mint: ({ exports, tenant, versionId }, { assets }) => (assets ? [[assets, exports.Assets({ props: { tenant, versionId } })]] : []),
  },
};
