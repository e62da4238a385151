/**
 * Loaded into the embedded Azurite's process before Azurite itself (`node --import`, embedded-azurite.ts), so that
 * Azurite ends when the process that started it goes away, even by kill -9, instead of living on as an orphan that
 * keeps writing `.azurite/`. The parent holds the other end of an IPC channel, which the operating system closes
 * when the parent dies; Node then emits `disconnect` here. The parent's own stop() disconnects too: one way out.
 */

/** How long Azurite may take to close (and save) before this process exits regardless. */
const CLOSE_BOUND_MS = 30_000;

process.once("disconnect", () => {
  // Azurite's SIGTERM handler closes its three servers, and closing saves their LokiJS databases
  // (Loki.prototype.close saves when dirty), which the periodic autosave would do only within 5 s.
  process.kill(process.pid, "SIGTERM");
  setTimeout(() => process.exit(1), CLOSE_BOUND_MS).unref();
});
