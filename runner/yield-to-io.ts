/**
 * Lets the process's event loop take new connections and I/O. Work that keeps a chain of ready
 * continuations going (a body generated in memory, a D1 copy or restore passed between the runner
 * and a database's object, all in the process) never lets workerd poll for I/O, which it does only
 * when nothing is ready: every other request of the process, and its watchdog probe (which then
 * takes the process for stuck), would wait until it ends. A timer is a turn of the event loop.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
