export { loadAddon } from "./addon.js";
export type { Addon, LoadResult } from "./addon.js";
export { CROSSOVER, nativeBackend } from "./backend.js";
