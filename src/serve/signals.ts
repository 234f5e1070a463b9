import type { LatheServer } from "./server.js";

/**
 * Process signals for a server run from the command line: SIGTERM and SIGINT close it
 * gracefully and exit 0 (a second signal exits at once, with 1); SIGHUP reloads every
 * model. Returns a function that removes the handlers.
 */
export function handleSignals(server: LatheServer, exit: (code: number) => void = process.exit): () => void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return exit(1);
    closing = true;
    server.app.log.info(`${signal}: finishing requests in flight, then exiting`);
    server.close().then(
      () => exit(0),
      (e: Error) => {
        server.app.log.error({ err: e }, "shutdown failed");
        exit(1);
      },
    );
  };
  const hup = () =>
    void server.reloader.reloadAll().then((results) => {
      for (const r of results) {
        if (r.error) server.app.log.error(`SIGHUP: model ${r.name}: reload failed, version ${r.version} is still serving: ${r.error}`);
        else server.app.log.info(`SIGHUP: model ${r.name}: now serving version ${r.version}`);
      }
    });
  process.on("SIGTERM", stop).on("SIGINT", stop).on("SIGHUP", hup);
  return () => {
    process.off("SIGTERM", stop).off("SIGINT", stop).off("SIGHUP", hup);
  };
}
