import { expect, it } from "vitest";
import { BindingError } from "../../runner/errors.ts";
import {
  byteLength,
  checkKeyName,
  validateBulkKeys,
  validateBulkType,
  validateCacheTtl,
  validateKey,
  validateKeyLength,
  validateListLimit,
  validatePutOptions,
  validateValueSize,
} from "../../runner/kv/validate.ts";
import { thrown } from "./thrown.ts";

const NOW = 1_700_000_000;
const bytes = (...values: number[]) => new Uint8Array(values);

it("BindingError: message is 'OPERATION failed: STATUS detail' and name is plain Error", () => {
  const error = new BindingError("KV PUT", 413, "Value length of 1 exceeds limit of 0.");
  expect(error.message).toBe("KV PUT failed: 413 Value length of 1 exceeds limit of 0.");
  expect(error.name).toBe("Error");
  expect(error.operation).toBe("KV PUT");
  expect(error.status).toBe(413);
  expect(error).toBeInstanceOf(Error);
});

it("byteLength: counts UTF-8 bytes, not UTF-16 code units", () => {
  expect(byteLength("")).toBe(0);
  expect(byteLength("abc")).toBe(3);
  expect(byteLength("é")).toBe(2);
  expect(byteLength("€")).toBe(3);
  expect(byteLength("😀")).toBe(4);
});

it("checkKeyName: an empty key is a TypeError", () => {
  expect(thrown(() => checkKeyName(""))).toBe("TypeError: Key name cannot be empty.");
});

it("checkKeyName: '.' and '..' are TypeErrors", () => {
  expect(thrown(() => checkKeyName("."))).toBe('TypeError: "." is not allowed as a key name.');
  expect(thrown(() => checkKeyName(".."))).toBe('TypeError: ".." is not allowed as a key name.');
});

it("checkKeyName: other dotted and blank keys pass", () => {
  for (const key of ["...", ".a", "a.", " ", "./x"]) expect(thrown(() => checkKeyName(key))).toBe("nothing thrown");
});

it("checkKeyName: does not check length (the runner does)", () => {
  expect(thrown(() => checkKeyName("a".repeat(600)))).toBe("nothing thrown");
});

it("validateKey: an empty key is a 400 naming the operation", () => {
  expect(thrown(() => validateKey("KV GET", ""))).toBe("BindingError: KV GET failed: 400 Key names must not be empty");
  expect(thrown(() => validateKey("KV DELETE", ""))).toBe("BindingError: KV DELETE failed: 400 Key names must not be empty");
});

it("validateKey: '.' and '..' are illegal names", () => {
  expect(thrown(() => validateKey("KV PUT", "."))).toBe('BindingError: KV PUT failed: 400 Illegal key name ".". Please use a different name.');
  expect(thrown(() => validateKey("KV GET_BULK", ".."))).toBe('BindingError: KV GET_BULK failed: 400 Illegal key name "..". Please use a different name.');
});

it("validateKey: returns the key's UTF-8 bytes", () => {
  expect(validateKey("KV GET", "aé")).toEqual(bytes(0x61, 0xc3, 0xa9));
});

it("validateKey: 512 ASCII bytes pass, 513 are a 414", () => {
  expect(validateKey("KV PUT", "a".repeat(512)).byteLength).toBe(512);
  expect(thrown(() => validateKey("KV PUT", "a".repeat(513)))).toBe(
    "BindingError: KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
  );
});

it("validateKey: a two-byte character ending exactly at byte 512 passes, one byte later fails", () => {
  expect(validateKey("KV GET", `${"a".repeat(510)}é`).byteLength).toBe(512);
  expect(thrown(() => validateKey("KV GET", `${"a".repeat(511)}é`))).toBe(
    "BindingError: KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
  );
});

it("validateKey: three- and four-byte characters at the 512-byte boundary", () => {
  expect(validateKey("KV GET", `${"a".repeat(509)}€`).byteLength).toBe(512);
  expect(thrown(() => validateKey("KV GET", `${"a".repeat(510)}€`))).toBe(
    "BindingError: KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
  );
  expect(validateKey("KV GET", "😀".repeat(128)).byteLength).toBe(512);
  expect(thrown(() => validateKey("KV GET", `${"a".repeat(509)}😀`))).toBe(
    "BindingError: KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
  );
});

