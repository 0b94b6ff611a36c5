// The worker side of a behaviour suite: GET /run/<case name> runs one case against a binding.
type Cases<Binding> = Record<string, (binding: Binding) => Promise<void>>;

export function caseRunner<Env, Binding>(cases: Cases<Binding>, binding: (env: Env) => Binding) {
  return {
    async fetch(request: Request, env: Env): Promise<Response> {
      const name = decodeURIComponent(new URL(request.url).pathname.replace(/^\/run\//, ""));
      const run = cases[name];
      if (!run) return new Response(`no case ${name}`, { status: 404 });
      try {
        await run(binding(env));
        return new Response("ok");
      } catch (error) {
        const e = error as Error;
        return new Response(`${e.name}: ${e.message}\n${e.stack ?? ""}`, { status: 500 });
      }
    },
  };
}
