import { env } from "cloudflare:workers";
import { it } from "vitest";
const kv = (env as unknown as { ORACLE: KVNamespace }).ORACLE;
async function probe(label: string, fn: () => Promise<unknown>) {
  try { const r = await fn(); console.log(label, "=>", r instanceof Map ? [...r] : JSON.stringify(r)); }
  catch (e) { const err = e as Error; console.log(label, "THROWS", err.name, err.constructor.name, JSON.stringify(err.message)); }
}
it("explore", async () => {
  const k = kv as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  await probe("put null", () => k.put!("a", null));
  await probe("get a", () => kv.get("a"));
  await probe("put {}", () => k.put!("b", {}));
  await probe("get b", () => kv.get("b"));
  await probe("put 42", () => k.put!("c", 42));
  await probe("put undefined", () => k.put!("d", undefined));
  await probe("get d", () => kv.get("d"));
  await probe("put fn", () => k.put!("e", () => 1));
  await probe("put u16 stream", () => kv.put("f", new ReadableStream({ start(c) { c.enqueue(new Uint16Array([0x0102, 0x0304])); c.close(); } })));
  await probe("get f", async () => [...new Uint8Array(await kv.get("f", "arrayBuffer") as ArrayBuffer)]);
  await probe("put dataview stream", () => kv.put("g", new ReadableStream({ start(c) { c.enqueue(new DataView(new Uint8Array([7, 8, 9]).buffer)); c.close(); } })));
  await probe("get g", async () => [...new Uint8Array(await kv.get("g", "arrayBuffer") as ArrayBuffer)]);
  await probe("put string stream", () => kv.put("h", new ReadableStream({ start(c) { c.enqueue("hi"); c.close(); } })));
  await probe("get h", () => kv.get("h"));
  await probe("put number stream", () => kv.put("i", new ReadableStream({ start(c) { c.enqueue(3); c.close(); } })));
  await probe("get i", async () => [...new Uint8Array(await kv.get("i", "arrayBuffer") as ArrayBuffer)]);
  await probe("list -1", async () => (await kv.list({ limit: -1 })).keys.length);
  await probe("list 0", async () => (await kv.list({ limit: 0 })).keys.length);
  await probe("list 1001", async () => (await kv.list({ limit: 1001 })).keys.length);
  await probe("list 1.7", async () => (await kv.list({ limit: 1.7 })).keys.length);
  await probe("list NaN", async () => (await kv.list({ limit: NaN })).keys.length);
  await probe("list full", async () => await kv.list());
  await probe("bulk gwm", () => kv.getWithMetadata(["c", "zz"]));
  await probe("bulk get", () => kv.get(["c", "zz", "c"]));
  await probe("bulk get empty key", () => kv.get(["", "c"]));
  await probe("bulk get arrayBuffer", () => k.get!(["c"], "arrayBuffer"));
  await probe("gwm missing", () => kv.getWithMetadata("zz"));
  await probe("gwm present", () => kv.getWithMetadata("c"));
  await probe("put ttl 30", () => kv.put("x", "v", { expirationTtl: 30 }));
  await probe("put ttl 30.9", () => kv.put("x", "v", { expirationTtl: 30.9 }));
  await probe("put ttl 60.5", () => kv.put("x", "v", { expirationTtl: 60.5 }));
  await probe("put ttl NaN", () => kv.put("x", "v", { expirationTtl: NaN }));
  await probe("put ttl -5", () => kv.put("x", "v", { expirationTtl: -5 }));
  await probe("put ttl '120'", () => k.put!("x", "v", { expirationTtl: "120" }));
  await probe("put exp 5", () => kv.put("x", "v", { expiration: 5 }));
  await probe("put meta big", () => kv.put("x", "v", { metadata: "x".repeat(1100) }));
  await probe("put meta undefined fn", () => kv.put("x", "v", { metadata: () => 1 }));
  await probe("put meta null", () => kv.put("x", "v", { metadata: null }));
  await probe("gwm x", () => kv.getWithMetadata("x"));
  await probe("get key 513", () => kv.get("a".repeat(513)));
  await probe("get empty", () => kv.get(""));
  await probe("get dotdot", () => kv.get(".."));
  await probe("get bad type", () => k.get!("c", "blob"));
  await probe("get cacheTtl 10", () => kv.get("c", { cacheTtl: 10 }));
  await probe("delete .", () => kv.delete("."));
  await probe("get number key", () => k.get!(42));
  await probe("list prefix num", () => k.list!({ prefix: 4 }));
  await probe("list cursor garbage", () => kv.list({ cursor: "garbage" }));
  await probe("put oversize", () => kv.put("big", new Uint8Array(25 * 1024 * 1024 + 1)));
});
