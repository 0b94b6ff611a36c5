// A strict reader of Prometheus's text exposition format (0.0.4) for the metrics tests: every line
// must be a HELP, a TYPE or a sample of the family its TYPE line named, label values quoted and
// escaped as the format says; anything else throws, naming the line.

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

/**
 * @param {string} text
 * @returns {{ samples: Map<string, number>, types: Map<string, string> }}  samples by `name{label="value",…}` with labels sorted
 */
export function parseExposition(text) {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition does not end with a line feed");
  const samples = new Map();
  const types = new Map();
  let family = "";
  for (const line of text.split("\n").slice(0, -1)) {
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    if (help) {
      family = help[1] ?? "";
      continue;
    }
    if (type) {
      if (type[1] !== family || types.has(family)) throw new Error(`TYPE out of place: ${line}`);
      types.set(family, type[2] ?? "");
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name = "", labelText = "", value = ""] = sample;
    const suffixes = types.get(family) === "histogram" ? ["_bucket", "_sum", "_count"] : [""];
    if (!suffixes.some((suffix) => name === family + suffix)) throw new Error(`sample ${name} outside its family ${family}`);
    const labels = [];
    for (let rest = labelText; rest !== "";) {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`bad labels: ${line}`);
      labels.push([label[1], label[2]?.replace(/\\(.)/g, (_, char) => (char === "n" ? "\n" : char))]);
      rest = rest.slice(label[0].length);
    }
    const key = seriesKey(name, Object.fromEntries(labels));
    if (samples.has(key)) throw new Error(`duplicate series: ${line}`);
    samples.set(key, Number(value));
  }
  return { samples, types };
}

/** @param {string} name @param {Record<string, string>} labels */
export function seriesKey(name, labels) {
  const sorted = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return `${name}{${sorted.map(([label, value]) => `${label}=${JSON.stringify(value)}`).join(",")}}`;
}

/**
 * The sum of the samples named `name` whose labels include `match`.
 * @param {Map<string, number>} samples @param {string} name @param {Record<string, string>} [match]
 */
export function total(samples, name, match = {}) {
  let sum = 0;
  for (const [key, value] of samples) {
    if (!key.startsWith(`${name}{`)) continue;
    const pairs = Object.entries(match).map(([label, wanted]) => `${label}=${JSON.stringify(wanted)}`);
    if (pairs.every((pair) => [`{${pair},`, `{${pair}}`, `,${pair},`, `,${pair}}`].some((piece) => key.includes(piece)))) sum += value;
  }
  return sum;
}
