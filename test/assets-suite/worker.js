// The assets behaviour suite's worker: says that it answered, and fetches through env.ASSETS.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/via-binding/missing") return env.ASSETS.fetch(new URL("/missing", request.url));
    return new Response(`worker ${request.method} ${url.pathname}`);
  },
};
