/** R2 limits: https://developers.cloudflare.com/r2/platform/limits/ */
export const R2_LIMITS = {
  MAX_KEY_BYTES: 1024,
  MAX_CUSTOM_METADATA_BYTES: 2048,
  MAX_LIST_KEYS: 1000,
  /** 5 GiB - 5 MiB for one put. */
  MAX_VALUE_BYTES: 5 * 1024 * 1024 * 1024 - 5 * 1024 * 1024,
  MIN_PART_BYTES: 5 * 1024 * 1024,
  MAX_PARTS: 10_000,
} as const;

/** R2 error codes: https://developers.cloudflare.com/r2/api/error-codes/ */
export const R2_ERRORS = {
  INTERNAL: { code: 10001, message: "We encountered an internal error. Please try again." },
  ENTITY_TOO_LARGE: { code: 100100, message: "Your proposed upload exceeds the maximum allowed object size." },
  ENTITY_TOO_SMALL: { code: 10011, message: "Your proposed upload is smaller than the minimum allowed object size." },
  METADATA_TOO_LARGE: { code: 10012, message: "Your metadata headers exceed the maximum allowed metadata size." },
  INVALID_OBJECT_NAME: { code: 10020, message: "The specified object name is not valid." },
  INVALID_MAX_KEYS: { code: 10022, message: "MaxKeys params must be positive integer <= 1000." },
  NO_SUCH_UPLOAD: { code: 10024, message: "The specified multipart upload does not exist." },
  INVALID_PART: { code: 10025, message: "One or more of the specified parts could not be found." },
  INVALID_RANGE: { code: 10039, message: "The requested range is not satisfiable" },
} as const;

/** R2's storage classes (both are kept in the same blob store here; the class is recorded and reported). */
export const STORAGE_CLASSES = ["Standard", "InfrequentAccess"] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Digest algorithms R2 accepts for put checksums, by option name. */
export const CHECKSUMS = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" } as const;
export type ChecksumName = keyof typeof CHECKSUMS;

/** R2 aborts incomplete multipart uploads after 7 days. */
export const STALE_UPLOAD_AGE = "7 days";
