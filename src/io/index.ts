/** io: safetensors files (Hugging Face's format, as PyTorch writes and reads it) and atomic file writes. */
export { SafetensorsError } from "./errors.js";
export { type FileData, writeFileAtomic, writeFileAtomicSync } from "./atomic.js";
export { type SafetensorsDType, type WritableDType, type DTypeMapping, SAFETENSORS_DTYPES } from "./dtypes.js";
export { type SafetensorsHeader, type TensorInfo, MAX_HEADER_BYTES } from "./header.js";
export type { LoadOptions, Safetensors } from "./read.js";
export {
  type SaveOptions,
  type ParseOptions,
  serializeSafetensors,
  saveSafetensors,
  saveSafetensorsSync,
  parseSafetensors,
} from "./safetensors.js";
export { loadSafetensors, loadSafetensorsSync, readSafetensorsHeader, readSafetensorsHeaderSync } from "./load.js";
