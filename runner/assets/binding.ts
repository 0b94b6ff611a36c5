// Static assets in the binding registry (runner/bindings/registry.ts): deploy field `assets` (the
// manifest and its serving settings; runner/control/deploy.ts stores those beside the version).
// Only the binding's name is part of the version's bindings; its value is the Assets entrypoint
// itself, a plain Fetcher as on Cloudflare.
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";
import { ASSET_LIMITS, ASSET_RULE_LIMITS, HTML_HANDLING, NOT_FOUND_HANDLING, REDIRECT_STATUSES } from "./constants.ts";
import { patternProblem, runWorkerFirstProblem } from "./rules.ts";

export const AssetHashSchema = z.string().regex(/^[0-9a-f]{64}$/, "Asset hashes are SHA-256, 64 hex digits.");

const LINE = z.string().max(ASSET_RULE_LIMITS.MAX_LINE_LENGTH, `Lines are at most ${ASSET_RULE_LIMITS.MAX_LINE_LENGTH} characters.`);
const UrlSchema = LINE.refine((url) => url.startsWith("/") || url.startsWith("https://"), {
  message: 'URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with "https://").',
});
const PatternSchema = UrlSchema.superRefine(refuse(patternProblem));
// Framing headers are the platform's: a tenant setting them could desync a connection it shares.
const FRAMING_HEADERS = ["connection", "content-length", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"];
const HeaderNameSchema = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, "Header names are HTTP tokens (letters, digits, !#$%&'*+-.^_`|~).")
  .refine((name) => !FRAMING_HEADERS.includes(name.toLowerCase()), { message: `${FRAMING_HEADERS.join(", ")} are set by the platform, not by _headers.` });

const RedirectRuleSchema = z
  .object({
    from: PatternSchema.refine((from) => from.startsWith("/"), { message: "URLs should begin with a forward-slash." }),
    to: UrlSchema.regex(/^[^\u0000-\u001f\u007f]+$/, "Redirect targets cannot contain control characters."),
    status: z.literal(REDIRECT_STATUSES, { error: "Valid status codes are 200, 301, 302 (default), 303, 307, or 308." }),
  })
  .strict();

const HeaderRuleSchema = z
  .object({
    path: PatternSchema,
    set: safeRecord(HeaderNameSchema, LINE.regex(/^[^\u0000\r\n]*$/, "Header values cannot contain line breaks.")).optional(),
    unset: z.array(HeaderNameSchema).optional(),
  })
  .strict()
  .refine((rule) => Object.keys(rule.set ?? {}).length + (rule.unset ?? []).length > 0, {
    message: "No headers specified",
    // A rule whose only header was refused already says why.
    when: (payload) => payload.issues.length === 0,
  });

/** Static rules (no * or placeholder) come first: one after a dynamic rule counts as dynamic. */
function redirectCountProblem(rules: { from: string }[]): string | null {
  const firstDynamic = rules.findIndex((rule) => /\*|:[A-Za-z]/.test(rule.from));
  const staticCount = firstDynamic === -1 ? rules.length : firstDynamic;
  if (staticCount > ASSET_RULE_LIMITS.MAX_STATIC_REDIRECTS) return `Maximum number of static rules supported is ${ASSET_RULE_LIMITS.MAX_STATIC_REDIRECTS}.`;
  if (rules.length - staticCount > ASSET_RULE_LIMITS.MAX_DYNAMIC_REDIRECTS) {
    return `Maximum number of dynamic rules supported is ${ASSET_RULE_LIMITS.MAX_DYNAMIC_REDIRECTS}.`;
  }
  return null;
}

/** A zod check from a function saying what is wrong (or null). */
function refuse<T>(problem: (value: T) => string | null) {
  return (value: T, ctx: z.RefinementCtx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  };
}

const AssetsFieldSchema = z
  .object({
    files: safeRecord(
      z.string().regex(/^\/[^\u0000\p{Cs}]*$/u, "Asset paths start with /."),
      z.object({ hash: AssetHashSchema, size: z.number().int().min(0) }).strict(),
    ).refine((files) => Object.keys(files).length <= ASSET_LIMITS.MAX_FILES, `At most ${ASSET_LIMITS.MAX_FILES} assets per version.`),
    htmlHandling: z.enum(HTML_HANDLING).default("auto-trailing-slash"),
    notFoundHandling: z.enum(NOT_FOUND_HANDLING).default("none"),
    runWorkerFirst: z
      .union([z.boolean(), z.array(z.string())])
      .superRefine((value, ctx) => (Array.isArray(value) ? refuse(runWorkerFirstProblem)(value, ctx) : undefined))
      .default(false),
    hasWorker: z.boolean().optional(),
    redirects: z.array(RedirectRuleSchema).superRefine(refuse(redirectCountProblem)).optional(),
    headers: z
      .array(HeaderRuleSchema)
      .max(ASSET_RULE_LIMITS.MAX_HEADER_RULES, `Maximum number of rules supported is ${ASSET_RULE_LIMITS.MAX_HEADER_RULES}.`)
      .optional(),
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