it("validateKey: the limit is bytes, so 512 two-byte characters are 1024 bytes", () => {
  expect(thrown(() => validateKey("KV DELETE", "é".repeat(512)))).toBe(
    "BindingError: KV DELETE failed: 414 UTF-8 encoded length of 1024 exceeds key length limit of 512.",
  );
});

it("validateKeyLength: allows the empty string (a list prefix may be empty)", () => {
  expect(validateKeyLength("KV GET", "")).toEqual(bytes());
  expect(thrown(() => validateKeyLength("KV GET", "p".repeat(513)))).toBe(
    "BindingError: KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
  );
});

it("validateCacheTtl: absent or at least 30 passes", () => {
  for (const ttl of [undefined, 30, 60, 86_400]) expect(thrown(() => validateCacheTtl("KV GET", ttl))).toBe("nothing thrown");
});

it("validateCacheTtl: below 30 or NaN is a 400", () => {
  expect(thrown(() => validateCacheTtl("KV GET", 29))).toBe("BindingError: KV GET failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30.");
  expect(thrown(() => validateCacheTtl("KV GET", 0))).toBe("BindingError: KV GET failed: 400 Invalid cache_ttl of 0. Cache TTL must be at least 30.");
  expect(thrown(() => validateCacheTtl("KV GET", NaN))).toBe("BindingError: KV GET failed: 400 Invalid cache_ttl of NaN. Cache TTL must be at least 30.");
});

it("validateBulkKeys: between 1 and 100 keys pass", () => {
  expect(thrown(() => validateBulkKeys(["a"]))).toBe("nothing thrown");
  expect(thrown(() => validateBulkKeys(Array.from({ length: 100 }, (_, i) => `k${i}`)))).toBe("nothing thrown");
});

it("validateBulkKeys: no keys or more than 100 is a 400", () => {
  expect(thrown(() => validateBulkKeys([]))).toBe("BindingError: KV GET_BULK failed: 400 You must request a minimum of 1 key");
  expect(thrown(() => validateBulkKeys(Array.from({ length: 101 }, (_, i) => `k${i}`)))).toBe(
    "BindingError: KV GET_BULK failed: 400 You can request a maximum of 100 keys",
  );
});

it("validateBulkType: text and json pass, other types are a 400", () => {
  expect(thrown(() => validateBulkType("text"))).toBe("nothing thrown");
  expect(thrown(() => validateBulkType("json"))).toBe("nothing thrown");
  expect(thrown(() => validateBulkType("arrayBuffer"))).toBe('BindingError: KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"');
  expect(thrown(() => validateBulkType("stream"))).toBe('BindingError: KV GET_BULK failed: 400 "stream" is not a valid type. Use "json" or "text"');
});

it("validateValueSize: 25 MiB passes, one byte more is a 413", () => {
  expect(thrown(() => validateValueSize(26_214_400))).toBe("nothing thrown");
  expect(thrown(() => validateValueSize(26_214_401))).toBe("BindingError: KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.");
});

it("validatePutOptions: no options means no expiration and no metadata", () => {
  expect(validatePutOptions({}, NOW)).toEqual({ expiration: null, metadata: null });
  expect(validatePutOptions({ expiration: undefined, expirationTtl: undefined, metadata: undefined }, NOW)).toEqual({
    expiration: null,
    metadata: null,
  });
});

it("validatePutOptions: expirationTtl becomes an absolute time, truncated to whole seconds", () => {
  expect(validatePutOptions({ expirationTtl: 60 }, NOW)).toEqual({ expiration: NOW + 60, metadata: null });
  expect(validatePutOptions({ expirationTtl: 3600.9 }, NOW)).toEqual({ expiration: NOW + 3600, metadata: null });
});

it("validatePutOptions: expirationTtl below 60 is a 400", () => {
  expect(thrown(() => validatePutOptions({ expirationTtl: 30 }, NOW))).toBe(
    "BindingError: KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
  );
  expect(thrown(() => validatePutOptions({ expirationTtl: 59 }, NOW))).toBe(
    "BindingError: KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60.",
  );
});

it("validatePutOptions: expirationTtl of zero, below zero, NaN or Infinity asks for an integer greater than 0 (as workerd, which reads NaN and Infinity as 0)", () => {
  for (const [ttl, shown] of [
    [0, 0],
    [-5, -5],
    [NaN, 0],
    [Infinity, 0],
    [-Infinity, 0],
  ]) {
    expect(thrown(() => validatePutOptions({ expirationTtl: ttl }, NOW))).toBe(
      `BindingError: KV PUT failed: 400 Invalid expiration_ttl of ${shown}. Please specify integer greater than 0.`,
    );
  }
});

