#!/usr/bin/env node
// The `outpost` command.
import { parseArgs } from "node:util";
import { poolConfig } from "./pool-config.js";

const HELP = `outpost — run Cloudflare-style workers on your own workerd hosts

Usage:
  outpost start [--port 8787] [--admin-port 8788] [--data-dir .outpost] [--base-domain localhost] [--demo]
  outpost reload [--data-dir .outpost]         replace the running host's workerd processes one at a time (new runner, new config)
  outpost deploy [DIR | DIR/wrangler.toml] [FLAGS]   deploys the project described by DIR's wrangler.toml
                 (or wrangler.json/.jsonc, or the generated config .wrangler/deploy/config.json points to;
                 DIR defaults to the current directory), bundled like wrangler deploy
  outpost deploy <entry.js|ts> [FLAGS]   deploys the entry file with the nearest wrangler.toml (or the flags alone)
    FLAGS: [-c|--config FILE] [-e|--env NAME (default $CLOUDFLARE_ENV): merge [env.NAME] over the top level]
           [--minify] [--dry-run] [--outdir DIR]   (--dry-run bundles and checks only; --outdir writes the bundle)
           [--name NAME] [--kv BINDING[=NAMESPACE]]... [--r2 BINDING[=BUCKET]]... [--var KEY=VALUE]... [--vault BINDING]... [--tenant ID]
           [--compatibility-date YYYY-MM-DD] [--compatibility-flag FLAG]... [--message TEXT]
           [--percent P]   (a gradual rollout: the new version takes P % of requests)
           [--cpu-ms MS]   (limits.cpu_ms, 10-30000: its stall limit; the watchdog applies at least 200 and at most OUTPOST_MAX_STALL_MS)
    Flags override the config file's name, date and bindings of the same name; flags add to its
    compatibility flags. A KV namespace defaults to the binding's name. wrangler's spellings
    --var KEY:VALUE and --compatibility-flags work too; --keep-vars, --upload-source-maps and
    --logpush are accepted and ignored (Outpost has no dashboard vars, source maps or Logpush).
  outpost workers                              workers, versions serving, rollouts, routes, suspensions and probation
  outpost resume NAME                          lift the worker's suspension
  outpost versions NAME                        stored versions, oldest first
  outpost crons NAME                           the worker's latest cron runs: tick, cron, outcome, attempts
  outpost rollback NAME [VERSION]              serve VERSION (an id or unique prefix); default the previous one
  outpost rollout NAME VERSION PERCENT         send PERCENT % of requests to another stored version
  outpost rollout NAME promote|abort           end the rollout
  outpost delete NAME                          delete the worker, its versions, routes, secrets and cron runs (KV and R2 data stay)
  outpost routes                               route patterns by worker
  outpost domains add DOMAIN [--tenant ID] | domains list | domains remove DOMAIN
                                               custom domains (shop.example.com, or *.example.com for its subdomains)
                                               a tenant owns; routes may only use its own hosts
  outpost tokens create NAME [--tenant ID] | tokens list | tokens revoke ID   (operator token needed)
  outpost secret put WORKER NAME               set a secret binding (value from stdin, or typed at a prompt)
  outpost secret list WORKER | secret delete WORKER NAME
  outpost secret put|delete NAME · secret list   as wrangler: the worker from --name or ./wrangler.toml (-e ENV)
  outpost secret bulk [FILE.json] [--name WORKER]   set several secrets: a JSON object of name → value or a .env file (stdin without FILE)
  outpost kv namespace list | kv namespace create NAME | kv namespace delete [NAME]
  outpost kv key put KEY [VALUE] [--path FILE] [--ttl S] [--expiration T] [--metadata JSON] | kv key get KEY [--text]
  outpost kv key list [--prefix P] | kv key delete KEY | kv bulk put FILE.json | kv bulk delete FILE.json [--force]
                                               KV data; the namespace is --binding NAME (from ./wrangler.toml, or -c FILE)
                                               or --namespace-id ID (its name), as in wrangler; --tenant ID for operators
  outpost r2 bucket list | r2 bucket create NAME | r2 bucket delete NAME   [--tenant ID]
  outpost r2 object get BUCKET/KEY [--file F | --pipe] | r2 object put BUCKET/KEY --file F | --pipe [--content-type T]
  outpost r2 object delete BUCKET/KEY          R2 objects, as wrangler's r2 object verbs
  outpost d1 list | d1 create NAME | d1 info NAME | d1 delete NAME [-y]   [--tenant ID]   D1 databases
  outpost d1 execute NAME --command SQL | --file F [--json]   run SQL (a file: each statement, one transaction)
  outpost d1 migrations create|list|apply NAME   wrangler's migrations (migrations_dir of ./wrangler.toml, table d1_migrations)
  outpost d1 export NAME --output F.sql [--no-data | --no-schema] [--table T]   the database as SQL (--local/--remote ignored)
  outpost d1 time-travel info NAME [--timestamp T] | restore NAME --bookmark B | --timestamp T [-y]   a bookmark; restore to one
  outpost vault put NAME | vault list | vault delete NAME   [--tenant ID]   the tenant's vault
  outpost secrets rotate-key                   re-encrypt every secret under a new data key (operator)
  outpost queues [list] [--tenant ID]          queues: depth, in flight, delayed, oldest message age, dead-lettered, consumer
  outpost queues purge NAME [--tenant ID]      delete every message of a queue
  outpost queues send NAME BODY [--json] [--delay-seconds N] [--tenant ID]   send one message (text; --json: BODY is JSON)
  outpost logs NAME [FILTERS] [--since TIME] [--until TIME] [--limit N] [--cursor C]   stored invocations of a worker with observability on
  outpost tail NAME [FILTERS]                  its invocations live, as they end (from any host sharing the database)
    FILTERS: [--format pretty|json] [--status ok|error|canceled|HTTP-STATUS] [--method GET] [--search TEXT]
             [--level debug|info|warn|error] [--header NAME[:VALUE]] [--ip ADDRESS] [--sampling-rate 0-1 (the share printed)]
  outpost audit [--tenant ID] [--limit N] [--before ID]   admin API audit log, newest first (a tenant token: its own tokens' entries)
  outpost usage [--tenant ID]                  the tenant's usage and quota of each resource (a tenant token: its own)
  outpost quota set TENANT RESOURCE=VALUE...   set a tenant's quotas (operator): kv_bytes=2GiB workers=200 tokens=default

Environment:
  PORT, ADMIN_PORT, OUTPOST_DATA_DIR, OUTPOST_BASE_DOMAIN, OUTPOST_ADMIN_TOKEN, OUTPOST_ADMIN_URL,
  OUTPOST_EGRESS_ALLOW (comma-separated host:port pairs tenants may reach although private),
  OUTPOST_KEEP_VERSIONS (versions kept per worker, default 100; older ones are deleted),
  OUTPOST_MASTER_KEY (32 bytes, base64 or hex: encrypts secrets; generated into the data dir when unset),
  OUTPOST_PUBLIC_URL (workers' public origin behind a proxy, e.g. https://example.com: NAME.example.com; default http://<base domain>:PORT),
  OUTPOST_STORAGE_ORIGIN (origin of presigned storage URLs, default http://storage.<base domain>:PORT),
  OUTPOST_DOMAIN_CLAIMS (open: tenant tokens may register unowned domains themselves; default closed),
  OUTPOST_RESERVED_NAMES (comma-separated worker names no tenant may deploy; storage always is),
  OUTPOST_NAME_GRACE_DAYS (days a deleted worker's name stays with its tenant, default 7),
  OUTPOST_PROCESSES (workerd processes per host, default the number of CPU cores, at least 2),
  OUTPOST_STALL_MS (how long a process may be stuck in one piece of code before it is killed, default 1000),
  OUTPOST_MAX_STALL_MS (the most a worker's limits.cpu_ms may ask for, default OUTPOST_STALL_MS),
  OUTPOST_HEAP_MB (V8 heap limit of every isolate; one that exceeds it costs its own process, default 512),
  OUTPOST_SUSPEND_AFTER, OUTPOST_SUSPEND_WINDOW_SECONDS (a worker that stalls or crashes its process this
    many times within the window is suspended; default 3 within 600),
  OUTPOST_MAX_REQUEST_BODY_MB (largest public request body, default 100; larger ones get 413),
  OUTPOST_MAX_ISOLATES_PER_PROCESS, OUTPOST_MAX_PROCESS_MEMORY_MB (a process with more worker isolates
    loaded, or more memory resident, is replaced without refusing connections; default 200, and 2048 MB
    or less on a small machine: its memory / (OUTPOST_PROCESSES + 1)),
  OUTPOST_REPLACE_AFTER_SECONDS (no process is replaced for those sooner after it started, default 60),
  OUTPOST_MAX_ISOLATES_PER_TENANT (workers of one tenant loaded per process; one more gets 503; default 100, the default workers quota),
  OUTPOST_MAX_SUBREQUESTS (fetches and binding calls per invocation, default 10000),
  OUTPOST_WAIT_UNTIL_SECONDS (how long ctx.waitUntil work keeps its I/O after the response, default 30),
  OUTPOST_MAX_WEBSOCKETS (WebSockets one worker version may hold open per process, default 1000),
  OUTPOST_FD_LIMIT (open files per workerd process, default the system's hard limit; lower only),
  OUTPOST_DB_TENANT_CONNECTIONS (database connections one tenant may hold at once per workerd process, of 4; default 3),
  OUTPOST_DB_TENANT_MIB_PER_SECOND (MiB per second one tenant's calls may send to the database per workerd process; more waits; default 8),
  OUTPOST_LOG_RETENTION_EVENTS, OUTPOST_LOG_RETENTION_HOURS (stored invocations kept per worker: the newest, default 1000, for at most 72 hours),
  OUTPOST_OWNER_LEASE_SECONDS (how long a process owns a D1 database without renewing, 3-600, default 10),
  OUTPOST_OBJECT_SNAPSHOT_SECONDS (how often a changed D1 database is copied to the blob store, 1-86400, default 60),
  OUTPOST_OBJECT_HISTORY_DAYS (how far back \`outpost d1 time-travel\` reaches: the write log and copies kept, 1-365, default 7),
  OUTPOST_PRIVATE_HOST (address of the processes' private sockets, which peers forward D1 calls to, default 127.0.0.1),
  OUTPOST_OTLP_LOGS_URL (an OpenTelemetry collector's OTLP/HTTP logs endpoint that stored invocations are also sent to, as JSON; default unset),
  OUTPOST_CLIENT_IP_HEADER (a header the proxy in front sets to the client's address, e.g. x-forwarded-for: its last hop
    becomes CF-Connecting-IP and the address logs store; default unset: the connection's address, no header trusted),
  OUTPOST_LOG_JOURNAL (1: print the invocation journal: which worker versions have calls in flight, and how many),
  S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION, S3_PREFIX
    (R2 object bytes in an S3-compatible store; local disk in the data dir when unset),
  DATABASE_URL (external Postgres; embedded Postgres in the data dir when unset)
`;

