#!/usr/bin/env node
// The `outpost` command.
import { parseArgs } from "node:util";

const HELP = `outpost — run Cloudflare-style workers on your own workerd hosts

Usage:
  outpost start [--port 8787] [--admin-port 8788] [--data-dir .outpost] [--base-domain localhost] [--demo]
  outpost deploy [DIR | DIR/wrangler.toml] [FLAGS]   deploys the project described by DIR's wrangler.toml
                 (or wrangler.json/.jsonc; DIR defaults to the current directory), bundled like wrangler deploy
  outpost deploy <entry.js|ts> --name NAME [FLAGS]   deploys one entry file with the flags alone
    FLAGS: [--name NAME] [--kv BINDING[=NAMESPACE]]... [--var KEY=VALUE]... [--tenant ID]
           [--compatibility-date YYYY-MM-DD] [--compatibility-flag FLAG]...
    Flags override the config file's name, date and bindings of the same name; flags add to its
    compatibility flags. A KV namespace defaults to the binding's name.
  outpost workers

Environment:
  PORT, ADMIN_PORT, OUTPOST_DATA_DIR, OUTPOST_BASE_DOMAIN, OUTPOST_ADMIN_TOKEN, OUTPOST_ADMIN_URL,
  OUTPOST_EGRESS_ALLOW (comma-separated host:port pairs tenants may reach although private),
  OUTPOST_KEEP_VERSIONS (versions kept per worker, default 100; older ones are deleted),
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
        egressAllow: (process.env.OUTPOST_EGRESS_ALLOW ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      });
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
          tenant: { type: "string" },
          "compatibility-date": { type: "string" },
          "compatibility-flag": { type: "string", multiple: true, default: [] },
        },
      });
      if (positionals.length > 1) throw new Error(`deploy takes one directory or file, got ${positionals.join(" ")} (see outpost --help)`);
      const [target] = positionals;
      const { deploy } = await import("./deploy.js");
      await deploy({
        ...(target ? { target } : {}),
        ...(values.name ? { name: values.name } : {}),
        kv: values.kv,
        vars: values.var,
        compatibilityFlags: values["compatibility-flag"],
        ...(values.tenant ? { tenant: values.tenant } : {}),
        ...(values["compatibility-date"] ? { compatibilityDate: values["compatibility-date"] } : {}),
      });
      break;
    }
    case "workers": {
      const { callAdmin } = await import("./admin-client.js");
      const { workers } = await callAdmin("GET", "/v1/workers");
      for (const w of workers) console.log(`${w.name}\t${w.tenant}\t${w.version.slice(0, 12)}\t${w.updated_at}`);
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
  console.error(`outpost: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}

/** @param {string} value @param {string} name */
function count(value, name) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a whole number of at least 1, got ${value}`);
  return number;
}

/** @param {string} value @param {string} flag */
function port(value, flag) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`${flag} must be a port number, got ${value}`);
  return number;
}
