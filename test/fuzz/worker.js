// The tenant worker the binding fuzz tier deploys: POST / with a JSON batch of cases, each a
// binding method called with decoded arguments. Every call has a deadline, so a hang is a
// result ("hang"), not a stuck request. Values JSON cannot carry travel tagged (see decode).

const DEADLINE_MS = 5000;

/** Tagged values: { $: "bytes", b64 }, { $: "number", value: "NaN" }, { $: "undefined" }, { $: "stream", chunks, fail }. */
function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== "object") return value;
  switch (value.$) {
    case "bytes":
      return Uint8Array.from(atob(value.b64), (c) => c.charCodeAt(0));
    case "number":
      return Number(value.value);
    case "undefined":
      return undefined;
    case "stream":
      return stream(value.chunks.map(decode), value.fail);
    default:
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
}

/** A stream of `chunks` that, with `fail`, errors (before the first chunk when fail.at is 0). */
function stream(chunks, fail) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (fail && i === fail.at) return controller.error(new Error(fail.message));
      if (i >= chunks.length) return controller.close();
      controller.enqueue(chunks[i++]);
    },
  });
}

function b64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Results as JSON: bytes as base64, streams read, R2 objects as their fields, Maps as entries. */
async function encode(value) {
  if (value === undefined) return { $: "undefined" };
  if (value === null || typeof value !== "object") return typeof value === "number" && !Number.isFinite(value) ? { $: "number", value: String(value) } : value;
  if (value instanceof ArrayBuffer) return { $: "bytes", b64: b64(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) return { $: "bytes", b64: b64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  if (value instanceof ReadableStream) return { $: "bytes", b64: b64(new Uint8Array(await new Response(value).arrayBuffer())) };
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return { $: "map", entries: await Promise.all([...value].map(async ([k, v]) => [k, await encode(v)])) };
  if (Array.isArray(value)) return Promise.all(value.map(encode));
  if (typeof value.key === "string" && typeof value.etag === "string") {
    const object = {
      key: value.key,
      size: value.size,
      etag: value.etag,
      httpMetadata: value.httpMetadata,
      customMetadata: value.customMetadata,
      range: value.range,
    };
    if ("body" in value && typeof value.arrayBuffer === "function") object.body = { $: "bytes", b64: b64(new Uint8Array(await value.arrayBuffer())) };
    return object;
  }
  if (typeof value.uploadId === "string" && typeof value.uploadPart === "function") return { key: value.key, uploadId: value.uploadId };
  return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await encode(v)])));
}

/**
 * The binding method a case names: "KV.put", "B.get", "upload.uploadPart" (on case.upload's key
 * and id)… D1's are a statement's: "DB.all" is env.DB.prepare(sql).bind(...values).all(…), and
 * "DB.batch" takes [sql, values] pairs; "DB.exec" is the database's own.
 */
function target(env, name, upload) {
  const [binding, method] = name.split(".");
  if (binding === "DB" && method === "batch") return (statements) => env.DB.batch(statements.map(([sql, values]) => env.DB.prepare(sql).bind(...values)));
  if (binding === "DB" && method !== "exec")
    return (sql, values, ...rest) =>
      env.DB.prepare(sql)
        .bind(...values)
        [method](...rest);
  if (binding === "upload") {
    const handle = env.B.resumeMultipartUpload(upload.key, upload.uploadId);
    return handle[method].bind(handle);
  }
  return env[binding][method].bind(env[binding]);
}

async function call(fn) {
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(() => resolve({ hang: true }), DEADLINE_MS)));
  try {
    return await Promise.race([
      (async () => {
        try {
          return { ok: await encode(await fn()) };
        } catch (error) {
          return { error: { name: error?.name, message: String(error?.message ?? error), stack: String(error?.stack ?? "") } };
        }
      })(),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export default {
  async fetch(request, env) {
    const cases = await request.json();
    const results = [];
    // One at a time: a case may read back what the one before it stored.
    for (const { method, args, upload } of cases) results.push(await call(() => target(env, method, upload)(...decode(args))));
    return Response.json(results);
  },
};