it("validatePutOptions: expiration or expirationTtl beyond 32 bits is workerd's range TypeError, not a database error", () => {
  for (const options of [{ expirationTtl: 2 ** 31 }, { expirationTtl: 1e20 }, { expiration: 2 ** 31 }, { expiration: Number.MAX_VALUE }]) {
    expect(thrown(() => validatePutOptions(options, NOW))).toBe("TypeError: Value out of range. Must be between -2147483648 and 2147483647 (inclusive).");
  }
});

it("validatePutOptions: expirationTtl wins over expiration", () => {
  expect(validatePutOptions({ expirationTtl: 120, expiration: 5 }, NOW)).toEqual({ expiration: NOW + 120, metadata: null });
});

it("validatePutOptions: expiration at least 60 seconds ahead is kept, truncated", () => {
  expect(validatePutOptions({ expiration: NOW + 60 }, NOW)).toEqual({ expiration: NOW + 60, metadata: null });
  expect(validatePutOptions({ expiration: NOW + 90.7 }, NOW)).toEqual({ expiration: NOW + 90, metadata: null });
});

it("validatePutOptions: expiration in the past, now, NaN or Infinity is a 400 (NaN and Infinity read as 0)", () => {
  for (const [at, shown] of [
    [5, 5],
    [NOW, NOW],
    [NaN, 0],
    [Infinity, 0],
  ]) {
    expect(thrown(() => validatePutOptions({ expiration: at }, NOW))).toBe(
      `BindingError: KV PUT failed: 400 Invalid expiration of ${shown}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
    );
  }
});

it("validatePutOptions: expiration less than 60 seconds ahead is a 400", () => {
  expect(thrown(() => validatePutOptions({ expiration: NOW + 59 }, NOW))).toBe(
    "BindingError: KV PUT failed: 400 Invalid expiration of 1700000059. Expiration times must be at least 60 seconds in the future.",
  );
});

it("validatePutOptions: metadata up to 1024 UTF-8 bytes is kept as given", () => {
  expect(validatePutOptions({ metadata: '{"a":1}' }, NOW)).toEqual({ expiration: null, metadata: '{"a":1}' });
  const atLimit = JSON.stringify("é".repeat(511)); // 2 quotes + 1022 bytes
  expect(validatePutOptions({ metadata: atLimit }, NOW).metadata).toBe(atLimit);
});

it("validatePutOptions: metadata over 1024 bytes is a 413 counting bytes, not characters", () => {
  expect(thrown(() => validatePutOptions({ metadata: "x".repeat(1025) }, NOW))).toBe(
    "BindingError: KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.",
  );
  const metadata = JSON.stringify("é".repeat(512)); // 514 characters, 1026 bytes
  expect(thrown(() => validatePutOptions({ metadata }, NOW))).toBe("BindingError: KV PUT failed: 413 Metadata length of 1026 exceeds limit of 1024.");
});

it("validatePutOptions: checks expiration before metadata", () => {
  expect(thrown(() => validatePutOptions({ expirationTtl: 1, metadata: "x".repeat(2000) }, NOW))).toBe(
    "BindingError: KV PUT failed: 400 Invalid expiration_ttl of 1. Expiration TTL must be at least 60.",
  );
});

it("validateListLimit: absent or 0 means 1000", () => {
  expect(validateListLimit(undefined)).toBe(1000);
  expect(validateListLimit(0)).toBe(1000);
});

it("validateListLimit: 1 to 1000 pass, fractions truncate", () => {
  expect(validateListLimit(1)).toBe(1);
  expect(validateListLimit(1000)).toBe(1000);
  expect(validateListLimit(2.9)).toBe(2);
});

it("validateListLimit: more than 1000 is a 400", () => {
  expect(thrown(() => validateListLimit(1001))).toBe(
    "BindingError: KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
  );
});

it("validateListLimit: negative or NaN is a 400", () => {
  expect(thrown(() => validateListLimit(-1))).toBe("BindingError: KV GET failed: 400 Invalid key_count_limit of -1. Please specify an integer greater than 0.");
  expect(thrown(() => validateListLimit(NaN))).toBe(
    "BindingError: KV GET failed: 400 Invalid key_count_limit of NaN. Please specify an integer greater than 0.",
  );
});
