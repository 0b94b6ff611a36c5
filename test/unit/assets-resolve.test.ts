import { expect, it } from "vitest";
import type { AssetConfig } from "../../runner/assets/constants.ts";
import { resolveAsset } from "../../runner/assets/resolve.ts";

const FILES = ["/index.html", "/about.html", "/docs/index.html", "/style.css", "/404.html", "/blog/404.html"];

function config(htmlHandling: AssetConfig["htmlHandling"], notFoundHandling: AssetConfig["notFoundHandling"] = "none"): AssetConfig {
  return { files: Object.fromEntries(FILES.map((path) => [path, { hash: "h", size: 1 }])), htmlHandling, notFoundHandling, runWorkerFirst: false };
}
const file = (path: string, status: 200 | 404 = 200) => ({ kind: "file", path, status });
const redirect = (location: string) => ({ kind: "redirect", location });
const none = { kind: "none" };

it("resolveAsset: auto-trailing-slash serves pretty paths and redirects to them", () => {
  const auto = config("auto-trailing-slash");
  expect(resolveAsset(auto, "/")).toEqual(file("/index.html"));
  expect(resolveAsset(auto, "/about")).toEqual(file("/about.html"));
  expect(resolveAsset(auto, "/about.html")).toEqual(redirect("/about"));
  expect(resolveAsset(auto, "/about/")).toEqual(redirect("/about"));
  expect(resolveAsset(auto, "/docs")).toEqual(redirect("/docs/"));
  expect(resolveAsset(auto, "/docs/")).toEqual(file("/docs/index.html"));
  expect(resolveAsset(auto, "/docs/index.html")).toEqual(redirect("/docs/"));
  expect(resolveAsset(auto, "/style.css")).toEqual(file("/style.css"));
  expect(resolveAsset(auto, "/nope")).toEqual(none);
});

it("resolveAsset: force-trailing-slash puts a slash on every HTML page", () => {
  const force = config("force-trailing-slash");
  expect(resolveAsset(force, "/about")).toEqual(redirect("/about/"));
  expect(resolveAsset(force, "/about/")).toEqual(file("/about.html"));
  expect(resolveAsset(force, "/about.html")).toEqual(redirect("/about/"));
  expect(resolveAsset(force, "/docs")).toEqual(redirect("/docs/"));
  expect(resolveAsset(force, "/docs/")).toEqual(file("/docs/index.html"));
  expect(resolveAsset(force, "/style.css")).toEqual(file("/style.css"));
});

it("resolveAsset: drop-trailing-slash takes the slash off every HTML page", () => {
  const drop = config("drop-trailing-slash");
  expect(resolveAsset(drop, "/")).toEqual(file("/index.html"));
  expect(resolveAsset(drop, "/index.html")).toEqual(redirect("/"));
  expect(resolveAsset(drop, "/docs")).toEqual(file("/docs/index.html"));
  expect(resolveAsset(drop, "/docs/")).toEqual(redirect("/docs"));
  expect(resolveAsset(drop, "/docs/index.html")).toEqual(redirect("/docs"));
  expect(resolveAsset(drop, "/about")).toEqual(file("/about.html"));
  expect(resolveAsset(drop, "/about/")).toEqual(redirect("/about"));
});

it("resolveAsset: none serves exact paths only", () => {
  const exact = config("none");
  expect(resolveAsset(exact, "/about.html")).toEqual(file("/about.html"));
  expect(resolveAsset(exact, "/about")).toEqual(none);
  expect(resolveAsset(exact, "/")).toEqual(none);
});

it("resolveAsset: not_found_handling single-page-application and 404-page", () => {
  expect(resolveAsset(config("auto-trailing-slash", "single-page-application"), "/app/route")).toEqual(file("/index.html"));
  const pages = config("auto-trailing-slash", "404-page");
  expect(resolveAsset(pages, "/blog/missing")).toEqual(file("/blog/404.html", 404));
  expect(resolveAsset(pages, "/elsewhere/deep/missing")).toEqual(file("/404.html", 404));
});

it("resolveAsset: a malformed percent-encoding is not a file", () => {
  expect(resolveAsset(config("auto-trailing-slash"), "/%E0%A4%A")).toEqual(none);
});

it("resolveAsset: another spelling of an asset's path redirects to the canonical one; locations are encoded", () => {
  const auto = config("auto-trailing-slash");
  expect(resolveAsset(auto, "/%61bout")).toEqual(redirect("/about"));
  expect(resolveAsset(auto, "//about")).toEqual(redirect("/about"));
  const accented = { ...auto, files: { "/café.html": { hash: "h", size: 1 } } };
  expect(resolveAsset(accented, "/caf%C3%A9")).toEqual(file("/café.html"));
  expect(resolveAsset(accented, "/caf%C3%A9.html")).toEqual(redirect("/caf%C3%A9"));
});
