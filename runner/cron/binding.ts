// Cron triggers in the binding registry (runner/bindings/registry.ts): deploy field `crons`
// (`[triggers] crons`), stored sorted and without repeats; they give the worker no env name.
import type { BindingKind } from "../bindings/kind.ts";
import { CronsSchema } from "./schemas.ts";

const CronsFieldSchema = CronsSchema.default([]);

export interface CronBindings {
  /** the worker's scheduled() runs on these (runner/cron/ticker.ts reads them with SQL) */
  crons?: string[];
}

export const CRON_TRIGGERS: BindingKind<typeof CronsFieldSchema, CronBindings> = {
  schema: CronsFieldSchema,
  store: (crons) => (crons.length > 0 ? { crons: [...new Set(crons)].sort() } : {}),
};
