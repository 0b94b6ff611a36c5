// The process pool: N workerd processes on the public port, each also on a private loopback port
// of its own so that this supervisor can reach one particular process. Each process has a public
// socket of its own in an SO_REUSEPORT group (reuseport.js): the kernel spreads new connections
// over them evenly, and those that land on a stuck or restarting process wait in its socket's
// queue until its replacement accepts them (the watchdog's stall limit plus a restart, about
// 100 ms). Without SO_REUSEPORT, all share one socket and a stuck process simply stops receiving.
// The admin socket is always shared.
//
// The supervisor is the watchdog: it asks every process every 100 ms whether its event loop still
// turns, kills one that has not answered within the stall limit, restarts dead processes (at once,
// then with backoff, never giving up), and tells the runner what each dead process had in flight
// (the runner's invocation journal) so that the worker to blame can be suspended.
//
// It also keeps each process within its budget (budget.js): a process that has loaded more
// isolates than the operator allows, or grown past the memory limit, is replaced like a reload
// replaces it. Replacements, reloads included, run one at a time.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import workerd from "workerd";
import { fdLimitFor, hardFdLimit, withFdLimit } from "./fd-limit.js";
import { BUDGET_EVERY_MS, overBudget, residentMb } from "./budget.js";
import { openOutputPipe } from "./output-pipe.js";
import { privateHost } from "./owners-config.js";
import { supervisorFds } from "./reuseport.js";
import { SEAT } from "./workerd-config.js";
import { HEALTHY_AFTER_MS, PROBE_EVERY_MS, STARTUP_LIMIT_MS, incidentKind, mainThreadCpuMs, restartDelay, stallLimit, suspectsOf } from "./watchdog.js";

/** Where every process's private socket listens (OUTPOST_PRIVATE_HOST): the supervisor's way in, and its peers'. */
const PRIVATE_HOST = privateHost(process.env);
/** A replaced process finishes its requests for at most this long (reload, stop). */
const DRAIN_MS = 30_000;
const STOP_MS = 5_000;
/** How long a process that stops on purpose has to let go of its objects (the runner waits up to 5 s for their calls). */
const RELEASE_MS = 8_000;
const HEARTBEAT_MS = 1000;
/**
 * workerd's words when V8 runs out of heap (the process aborts): "V8 fatal error; location =
 * Reached heap limit; message = …: JavaScript heap out of memory", or another location under
 * other GC conditions. Looked for only in workerd's own lines, which no tenant can write.
 */
const OUT_OF_MEMORY = /heap out of memory|heap limit/i;
/**
 * workerd's words when a process has no descriptor left for a new connection (it exits): "Fatal
 * uncaught kj::Exception: …: overloaded: accept: Too many open files". Clients' connections did
 * that, not the code in flight, so no worker is blamed (fd-limit.js).
 */
const OUT_OF_DESCRIPTORS = /accept: Too many open files/;

