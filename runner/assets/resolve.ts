// Which file answers a path, following Cloudflare's html_handling and not_found_handling:
// https://developers.cloudflare.com/workers/static-assets/routing/advanced/html-handling/
import type { AssetConfig } from "./constants.ts";

export type Resolution = { kind: "file"; path: string; status: 200 | 404 } | { kind: "redirect"; location: string } | { kind: "none" };

/**
 * `pathname` as the URL has it (percent-encoded). `notFoundHandling` is the config's unless the
 * router says otherwise: a request that may still reach the worker is resolved without it
 * (runner/assets/router.ts). Redirect locations are percent-encoded.
 */
export function resolveAsset(config: AssetConfig, pathname: string, notFoundHandling = config.notFoundHandling): Resolution {
  const path = decodePath(pathname);
  const found = HANDLERS[config.htmlHandling](path, (file) => Object.hasOwn(config.files, file)) ?? notFound(config, path, notFoundHandling);
  if (found.kind === "redirect") return { kind: "redirect", location: encodePath(found.location) };
  // As Cloudflare: a path's canonical spelling is its decoded form encoded again ("/%61bout" and
  // "//about" are "/about"); an asset requested under another spelling redirects to it.
  if (found.kind === "file" && encodePath(path) !== pathname) return { kind: "redirect", location: encodePath(path) };
  return found;
}

function notFound(config: AssetConfig, path: string, handling: AssetConfig["notFoundHandling"]): Resolution {
  const has = (file: string) => Object.hasOwn(config.files, file);
  if (handling === "single-page-application" && has("/index.html")) return { kind: "file", path: "/index.html", status: 200 };
  if (handling === "404-page") {
    // The nearest 404.html walking up from the requested directory.
    const segments = path.split("/").slice(0, -1);
    for (let depth = segments.length; depth >= 1; depth--) {
      const candidate = `${segments.slice(0, depth).join("/")}/404.html`;
      if (has(candidate)) return { kind: "file", path: candidate, status: 404 };
    }
  }
  return { kind: "none" };
}

// "/about" serves about.html or about/index.html; "/about.html" and "/about/index.html"
// redirect to their pretty form; a directory index is served at "/dir/".
function autoTrailingSlash(path: string, has: (path: string) => boolean): Resolution | null {
  if (path.endsWith("/index.html") && has(path)) return { kind: "redirect", location: path.slice(0, -"index.html".length) };
  if (path.endsWith(".html") && has(path)) return { kind: "redirect", location: path.slice(0, -".html".length) };
  if (path.endsWith("/")) {
    if (has(`${path}index.html`)) return { kind: "file", path: `${path}index.html`, status: 200 };
    if (path !== "/" && has(`${path.slice(0, -1)}.html`)) return { kind: "redirect", location: path.slice(0, -1) };
    return null;
  }
  if (has(path)) return { kind: "file", path, status: 200 };
  if (has(`${path}.html`)) return { kind: "file", path: `${path}.html`, status: 200 };
  if (has(`${path}/index.html`)) return { kind: "redirect", location: `${path}/` };
  return null;
}

// "/docs/" serves docs/index.html or docs.html; "/docs" and "/docs.html" redirect to "/docs/".
function forceTrailingSlash(path: string, has: (path: string) => boolean): Resolution | null {
  if (path.endsWith("/index.html") && has(path)) return { kind: "redirect", location: path.slice(0, -"index.html".length) };
  if (path.endsWith(".html") && has(path)) return { kind: "redirect", location: `${path.slice(0, -".html".length)}/` };
  if (path.endsWith("/")) {
    if (has(`${path}index.html`)) return { kind: "file", path: `${path}index.html`, status: 200 };
    if (path !== "/" && has(`${path.slice(0, -1)}.html`)) return { kind: "file", path: `${path.slice(0, -1)}.html`, status: 200 };
    return null;
  }
  if (has(path)) return { kind: "file", path, status: 200 };
  if (has(`${path}.html`) || has(`${path}/index.html`)) return { kind: "redirect", location: `${path}/` };
  return null;
}

// "/docs" serves docs.html or docs/index.html; "/docs/", "/docs.html" and "/docs/index.html" redirect to "/docs".
function dropTrailingSlash(path: string, has: (path: string) => boolean): Resolution | null {
  if (path.endsWith("/index.html") && has(path)) return { kind: "redirect", location: path.slice(0, -"/index.html".length) || "/" };
  if (path.endsWith(".html") && has(path)) return { kind: "redirect", location: path.slice(0, -".html".length) };
  if (path === "/") return has("/index.html") ? { kind: "file", path: "/index.html", status: 200 } : null;
  if (path.endsWith("/")) {
    const bare = path.slice(0, -1);
    return has(`${path}index.html`) || has(`${bare}.html`) ? { kind: "redirect", location: bare } : null;
  }
  if (has(path)) return { kind: "file", path, status: 200 };
  if (has(`${path}.html`)) return { kind: "file", path: `${path}.html`, status: 200 };
  if (has(`${path}/index.html`)) return { kind: "file", path: `${path}/index.html`, status: 200 };
  return null;
}

function exactPath(path: string, has: (path: string) => boolean): Resolution | null {
  return has(path) ? { kind: "file", path, status: 200 } : null;
}

const HANDLERS: Record<AssetConfig["htmlHandling"], (path: string, has: (path: string) => boolean) => Resolution | null> = {
  "auto-trailing-slash": autoTrailingSlash,
  "force-trailing-slash": forceTrailingSlash,
  "drop-trailing-slash": dropTrailingSlash,
  none: exactPath,
};

/** Each segment decoded (one that does not decode stays as it is), repeated slashes made one. */
function decodePath(pathname: string): string {
  return pathname
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/")
    .replace(/\/+/g, "/");
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