const [command, ...rest] = process.argv.slice(2);

try {
  switch (command) {
    case "start": {
      const { values } = parseArgs({
        args: rest,
        options: {
          port: { type: "string", default: process.env.PORT ?? "8787" },
          "admin-port": { type: "string", default: process.env.ADMIN_PORT ?? "8788" },
          "data-dir": { type: "string", default: process.env.OUTPOST_DATA_DIR ?? ".outpost" },
          "base-domain": { type: "string", default: process.env.OUTPOST_BASE_DOMAIN ?? "localhost" },
          host: { type: "string", default: "127.0.0.1" },
          demo: { type: "boolean", default: false },
        },
      });
      const { start } = await import("./start.js");
      await start({
        port: port(values.port, "--port"),
        adminPort: port(values["admin-port"], "--admin-port"),
        dataDir: values["data-dir"],
        baseDomain: values["base-domain"],
        host: values.host,
        demo: values.demo,
        keepVersions: count(process.env.OUTPOST_KEEP_VERSIONS ?? "100", "OUTPOST_KEEP_VERSIONS"),
        egressAllow: (process.env.OUTPOST_EGRESS_ALLOW ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        ...poolConfig(process.env),
      });
      break;
    }
    case "reload": {
      const { values } = parseArgs({ args: rest, options: { "data-dir": { type: "string", default: process.env.OUTPOST_DATA_DIR ?? ".outpost" } } });
      const { reload } = await import("./reload.js");
      console.log(await reload(values["data-dir"]));
      break;
    }
    case "deploy": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          name: { type: "string" },
          kv: { type: "string", multiple: true, default: [] },
          var: { type: "string", multiple: true, default: [] },
          vault: { type: "string", multiple: true, default: [] },
          r2: { type: "string", multiple: true, default: [] },
          tenant: { type: "string" },
          "compatibility-date": { type: "string" },
          "compatibility-flag": { type: "string", multiple: true, default: [] },
          // wrangler's spelling of the same flag.
          "compatibility-flags": { type: "string", multiple: true, default: [] },
          // wrangler flags about Cloudflare-side state Outpost does not have (dashboard vars,
          // source maps, Logpush): accepted, as their config keys are, and ignored.
          "keep-vars": { type: "boolean" },
          "upload-source-maps": { type: "boolean" },
          logpush: { type: "boolean" },
          message: { type: "string" },
          percent: { type: "string" },
          "cpu-ms": { type: "string" },
          config: { type: "string", short: "c" },
          env: { type: "string", short: "e" },
          minify: { type: "boolean" },
          "dry-run": { type: "boolean" },
          outdir: { type: "string" },
        },
      });
      if (positionals.length > 1) throw new Error(`deploy takes one directory or file, got ${positionals.join(" ")} (see outpost --help)`);
      const [target] = positionals;
      // As wrangler, CLOUDFLARE_ENV picks the environment when --env does not.
      const environment = values.env ?? process.env.CLOUDFLARE_ENV;
      const { deploy } = await import("./deploy.js");
      await deploy({
        ...(target ? { target } : {}),
        ...(values.name ? { name: values.name } : {}),
        kv: values.kv,
        vars: values.var,
        vaults: values.vault,
        r2: values.r2,
        compatibilityFlags: [...values["compatibility-flag"], ...values["compatibility-flags"]],
        ...(values.tenant ? { tenant: values.tenant } : {}),
        ...(values["compatibility-date"] ? { compatibilityDate: values["compatibility-date"] } : {}),
        ...(values.message ? { message: values.message } : {}),
        ...(values.percent !== undefined ? { percent: percent(values.percent) } : {}),
        ...(values["cpu-ms"] !== undefined ? { cpuMs: count(values["cpu-ms"], "--cpu-ms") } : {}),
        ...(values.config ? { config: values.config } : {}),
        ...(environment ? { env: environment } : {}),
        ...(values.minify ? { minify: true } : {}),
        ...(values["dry-run"] ? { dryRun: true } : {}),
        ...(values.outdir ? { outdir: values.outdir } : {}),
      });
      break;
    }
    case "queues": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { tenant: { type: "string" }, json: { type: "boolean" }, "delay-seconds": { type: "string" } },
      });
      const { queues } = await import("./queues.js");
      const delay = values["delay-seconds"];
      await queues(positionals, values.tenant, {
        json: values.json ?? false,
        ...(delay === undefined ? {} : { delaySeconds: count(delay, "--delay-seconds") }),
      });
      break;
    }
    case "kv": {
      const { kvCommand } = await import("./kv.js");
      await kvCommand(rest);
      break;
    }
    case "r2": {
      const { r2Command } = await import("./r2.js");
      await r2Command(rest);
      break;
    }
    case "d1": {
      const { d1Command } = await import("./d1.js");
      await d1Command(rest);
      break;
    }
    case "usage":
    case "quota": {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { tenant: { type: "string" } } });
      const quotas = await import("./quotas.js");
      await (command === "usage" ? quotas.usage(values.tenant) : quotas.quota(positionals));
      break;
    }
    case "logs":
    case "tail": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          format: { type: "string", default: "pretty" },
          status: { type: "string" },
          method: { type: "string" },
          search: { type: "string" },
          level: { type: "string" },
          header: { type: "string" },
          ip: { type: "string" },
          "sampling-rate": { type: "string" },
          ...(command === "logs" ? { since: { type: "string" }, until: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" } } : {}),
        },
      });
      const [name] = positionals;
      if (!name || positionals.length > 1) throw new Error(`usage: outpost ${command} NAME [flags] (see outpost --help)`);
      if (values.format !== "pretty" && values.format !== "json") throw new Error(`--format must be pretty or json, got ${values.format}`);
      const rate = values["sampling-rate"] === undefined ? undefined : Number(values["sampling-rate"]);
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new Error(`--sampling-rate must be a number from 0 to 1, got ${values["sampling-rate"]}`);
      const { limit, since, until, cursor } = /** @type {{ limit?: string, since?: string, until?: string, cursor?: string }} */ (values);
      const options = {
        format: /** @type {"pretty" | "json"} */ (values.format),
        status: values.status,
        method: values.method,
        search: values.search,
        level: values.level,
        header: values.header,
        ip: values.ip,
        samplingRate: rate,
        since,
        until,
        limit: limit === undefined ? undefined : count(limit, "--limit"),
        cursor,
      };
      const commands = await import("./logs.js");
      if (command === "logs") await commands.logs(name, options);
      else {
        const stop = new AbortController();
        process.once("SIGINT", () => stop.abort());
        await commands.tail(name, options, stop.signal);
      }
      break;
    }
    case "audit": {
      const { values } = parseArgs({ args: rest, options: { tenant: { type: "string" }, limit: { type: "string" }, before: { type: "string" } } });
      const { audit } = await import("./commands.js");
      await audit({ tenant: values.tenant, limit: values.limit === undefined ? undefined : count(values.limit, "--limit"), before: values.before });
      break;
    }
    case "workers":
    case "versions":
    case "crons":
    case "rollback":
    case "rollout":
    case "delete":
    case "resume":
    case "routes":
    case "domains":
    case "tokens":
    case "secret":
    case "vault":
    case "secrets": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { tenant: { type: "string" }, name: { type: "string" }, env: { type: "string", short: "e" } },
      });
      const environment = values.env ?? process.env.CLOUDFLARE_ENV;
      const commands = await import("./commands.js");
      const [name, second, third] = positionals;
      const need = (/** @type {string | undefined} */ value, /** @type {string} */ usage) => {
        if (!value) throw new Error(`usage: outpost ${usage}`);
        return value;
      };
      if (command === "workers") await commands.workers();
      else if (command === "routes") await commands.routes();
      else if (command === "domains") await commands.domains(positionals, values.tenant);
      else if (command === "tokens") await commands.tokens(positionals, values.tenant);
      else if (command === "secret" && name === "bulk") await commands.secretBulk(second, values.name, environment);
      else if (command === "secret") await commands.secret(positionals, values.name, environment);
      else if (command === "vault") await commands.vault(positionals, values.tenant);
      else if (command === "secrets") {
        if (name !== "rotate-key") throw new Error("usage: outpost secrets rotate-key");
        await commands.rotateKey();
      } else if (command === "versions") await commands.versions(need(name, "versions NAME"));
      else if (command === "crons") await commands.crons(need(name, "crons NAME"));
      else if (command === "rollback") await commands.rollback(need(name, "rollback NAME [VERSION]"), second);
      else if (command === "delete") await commands.deleteWorker(need(name, "delete NAME"));
      else if (command === "resume") await commands.resume(need(name, "resume NAME"));
      else if (second === "promote" || second === "abort") await commands.endRollout(need(name, "rollout NAME promote|abort"), second);
      else
        await commands.rollout(
          need(name, "rollout NAME VERSION PERCENT"),
          need(second, "rollout NAME VERSION PERCENT"),
          percent(need(third, "rollout NAME VERSION PERCENT")),
        );
      break;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      break;
    default:
      throw new Error(`unknown command ${command}\n\n${HELP}`);
  }
} catch (error) {
  if (/** @type {NodeJS.ErrnoException} */ (error).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /** @type {Error} */ (error).message.match(/'([^']+)'/)?.[1];
    console.error(`outpost: outpost ${command} has no option ${option}: see outpost --help for its options`);
    process.exit(1);
  }
  console.error(`outpost: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}

/** @param {string} value @param {string} name */
function count(value, name) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a whole number of at least 1, got ${value}`);
  return number;
}

/** @param {string} value */
function percent(value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 100) throw new Error(`a percentage is a whole number from 0 to 100, got ${value}`);
  return number;
}

/** @param {string} value @param {string} flag */
function port(value, flag) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`${flag} must be a port number, got ${value}`);
  return number;
}