/**
 * @typedef {object} PoolOptions
 * @property {string} configFile
 * @property {string} cwd                   workerd's working directory; its output FIFOs are made (and at once unlinked) there
 * @property {NodeJS.ProcessEnv} env         workerd's environment
 * @property {number[][]} ports              per slot, two private ports (a reload starts the replacement on the other)
 * @property {number | null} probationPort   the probation process's private port (runner/dispatch/probation.ts), or none
 * @property {string} adminToken             for the heartbeat and incident reports on private ports
 * @property {{ defaultMs: number, maxMs: number }} stall
 * @property {number | null} fdLimit         the operator's open-file limit per process (OUTPOST_FD_LIMIT), or null for the hard limit
 * @property {import("./pool-config.js").Budget} budget  when a pool process is replaced for what it holds
 * @property {() => void} beforeFirstStart   runs once, before any process starts
 * @property {(pid: number) => void} afterExit  runs when a process has exited, whatever the reason
 * @property {import("./metrics.js").SupervisorFacts} facts  counts restarts, kills, replacements and incidents for /metrics
 * @property {string} objectsDir             this host's seats: slot N's process keeps the objects it owns in `slot-N` (runner/owners)
 *
 * @typedef {import("./watchdog.js").Invocation} Invocation
 *
 * @typedef {object} Proc  one workerd process
 * @property {number} slot
 * @property {number} port
 * @property {import("node:child_process").ChildProcess} child
 * @property {number} startedAt
 * @property {number | null} answeredAt     last probe answer (null until the first)
 * @property {number | null} cpuAtAnswer    its main thread's CPU time (ms) then, where /proc tells
 * @property {boolean} probing
 * @property {boolean} busy                 journal lines came since the last check: its event loop turns
 * @property {Map<string, Invocation>} inFlight  worker versions with calls in flight, by journal id
 * @property {number} calls                 calls in flight, as the journal last counted them
 * @property {number} isolates              isolates it has loaded, as the journal last counted them
 * @property {number | null} baselineMb     its resident memory once it answered, before it loaded any isolate
 * @property {boolean} killedForStall
 * @property {boolean} outOfMemory
 * @property {boolean} outOfDescriptors
 * @property {boolean} retiring             replaced or stopped on purpose: its exit is no incident
 * @property {Promise<void>} exited
 */

/**
 * @param {PoolOptions} options
 * @param {import("./log.js").Logger} logger
 * @param {ReturnType<typeof import("./workerd-output.js").workerdOutput>} output
 */
