// The metrics routes. `GET /v1/maintenance/metrics` (operator): this process's counters as JSON,
// which the supervisor collects from every process's private socket. `GET /metrics` (operator,
// on the admin socket): the whole host's metrics in Prometheus's text format, which only the
// supervisor has; the runner asks its loopback metrics port, proving with the per-start forward
// secret that the operator's request came through a runner (cli/metrics-server.js).
import { Hono } from "hono";
import type { AdminEnv } from "../admin/auth.ts";
import { requireOperator } from "../control/scope.ts";
import { metricsSnapshot } from "./registry.ts";

export const processMetrics = new Hono<AdminEnv>();

processMetrics.get("/maintenance/metrics", (c) => {
  requireOperator(c.var.scope);
  return c.json({ families: metricsSnapshot() });
});

export const hostMetrics = new Hono<AdminEnv>();

hostMetrics.get("/metrics", async (c) => {
  requireOperator(c.var.scope);
  const port = c.env.CONFIG.metricsPort;
  const answer = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${c.env.FORWARD_SECRET ?? ""}`, accept: c.req.header("accept") ?? "*/*" },
  }).catch(() => null);
  if (!answer?.ok) {
    return c.json({ error: { code: "ERR_METRICS_UNAVAILABLE", message: "The supervisor did not answer with the metrics; try again shortly." } }, 503, {
      "retry-after": "1",
    });
  }
  return new Response(answer.body, { headers: { "content-type": answer.headers.get("content-type") ?? "text/plain; version=0.0.4" } });
});
