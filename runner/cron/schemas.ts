// The deploy body's `crons` (runner/admin/schemas.ts includes it), and the admin API's cron
// requests (admin.ts).
import { z } from "zod/v4";
import { CronSyntaxError, parseCron } from "./parse.ts";
import { StoredTextSchema } from "../admin/names.ts";

export const MAX_CRONS_PER_WORKER = 250;

export const CronsSchema = z
  .array(z.string())
  .max(MAX_CRONS_PER_WORKER)
  .superRefine((crons, ctx) => {
    crons.forEach((cron, i) => {
      try {
        parseCron(cron);
      } catch (error) {
        if (!(error instanceof CronSyntaxError)) throw error;
        ctx.addIssue({ code: "custom", path: [i], message: error.message });
      }
    });
  });

/** `GET /v1/workers/:name/scheduled?limit=`: how many recent cron runs to list. */
export const CronRunsLimitSchema = z.coerce.number().int().min(1).max(100).default(20);

/** `POST /v1/workers/:name/scheduled`: run the scheduled handler now (like wrangler's /__scheduled). */
export const ScheduledSchema = z.object({ cron: StoredTextSchema.max(200).optional(), scheduledTime: z.number().int().min(0).optional() }).strict();
