/**
 * Optional API-key authentication. The key travels as `Authorization: Bearer <key>` or
 * `X-API-Key: <key>`. Both sides are hashed to SHA-256 first so the comparison is
 * `timingSafeEqual` over equal-length digests: its time says nothing about how much of the
 * key matched, nor about the key's length.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Routes an orchestrator probes without credentials; they reveal nothing about the models. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(["/healthz", "/readyz"]);

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** The key a request presents, if any. */
function presented(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m) return m[1].trim();
  }
  const header = req.headers["x-api-key"];
  return typeof header === "string" ? header : null;
}

/** An onRequest hook that answers 401 unless the request carries `apiKey`. */
export function requireApiKey(apiKey: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (apiKey.length === 0) throw new RangeError("the API key must not be empty");
  const expected = digest(apiKey);
  return async (req, reply) => {
    if (OPEN_ROUTES.has(req.routeOptions.url ?? "")) return;
    const key = presented(req);
    if (key !== null && timingSafeEqual(digest(key), expected)) return;
    reply
      .code(401)
      .header("www-authenticate", 'Bearer realm="lathe"')
      .send({ error: { code: "unauthorized", message: "missing or wrong API key: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'" } });
  };
}
