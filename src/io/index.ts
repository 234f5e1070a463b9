/** io: safetensors files (Hugging Face's format, as PyTorch writes and reads it), atomic file writes, and model bundles. */
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
export { saveBundle, loadModel, readBundleManifest, bundleManifest, outputsFor, type BundleContents } from "./bundle.js";
export {
  BundleError, type BundleManifest, type BundleMetrics, type BundleTask, type ColumnSpec, type FeatureSchema, type TargetSpec,
  BUNDLE_FORMAT, BUNDLE_VERSION, LATHE_VERSION, MANIFEST_FILE, WEIGHTS_FILE,
} from "./bundle_manifest.js";
export {
  type ArchitectureConfig, type Architecture, type MlpConfig, type ActivationName, ACTIVATIONS, registerArchitecture, checkArchitecture, buildModel,
} from "./bundle_arch.js";
export { featureSchema, conformTable, tableFromRecords, schemaCsvOptions } from "./bundle_schema.js";
export { TabularModel, type Predictions, type ClassificationPredictions, type RegressionPredictions, type RecordPrediction } from "./bundle_model.js";
