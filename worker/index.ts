// The demo tenant worker: what `npm start` serves at http://demo.localhost:8787/ and what
// `npx wrangler dev` runs locally from the root wrangler.toml. It uses Cloudflare's APIs only.
import { Hono } from "hono";

interface Env {
  KV: KVNamespace;
  GREETING: string;
}

const app = new Hono<{ Bindings: Env }>();

app.get("/", async (c) => {
  const visits = Number((await c.env.KV.get("visits")) ?? 0) + 1;
  await c.env.KV.put("visits", String(visits));
  return c.text(`${c.env.GREETING}! This page has been visited ${visits} time${visits === 1 ? "" : "s"}.\n`);
});

app.get("/kv", async (c) => {
  const prefix = c.req.query("prefix");
  const cursor = c.req.query("cursor");
  return c.json(await c.env.KV.list({ ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) }));
});

app.get("/kv/:key", async (c) => {
  const { value, metadata } = await c.env.KV.getWithMetadata(c.req.param("key"));
  return value === null ? c.json({ error: "not found" }, 404) : c.json({ value, metadata });
});

app.put("/kv/:key", async (c) => {
  const ttl = c.req.query("ttl");
  await c.env.KV.put(c.req.param("key"), await c.req.text(), ttl ? { expirationTtl: Number(ttl) } : {});
  return c.json({ stored: c.req.param("key") }, 201);
});

app.delete("/kv/:key", async (c) => {
  await c.env.KV.delete(c.req.param("key"));
  return c.body(null, 204);
});

app.onError((error, c) => c.json({ error: error.message }, 400));

export default app;
