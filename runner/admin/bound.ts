// A resource (KV namespace, R2 bucket, D1 database) that a stored version still binds is not
// deleted: its deploy would no longer load. The delete routes refuse it in these words.
import { PlatformError } from "../errors.ts";

/** Throws the refusal when `boundBy` names a worker; `what` is the resource as the message says it ("KV namespace cache"). */
export function refuseIfBound(what: string, boundBy: string | null): void {
  if (boundBy === null) return;
  throw new PlatformError(
    "ERR_CONFLICT",
    409,
    `${what} is bound by worker ${boundBy}. Deploy ${boundBy} without it and delete its older versions, or delete the worker, first.`,
  );
}
