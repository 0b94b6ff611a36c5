import { R2_ERRORS } from "./constants.ts";

/**
 * An error the R2 binding throws into tenant code, worded as Cloudflare's binding words it:
 * "put: The specified object name is not valid. (10020)".
 */
export class R2Error extends Error {
  override name = "Error";
  constructor(operation: string, kind: keyof typeof R2_ERRORS, extra = "") {
    const { code, message } = R2_ERRORS[kind];
    super(`${operation}: ${message}${extra} (${code})`);
  }
}

export function badDigest(operation: string, algorithm: string, provided: string, actual: string): Error {
  return new Error(
    `${operation}: The ${algorithm} checksum you specified did not match what we received.\nYou provided a ${algorithm} checksum with value: ${provided}\nActual ${algorithm} was: ${actual} (10037)`,
  );
}