export function startPool(options, logger, output) {
  const fds = supervisorFds(options.env);
  // Slot N (after the pool's) is the probation process: it takes no connection of the public and
  // admin sockets, only requests forwarded to its private port, and runs them one at a time.
  const probationSlot = options.probationPort === null ? -1 : options.ports.length;
  const portPairs = options.probationPort === null ? options.ports : [...options.ports, [options.probationPort]];
  /** @type {(Proc | null)[]} */
  const slots = portPairs.map(() => null);
  /** @type {number[]} consecutive deaths per slot */
  const failures = portPairs.map(() => 0);
  /** @type {Set<Proc>} every process not yet exited, retiring ones included: whose counters /metrics collects */
  const running = new Set();
  let stopping = false;
  let launches = 0;
  const hard = hardFdLimit();
  const fdLimit = fdLimitFor(hard, options.fdLimit);
  logger.info(`each workerd process may open ${fdLimit ?? "the inherited number of"} files`, { fdLimit, hardFdLimit: hard });

  /** @param {number} slot @param {number} port @returns {Proc} */
  const launch = (slot, port) => {
    const probation = slot === probationSlot;
    const sockets = probation
      ? ["--socket-addr", "public=127.0.0.1:0", "--socket-addr", "admin=127.0.0.1:0"]
      : ["--socket-fd", "public=3", "--socket-fd", "admin=4"];
    // The slot's seat: a replacement (after a crash, a reload) finds the files its predecessor wrote.
    // One per process: workerd's SQLite fails its process when another holds a lock on a file it
    // needs (measured: at every start, two processes opening one directory's metadata).
    const seat = probation ? "probation" : `slot-${slot}`;
    const seatDir = join(options.objectsDir, seat);
    mkdirSync(join(seatDir, "owners"), { recursive: true, mode: 0o700 });
    const address = `${PRIVATE_HOST}:${port}`;
    const args = ["serve", options.configFile, "--experimental", ...sockets, "--socket-addr", `private=${address}`, "--directory-path", `${SEAT}=${seatDir}`];
    const env = { ...options.env, OUTPOST_PROCESS_ROLE: probation ? "probation" : "pool", OUTPOST_SEAT: seat, OUTPOST_PRIVATE_ADDRESS: address };
    const origin = {
      process: slot,
      onJournal: (/** @type {Record<string, unknown>} */ entry) => journal(proc, entry),
      onDiagnostic: (/** @type {Record<string, unknown>} */ entry) => {
        proc.outOfMemory ||= OUT_OF_MEMORY.test(String(entry.msg));
        proc.outOfDescriptors ||= OUT_OF_DESCRIPTORS.test(String(entry.msg));
      },
    };
    const [stdout, stderr] = /** @type {const} */ (["stdout", "stderr"]).map((stream) =>
      openOutputPipe(join(options.cwd, `.${stream}-${slot}-${++launches}.fifo`), output.reader(stream, origin)),
    );
    if (!stdout || !stderr) throw new Error("unreachable: two output pipes");
    /** @type {import("node:child_process").StdioOptions} */
    const stdio = ["ignore", stdout.writeFd, stderr.writeFd, ...(probation ? [] : [fds.publicFd(slot), fds.adminFd])];
    // A process group of its own: a terminal's Ctrl-C is for `outpost start`, which stops the pool in order.
    const [command, commandArgs] = withFdLimit(fdLimit, workerd.default, args);
    const child = spawn(command, commandArgs, { cwd: options.cwd, env, stdio, detached: true });
    stdout.handedOver();
    stderr.handedOver();
    const closed = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
    child.once("exit", () => (stdout.readNow(), stderr.readNow()));
    // Once its output is read to the end, the last journal lines included.
    const done = Promise.all([closed, stdout.ended, stderr.ended]).then(([exit]) => exit);
    /** @type {Proc} */
    const proc = {
      slot,
      port,
      child,
      startedAt: Date.now(),
      answeredAt: null,
      cpuAtAnswer: null,
      probing: false,
      busy: false,
      inFlight: new Map(),
      calls: 0,
      isolates: 0,
      baselineMb: null,
      killedForStall: false,
      outOfMemory: false,
      outOfDescriptors: false,
      retiring: false,
      exited: done.then(() => {}),
    };
    running.add(proc);
    void done.then(({ code, signal }) => (running.delete(proc), onExit(proc, code, signal)));
    return proc;
  };

  /** @param {Proc} proc @param {Record<string, unknown>} entry */
  const journal = (proc, entry) => {
    proc.busy = true;
    const id = String(entry.id);
    if (entry.msg === "count" && typeof entry.calls === "number") proc.calls = entry.calls;
    else if (entry.msg === "isolates" && typeof entry.count === "number") proc.isolates = entry.count;
    else if (entry.msg === "end") {
      proc.inFlight.delete(id);
      if (proc.inFlight.size === 0) proc.calls = 0;
    } else if (entry.msg === "start") {
      proc.inFlight.set(id, {
        id,
        tenant: String(entry.tenant),
        worker: String(entry.worker),
        version: String(entry.version),
        ...(typeof entry.stallMs === "number" ? { stallMs: entry.stallMs } : {}),
        startedAt: Date.now(),
      });
    }
  };

  /** @param {Proc} proc @param {number | null} code @param {NodeJS.Signals | null} signal */
  const onExit = (proc, code, signal) => {
    if (proc.child.pid !== undefined) options.afterExit(proc.child.pid);
    if (stopping || proc.retiring) return;
    const kind = incidentKind(proc);
    const suspects = suspectsOf(proc.inFlight);
    // The journal's last count may be up to COUNT_EVERY_MS old (runner/logs/journal.ts): an estimate.
    const inFlight = Math.max(proc.calls, suspects.length);
    logger.warn(`workerd process ${proc.slot} exited (${signal ?? `code ${code}`}); restarting`, {
      process: proc.slot,
      kind,
      inFlight,
      suspects: [...new Set(suspects.map((s) => `${s.tenant}/${s.worker}`))],
    });
    const key = `${proc.child.pid}@${proc.startedAt}`;
    options.facts.restarted(kind);
    if (suspects.length > 0 && kind !== "descriptors") void reportIncident({ kind, process: proc.slot, suspects, inFlight, key }, proc);
    failures[proc.slot] = Date.now() - proc.startedAt > HEALTHY_AFTER_MS ? 1 : (failures[proc.slot] ?? 0) + 1;
    setTimeout(
      () => {
        if (!stopping && slots[proc.slot] === proc) slots[proc.slot] = launch(proc.slot, proc.port);
      },
      restartDelay(failures[proc.slot] ?? 1),
    );
  };

  /** The runner decides blame; any other live process takes the report (retried while none is up). */
  const reportIncident = async (/** @type {Record<string, unknown>} */ incident, /** @type {Proc} */ dead) => {
    for (let attempt = 0; attempt < 20 && !stopping; attempt++) {
      const target = slots.find((proc) => proc && proc !== dead && proc.answeredAt !== null && !proc.retiring);
      if (target) {
        const answer = await call(target.port, "POST", "/v1/maintenance/incidents", options.adminToken, incident).catch(() => null);
        if (answer && answer.status < 500) {
          if (answer.status >= 300) logger.error("the runner refused an incident report", { status: answer.status, body: answer.body });
          else {
            const outcome = parseJson(answer.body);
            options.facts.incident(String(incident.kind), Array.isArray(outcome.suspended) ? outcome.suspended.length : 0);
            logger.warn("incident reported", { process: dead.slot, ...outcome });
          }
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    logger.error("an incident could not be reported: no process answered", { process: dead.slot });
  };

  /** @param {Proc} proc */
  const cpuOf = (proc) => (proc.child.pid === undefined ? null : mainThreadCpuMs(proc.child.pid, (path) => readFileSync(path, "utf8")));

  /**
   * A process is stuck when, since its last answer, its event loop has run code for longer than
   * the stall limit: measured in its main thread's CPU time where /proc tells (a process waiting
   * for a core on a loaded machine is not stuck), else in wall-clock time.
   */
  const probe = () => {
    const now = Date.now();
    for (const proc of slots) {
      if (!proc || proc.retiring || proc.child.exitCode !== null || proc.child.signalCode !== null) continue;
      // Journal lines mean invocations start and end: the loop turns, however late the probe's
      // answer is under load (a process saturated with requests answers its probe slowly). They
      // also mean it has started: a replacement can take a request queued on its socket before its
      // first probe, and a stall in that request must count from then, not wait for the startup limit.
      if (proc.busy) {
        proc.busy = false;
        proc.answeredAt = now;
        proc.cpuAtAnswer = cpuOf(proc);
      }
      if (proc.answeredAt === null) {
        if (now - proc.startedAt > STARTUP_LIMIT_MS) {
          logger.warn(`workerd process ${proc.slot} did not start within ${STARTUP_LIMIT_MS} ms; killing it`, { process: proc.slot });
          options.facts.killed("startup");
          proc.child.kill("SIGKILL");
          continue;
        }
      } else {
        const limit = stallLimit(proc.inFlight.values(), options.stall);
        const cpu = proc.cpuAtAnswer === null ? null : cpuOf(proc);
        const stuckFor = cpu === null || proc.cpuAtAnswer === null ? now - proc.answeredAt : cpu - proc.cpuAtAnswer;
        if (stuckFor > limit) {
          proc.killedForStall = true;
          options.facts.killed("stall");
          logger.warn(`workerd process ${proc.slot} ran ${stuckFor} ms without answering (limit ${limit} ms); killing it`, { process: proc.slot });
          proc.child.kill("SIGKILL");
          continue;
        }
      }
      if (proc.probing) continue;
      proc.probing = true;
      call(proc.port, "GET", "/healthz")
        .then(() => {
          proc.answeredAt = Date.now();
          proc.cpuAtAnswer = cpuOf(proc);
        })
        .catch(() => {})
        .finally(() => (proc.probing = false));
    }
  };

  // The scheduler heartbeat: workerd starts a Durable Object only when something calls it, so this
  // call starts each process's scheduler (runner/scheduler/scheduler.ts: queue delivery, cron timers),
  // and again within a second after a restart. The probation process runs no scheduler: pool processes
  // forward it the queue batches and cron attempts of workers on probation (runner/dispatch/probation.ts).
  // Each process, the probation one included, also renews its object leases and adopts its seat's
  // orphans (runner/owners) on this beat.
  const heartbeat = () => {
    for (const proc of slots) {
      if (!proc || proc.answeredAt === null || proc.retiring) continue;
      call(proc.port, "POST", "/v1/maintenance/owners", options.adminToken).catch(() => {});
      if (proc.slot !== probationSlot) call(proc.port, "POST", "/v1/maintenance/tick", options.adminToken).catch(() => {});
    }
  };

  let replacingForBudget = false;
  /** The tail of the replacements queued so far: each starts when the one before it has ended. */
  let replacements = Promise.resolve(true);
  /** @param {() => Promise<boolean> | boolean} replacement */
  const oneAtATime = (replacement) => {
    const run = replacements.then(replacement, replacement);
    replacements = run.catch(() => false);
    return run;
  };

  /** Replaces the first pool process found over its budget (the probation process holds few isolates and is not). */
  const checkBudgets = () => {
    if (stopping || replacingForBudget) return;
    const now = Date.now();
    for (const proc of slots) {
      if (!proc || proc.slot === probationSlot || proc.retiring || proc.answeredAt === null || proc.child.pid === undefined) continue;
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) continue;
      const rssMb = residentMb(proc.child.pid, (path) => readFileSync(path, "utf8"));
      // Measured before it loads a tenant's isolate: what any fresh process has.
      if (proc.baselineMb === null && rssMb !== null && proc.isolates === 0) {
        proc.baselineMb = rssMb;
        if (rssMb >= options.budget.memoryMb) {
          logger.warn(`workerd process ${proc.slot} uses ${rssMb} MB as it starts, over OUTPOST_MAX_PROCESS_MEMORY_MB: it is not replaced for its memory`, {
            process: proc.slot,
            rssMb,
            memoryLimitMb: options.budget.memoryMb,
          });
        }
      }
      const over = overBudget({ isolates: proc.isolates, rssMb, baselineMb: proc.baselineMb, ageMs: now - proc.startedAt }, options.budget);
      if (!over) continue;
      logger.warn(`replacing workerd process ${proc.slot}: ${over.text}`, {
        process: proc.slot,
        reason: over.reason,
        isolates: proc.isolates,
        rssMb,
        isolateBudget: options.budget.isolates,
        memoryLimitMb: options.budget.memoryMb,
      });
      replacingForBudget = true;
      void oneAtATime(() => (slots[proc.slot] === proc ? replace(proc.slot, "budget") : true)).finally(() => (replacingForBudget = false));
      return;
    }
  };

  options.beforeFirstStart();
  slots.forEach((_, slot) => (slots[slot] = launch(slot, portPairs[slot]?.[0] ?? 0)));
  const prober = setInterval(probe, PROBE_EVERY_MS);
  const beater = setInterval(heartbeat, HEARTBEAT_MS);
  const budgeter = setInterval(checkBudgets, BUDGET_EVERY_MS);

  /** @type {WeakSet<Proc>} */
  const released = new WeakSet();
  /**
   * A process that stops on purpose first lets go of the objects it owns (runner/owners), so that
   * its slot's next process, or another, takes them at once instead of after their lease.
   * @param {Proc} proc
   */
  const release = async (proc) => {
    if (proc.answeredAt === null || released.has(proc)) return;
    released.add(proc);
    // A stuck process does not answer: its leases run out instead.
    const timeout = new Promise((resolve) => setTimeout(resolve, RELEASE_MS));
    /** @type {{ status: number, body: string } | string} */
    const answer = await Promise.race([
      call(proc.port, "POST", "/v1/maintenance/owners/release", options.adminToken).catch((/** @type {Error} */ error) => error.message),
      timeout.then(() => `no answer within ${RELEASE_MS} ms`),
    ]);
    if (typeof answer === "string" || answer.status !== 200) {
      const why = typeof answer === "string" ? answer : `${answer.status} ${answer.body.slice(0, 300)}`;
      // Stopping with the embedded Postgres, which stops on the same signal: the next start lets go of them.
      if (stopping) logger.info(`workerd process ${proc.slot} did not release its objects; the host's next start does`, { process: proc.slot, why });
      else logger.warn(`workerd process ${proc.slot} did not release its objects; they move when their leases run out`, { process: proc.slot, why });
    }
  };

  /** @param {Proc} proc */
  const retire = async (proc) => {
    await release(proc);
    proc.retiring = true;
    proc.child.kill("SIGTERM");
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), stopping ? STOP_MS : DRAIN_MS);
    await proc.exited;
    clearTimeout(timer);
  };

  /**
   * Replaces one slot's process: the replacement must answer before the process it replaces stops
   * accepting and drains, so no connection is refused. `why` starts its log lines.
   * @param {number} slot
   * @param {string} why
   */
  const replace = async (slot, why) => {
    const old = slots[slot];
    const pair = portPairs[slot] ?? [];
    // The probation process has one port, which the runner knows: it is replaced in place.
    if (pair.length === 1 && old) await retire(old);
    const port = pair.length === 1 ? (pair[0] ?? 0) : old && old.port === pair[0] ? (pair[1] ?? 0) : (pair[0] ?? 0);
    const fresh = launch(slot, port);
    slots[slot] = fresh;
    const deadline = Date.now() + STARTUP_LIMIT_MS;
    while (fresh.answeredAt === null && Date.now() < deadline && fresh.child.exitCode === null && fresh.child.signalCode === null) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    }
    if (fresh.answeredAt === null) {
      logger.error(`${why}: the new workerd process ${slot} did not start; the old one keeps serving`, { process: slot });
      await retire(fresh);
      // Stopping (which retired the new one) starts nothing: the old one stays in the slot to be killed with the rest.
      slots[slot] = old && !old.retiring ? old : stopping ? null : launch(slot, port);
      return false;
    }
    if (old && !old.retiring) {
      await release(old);
      // The objects it let go of are the new process's to adopt now rather than at its next beat.
      call(fresh.port, "POST", "/v1/maintenance/owners", options.adminToken).catch(() => {});
      await retire(old);
    }
    logger.info(`${why}: workerd process ${slot} replaced`, { process: slot });
    options.facts.replaced(why);
    return true;
  };

  return {
    /** The processes not yet exited: a key unique to each, its slot, private port, pid and isolates loaded. */
    processes: () =>
      [...running].map((proc) => ({
        key: `${proc.child.pid}@${proc.startedAt}`,
        slot: proc.slot,
        port: proc.port,
        pid: proc.child.pid,
        isolates: proc.isolates,
      })),
    /** Replaces the processes one at a time (new config, new runner). */
    reload: () =>
      oneAtATime(async () => {
        for (let slot = 0; slot < slots.length && !stopping; slot++) if (!(await replace(slot, "reload"))) return false;
        return true;
      }),
    /** For an exit that cannot wait: no workerd may outlive the supervisor. */
    killAll() {
      for (const proc of slots) proc?.child.kill("SIGKILL");
    },
    async stop() {
      stopping = true;
      clearInterval(prober);
      clearInterval(beater);
      clearInterval(budgeter);
      await Promise.all(slots.map((proc) => proc && retire(proc)));
    },
  };
}

/**
 * Idle connections to the private ports are kept: a new connection for every probe (ten a second
 * per process) cost the supervisor more CPU than the probe. No request waits for a busy one (no
 * socket limit), so a stuck process holds only the socket of the request it is stuck on.
 */
const privateAgent = new Agent({ keepAlive: true });

/**
 * One request to a process's private port.
 * @param {number} port
 * @param {string} method
 * @param {string} path
 * @param {string} [token]
 * @param {unknown} [body]
 * @returns {Promise<{ status: number, body: string }>}
 */
export function call(port, method, path, token, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload ? { "content-type": "application/json" } : {}),
    };
    const req = request({ host: PRIVATE_HOST, port, method, path, headers, agent: privateAgent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** @param {string} text */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { body: text };
  }
}
