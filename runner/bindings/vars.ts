// Vars in the binding registry (registry.ts): deploy field `vars` (name → JSON value), given to
// the worker as plain values. Their count and size limits are the deploy's (runner/admin/schemas.ts).
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "./kind.ts";

const VarsFieldSchema = safeRecord(BindingNameSchema, z.unknown()).default({});

export interface VarsBindings {
  /** present, if empty, in every version */
  vars: Record<string, unknown>;
}

export const VARS: BindingKind<typeof VarsFieldSchema, VarsBindings> = {
  schema: VarsFieldSchema,
  store: (vars) => ({ vars }),
  env: {
    label: "var",
    names: ({ vars }) => Object.keys(vars),
    mint: (_scope, { vars }) => Object.entries(vars),
  },
};
