import { expect, it } from "vitest";
import { bindingCall } from "../../runner/admin/binding-errors.ts";
import { BindingError, PlatformError } from "../../runner/errors.ts";
import { R2Error } from "../../runner/r2/errors.ts";

/** What the admin edge answers when a binding call fails with `error`. */
async function answer(error: Error): Promise<unknown> {
  const thrown = await bindingCall(Promise.reject(error)).catch((caught: unknown) => caught);
  return thrown instanceof PlatformError ? { code: thrown.code, status: thrown.status, message: thrown.message } : thrown;
}

it("bindingCall: a KV refusal keeps its status and Cloudflare's words, without the binding's prefix", async () => {
  expect(await answer(new BindingError("KV PUT", 414, "UTF-8 encoded length of 513 exceeds key length limit of 512."))).toEqual({
    code: "ERR_TOO_LARGE",
    status: 414,
    message: "UTF-8 encoded length of 513 exceeds key length limit of 512.",
  });
  expect(await answer(new BindingError("KV PUT", 400, "Invalid expiration_ttl of 30. Expiration TTL must be at least 60."))).toEqual({
    code: "ERR_BAD_REQUEST",
    status: 400,
    message: "Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
  });
});

it("bindingCall: an R2 refusal is a 400, or a 413 for sizes, with R2's message and code", async () => {
  expect(await answer(new R2Error("put", "INVALID_OBJECT_NAME"))).toEqual({
    code: "ERR_BAD_REQUEST",
    status: 400,
    message: "put: The specified object name is not valid. (10020)",
  });
  expect(await answer(new R2Error("put", "ENTITY_TOO_LARGE"))).toMatchObject({ code: "ERR_TOO_LARGE", status: 413 });
});

it("bindingCall: argument TypeErrors are 400s; internal failures stay internal (the edge's 500)", async () => {
  expect(await answer(new TypeError("Invalid argument to the KV binding: expected string"))).toMatchObject({ code: "ERR_BAD_REQUEST", status: 400 });
  const internal = [new BindingError("KV PUT", 500, "Internal Server Error"), new R2Error("put", "INTERNAL"), new Error("connection refused")];
  for (const error of internal) expect(await answer(error)).toBe(error);
});

it("bindingCall: a successful call's value passes through", async () => {
  expect(await bindingCall(Promise.resolve(42))).toBe(42);
});
