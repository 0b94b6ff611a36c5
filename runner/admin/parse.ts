import type { z } from "zod/v4";
import { PlatformError } from "../errors.ts";

/** Parses admin input; every problem is named with its path, in one 400 error. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${[what, ...issue.path.map(String)].join(".")}: ${issue.message}`);
  throw new PlatformError("ERR_BAD_REQUEST", 400, issues.join("; "));
}
