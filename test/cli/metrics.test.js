import { describe, expect, it } from "vitest";
import { queueFamilies, supervisorFacts } from "../../cli/metrics.js";
import { MAX_HOST_WORKER_SERIES, ProcessTotals, SeriesCap } from "../../cli/metrics-totals.js";
import { metricsAddress } from "../../cli/metrics-server.js";
import { escapeLabelValue, formatMetrics } from "../../cli/metrics-text.js";
import { parseExposition } from "../helpers/prometheus.js";

/** @param {string} name @param {"counter" | "gauge"} type @param {[Record<string, string>, number][]} samples */
const family = (name, type, samples) => ({ name, type, help: `${name} help`, samples: samples.map(([labels, value]) => ({ name, labels, value })) });

describe("metrics text", () => {
  it("escapeLabelValue: backslash, double quote and line feed are escaped, nothing else", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue("tenant-1 é")).toBe("tenant-1 é");
  });

  it("formatMetrics: HELP, TYPE, then samples; a value that would break out of its quotes stays inside", () => {
    const text = formatMetrics([
      family("outpost_x_total", "counter", [[{ queue: 'q"} 1\nevil_total 99' }, 2]]),
      family("outpost_empty", "gauge", []),
      family("outpost_y", "gauge", [[{}, 0.5]]),
    ]);
    expect(text).toBe(
      "# HELP outpost_x_total outpost_x_total help\n# TYPE outpost_x_total counter\n" +
        'outpost_x_total{queue="q\\"} 1\\nevil_total 99"} 2\n' +
        "# HELP outpost_y outpost_y help\n# TYPE outpost_y gauge\noutpost_y 0.5\n",
    );
    const { samples } = parseExposition(text);
    expect([...samples.keys()]).toEqual(['outpost_x_total{queue="q\\"} 1\\nevil_total 99"}', "outpost_y{}"]);
  });
});

describe("metrics totals", () => {
  it("ProcessTotals: a retired process's counters stay in the sum, its gauges do not, and a late collection of it is ignored", () => {
    const totals = new ProcessTotals();
    const counts = (/** @type {number} */ requests, /** @type {number} */ inFlight) => [
      family("outpost_requests_total", "counter", [[{ tenant: "t", worker: "w", version: "v" }, requests]]),
      family("outpost_postgres_queries_in_flight", "gauge", [[{}, inFlight]]),
    ];
    totals.record("a", counts(5, 1));
    totals.record("b", counts(3, 2));
    const value = (/** @type {string} */ name) => totals.families().find((f) => f.name === name)?.samples[0]?.value;
    expect(value("outpost_requests_total")).toBe(8);
    expect(value("outpost_postgres_queries_in_flight")).toBe(3);
    totals.retireAllBut(new Set(["b"]));
    expect(value("outpost_requests_total")).toBe(8);
    expect(value("outpost_postgres_queries_in_flight")).toBe(2);
    totals.record("a", counts(6, 0));
    totals.record("c", counts(1, 0));
    expect(value("outpost_requests_total")).toBe(9);
  });

  it("ProcessTotals: past MAX_HOST_WORKER_SERIES worker versions on the host, the rest are summed as other", () => {
    const totals = new ProcessTotals();
    const samples = Array.from(
      { length: MAX_HOST_WORKER_SERIES + 3 },
      (_, i) => /** @type {[Record<string, string>, number]} */ ([{ tenant: "t", worker: `w${i}`, version: "v" }, 1]),
    );
    totals.record("a", [family("outpost_requests_total", "counter", samples)]);
    const [requests] = totals.families();
    expect(requests?.samples).toHaveLength(MAX_HOST_WORKER_SERIES + 1);
    expect(requests?.samples.at(-1)).toEqual({ name: "outpost_requests_total", labels: { tenant: "other", worker: "other", version: "other" }, value: 3 });
  });

  it("queueFamilies: depth and dead-lettered summed, age the oldest; queues past the cap are other", () => {
    const queue = (/** @type {string} */ name, /** @type {number} */ depth) => ({
      tenant: "t",
      name,
      depth,
      oldestAgeSeconds: depth,
      deadLettered: 1,
      dropped: 0,
    });
    const [messages, age, deadLettered] = queueFamilies([queue("a", 1), queue("b", 2), queue("c", 4)], new SeriesCap(1));
    expect(messages?.samples.map((s) => [s.labels, s.value])).toEqual([
      [{ tenant: "t", queue: "a" }, 1],
      [{ tenant: "other", queue: "other" }, 6],
    ]);
    expect(age?.samples[1]?.value).toBe(4);
    expect(deadLettered?.samples[1]?.value).toBe(2);
  });

  it("supervisorFacts: every reason starts at zero; an incident counts its suspensions", () => {
    const facts = supervisorFacts();
    facts.restarted("cpu");
    facts.killed("stall");
    facts.incident("cpu", 1);
    const text = formatMetrics(facts.families());
    expect(text).toContain('outpost_process_restarts_total{reason="cpu"} 1\n');
    expect(text).toContain('outpost_process_restarts_total{reason="memory"} 0\n');
    expect(text).toContain('outpost_process_kills_total{reason="stall"} 1\n');
    expect(text).toContain('outpost_incidents_total{kind="cpu"} 1\n');
    expect(text).toContain("outpost_suspensions_total 1\n");
  });
});

describe("OUTPOST_METRICS_ADDRESS", () => {
  it("metricsAddress: IPv4, [IPv6] or localhost with a port; unset is none", () => {
    expect(metricsAddress(undefined, [])).toBeNull();
    expect(metricsAddress("", [])).toBeNull();
    expect(metricsAddress("127.0.0.1:9464", [])).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(metricsAddress("[::1]:9464", [])).toEqual({ host: "::1", port: 9464 });
    expect(metricsAddress("localhost:9464", [])).toEqual({ host: "localhost", port: 9464 });
  });

  it("metricsAddress: anything else is refused with what to write", () => {
    for (const bad of [
      "9464",
      "127.0.0.1",
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "::1:9464",
      "example.com:9464",
      "127.0.0.1:94a",
      "256.0.0.1:9464",
      " 127.0.0.1:9464",
    ]) {
      expect(() => metricsAddress(bad, []), bad).toThrow(
        `OUTPOST_METRICS_ADDRESS must be IP:PORT, [IPv6]:PORT or localhost:PORT (e.g. 127.0.0.1:9464), got ${JSON.stringify(bad)}`,
      );
    }
    expect(() => metricsAddress("127.0.0.1:8788", [8787, 8788])).toThrow("OUTPOST_METRICS_ADDRESS: port 8788 is one of the platform's own (public or admin)");
  });
});
