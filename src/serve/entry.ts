/**
 * The server's entry points as `import "lathe"` exports them: they load the HTTP stack
 * (Fastify and its plugins) on first call, so a program that trains or predicts without
 * serving never carries those modules — they would double the JavaScript heap that every
 * full garbage collection marks, ~10% of a small model's training step.
 */
import type { LatheServer, ServeOptions } from "./server.js";

/** Builds a server without listening (see server.ts createServer). */
export async function createServer(options: ServeOptions): Promise<LatheServer> {
  return (await import("./server.js")).createServer(options);
}

/** Builds a server and starts listening (see server.ts serve). */
export async function serve(options: ServeOptions): Promise<LatheServer & { readonly url: string }> {
  return (await import("./server.js")).serve(options);
}
