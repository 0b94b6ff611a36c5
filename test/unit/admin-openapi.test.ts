import { inspectRoutes } from "hono/dev";
import { expect, it } from "vitest";
import { admin } from "../../runner/admin/app.ts";
import { openApiDocument } from "../../runner/admin/openapi.ts";

/** `GET /v1/workers/{name}`: Hono's `:param` written as OpenAPI's `{param}`. */
function routed(): string[] {
  // Middleware (`use`, a handler taking `next`) is listed too, but answers no request of its own.
  const handlers = inspectRoutes(admin).filter((route) => !route.isMiddleware);
  return handlers.map(({ method, path }) => `${method} ${path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`);
}

function documented(): string[] {
  const { paths } = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
}

it("openapi: the document lists exactly the routes the admin app serves", () => {
  const served = new Set(routed());
  const listed = new Set(documented());
  expect(served.size).toBeGreaterThan(30);
  const routedButUndocumented = [...served].filter((route) => !listed.has(route));
  const documentedButNotRouted = [...listed].filter((route) => !served.has(route));
  expect({ routedButUndocumented, documentedButNotRouted }).toEqual({ routedButUndocumented: [], documentedButNotRouted: [] });
});

it("openapi: no route is registered twice", () => {
  const served = routed();
  expect(served.filter((route, i) => served.indexOf(route) !== i)).toEqual([]);
});
