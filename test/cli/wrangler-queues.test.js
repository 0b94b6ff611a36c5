// wrangler.toml's queues and cron triggers: read into the deploy body, bad input refused by name.
import { afterAll, describe, expect, it } from "vitest";
import { deployBody } from "../../cli/deploy.js";
import { parseConfigText, validateWranglerConfig } from "../../cli/wrangler-config.js";
import { HELLO, removeTempProjects, tempProject } from "./temp-project.js";

afterAll(removeTempProjects);

/** @param {string} text @param {string} [file] */
const read = (text, file = "wrangler.toml") => validateWranglerConfig(parseConfigText(text, file), `/project/${file}`);

/** @param {string} text */
function refusal(text) {
  try {
    read(text);
  } catch (error) {
    return /** @type {Error} */ (error).message;
  }
  throw new Error("the config was accepted");
}

describe("queues and crons in wrangler.toml", () => {
  it("config: producers, consumers and crons are read with wrangler's field names", () => {
    const config = read(`
      name = "w"
      [[queues.producers]]
      binding = "JOBS"
      queue = "jobs"
      delivery_delay = 30

      [[queues.consumers]]
      queue = "jobs"
      max_batch_size = 50
      max_batch_timeout = 2
      max_retries = 5
      retry_delay = 10
      max_concurrency = 3
      dead_letter_queue = "jobs-dlq"

      [[queues.consumers]]
      queue = "pulled"
      type = "http_pull"
      visibility_timeout_ms = 5000

      [triggers]
      crons = ["*/5 * * * *", "0 18 * * friL"]
    `);
    expect(config.queues).toEqual({
      producers: { JOBS: { queue: "jobs", deliveryDelay: 30 } },
      consumers: [
        { queue: "jobs", maxBatchSize: 50, maxBatchTimeout: 2, maxRetries: 5, retryDelay: 10, maxConcurrency: 3, deadLetterQueue: "jobs-dlq" },
        { queue: "pulled", type: "http_pull", visibilityTimeoutMs: 5000 },
      ],
    });
    expect(config.crons).toEqual(["*/5 * * * *", "0 18 * * friL"]);
  });

  it("config: wrangler.json's queues and triggers read the same", () => {
    const config = read(`{ "queues": { "producers": [{ "binding": "Q", "queue": "q" }] }, "triggers": { "crons": ["0 * * * *"] } }`, "wrangler.json");
    expect(config.queues).toEqual({ producers: { Q: { queue: "q" } }, consumers: [] });
    expect(config.crons).toEqual(["0 * * * *"]);
  });

  it("config: a config without queues or triggers has neither", () => {
    const config = read(`name = "w"`);
    expect(config.queues).toBeUndefined();
    expect(config.crons).toBeUndefined();
  });

  it("config: bad queue and trigger fields are refused, each named", () => {
    expect(refusal(`[[queues.producers]]\nqueue = "q"`)).toBe("wrangler.toml: queues.producers[0].binding is missing");
    expect(refusal(`[[queues.consumers]]\nmax_batch_size = 5`)).toBe("wrangler.toml: queues.consumers[0].queue is missing");
    expect(refusal(`[[queues.consumers]]\nqueue = "q"\nmax_batch_size = "10"`)).toBe("wrangler.toml: queues.consumers[0].max_batch_size must be a number");
    expect(refusal(`[[queues.consumers]]\nqueue = "q"\ntype = "push"`)).toBe('wrangler.toml: queues.consumers[0].type must be "worker" or "http_pull"');
    expect(refusal(`[[queues.consumers]]\nqueue = "q"\nmax_batch_sise = 5`)).toBe(
      "wrangler.toml: queues.consumers[0] has fields Outpost does not know: max_batch_sise",
    );
    expect(refusal(`[queues]\nproducer = []`)).toBe("wrangler.toml: queues has fields Outpost does not know: producer");
    expect(refusal(`[triggers]\ncrons = [5]`)).toBe("wrangler.toml: triggers.crons[0] must be a string");
    expect(refusal(`[triggers]\ncron = ["* * * * *"]`)).toBe("wrangler.toml: triggers has fields Outpost does not know: cron");
  });

  it("deploy body: queues and crons are sent as the admin API takes them", async () => {
    const dir = await tempProject({
      "wrangler.toml": `name = "q"\nmain = "index.js"\n[[queues.producers]]\nbinding = "OUT"\nqueue = "out"\n[[queues.consumers]]\nqueue = "in"\n[triggers]\ncrons = ["* * * * *"]`,
      "index.js": HELLO,
    });
    const { body } = await deployBody({ target: dir });
    expect(body.queues).toEqual({ producers: { OUT: { queue: "out" } }, consumers: [{ queue: "in" }] });
    expect(body.crons).toEqual(["* * * * *"]);
  });
});
