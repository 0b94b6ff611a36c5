// Prometheus's text exposition format (version 0.0.4), written from metric families as the runner
// reports them (runner/metrics/registry.ts). Label values may carry tenant text (tenant, worker and
// queue names): they are escaped as the format says, so no value can end its quotes or its line.

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * @typedef {{ name: string, labels: Record<string, string>, value: number }} Sample
 * @typedef {{ name: string, type: "counter" | "gauge" | "histogram", help: string, samples: Sample[] }} MetricFamily
 */

/** A label value inside its double quotes: backslash, double quote and line feed escaped. @param {string} value */
export function escapeLabelValue(value) {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** HELP text: backslash and line feed escaped. @param {string} text */
function escapeHelp(text) {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** @param {number} value */
function formatValue(value) {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** @param {Record<string, string>} labels */
function formatLabels(labels) {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/**
 * The families as one exposition; a family with no sample is left out.
 * @param {MetricFamily[]} families
 */
export function formatMetrics(families) {
  const lines = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${sample.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.map((line) => `${line}\n`).join("");
}
