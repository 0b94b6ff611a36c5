// A counter kept in KV: deploy with
//   npx outpost deploy examples/counter.js --name counter --kv COUNTS
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const count = Number((await env.COUNTS.get(path)) ?? 0) + 1;
    await env.COUNTS.put(path, String(count));
    return new Response(`${path} has been visited ${count} time${count === 1 ? "" : "s"}\n`);
  },
};
