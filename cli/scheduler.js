// The scheduler heartbeat. workerd starts a Durable Object only when something calls it, so
// `outpost start` calls POST /v1/maintenance/tick every second: the first call starts the host's
// scheduler (runner/queue/scheduler.ts: queue delivery, cron timers), later ones restart it
// after workerd was restarted, and each is a safety-net pass over every queue.

const HEARTBEAT_MS = 1000;

/**
 * @param {string} adminUrl
 * @param {string} adminToken
 * @param {(line: string) => void} log
 * @returns {() => void} stops the heartbeat
 */
export function startSchedulerHeartbeat(adminUrl, adminToken, log) {
  let busy = false;
  let failing = false;
  const beat = async () => {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(`${adminUrl}/v1/maintenance/tick`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } });
      await response.body?.cancel();
      if (!response.ok && !failing) log(`scheduler heartbeat answered ${response.status}; queue delivery and crons may be late`);
      failing = !response.ok;
    } catch {
      // workerd is restarting (the supervisor says so); the next beat starts the scheduler again.
    } finally {
      busy = false;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_MS);
  return () => clearInterval(timer);
}
