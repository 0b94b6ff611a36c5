// Runs one case of the queue suite per request against env.Q (GET /run/<case name>); its queue()
// handler records every message it is handed, and acts on flags carried in json bodies.
import { caseRunner } from "../suites/run-case.ts";
import { type Received, type SuiteBinding, queueCases } from "./cases.ts";

interface Env {
  Q: Queue;
}

// The consumer and the cases share the isolate (one worker, one host), so the record is in memory.
const received: Received[] = [];

const runner = caseRunner(queueCases, (env: Env): SuiteBinding => ({ queue: env.Q, received }));

export default {
  fetch: runner.fetch,
  async queue(batch: MessageBatch, _env: Env): Promise<void> {
    let fail = false;
    for (const message of batch.messages) {
      received.push({
        queue: batch.queue,
        id: message.id,
        timestamp: message.timestamp,
        body: message.body,
        attempts: message.attempts,
        batchSize: batch.messages.length,
        metadata: batch.metadata,
      });
      const flags = (typeof message.body === "object" && message.body !== null ? message.body : {}) as Record<string, unknown>;
      if (flags.retryOnce && message.attempts === 1) message.retry();
      if (flags.retryAllOnce && message.attempts === 1) batch.retryAll();
      if (flags.throwOnce && message.attempts === 1) fail = true;
    }
    if (fail) throw new Error("the consumer failed on purpose");
  },
} satisfies ExportedHandler<Env>;
