/**
 * The data layer: CSV files into typed tables, preprocessing fitted on the training split
 * and saved with the model, seeded splits, datasets and data loaders, image files (MNIST,
 * CIFAR-10) and transforms, and sliding windows over time series.
 */
export { DataError } from "./errors.js";
export { Table, cellValue, type Column, type ColumnType, type NumberColumn, type CategoricalColumn, type NumericArray, type CellValue, type TableSource } from "./table.js";
export { DEFAULT_MISSING, parseNumber, parseBoolean, parseDate, inferType } from "./infer.js";
export { parseCsv, readCsv, readCsvSync, streamCsv, readNumericCsv, type CsvOptions, type StreamCsvOptions, type NumericTable } from "./csv.js";
export { WHITESPACE, sniffDelimiter } from "./csv_sniff.js";
export { detectIdentifierColumns, detectTask, type IdentifierColumn, type DetectIdentifiersOptions, type Task, type TaskGuess, type DetectTaskOptions } from "./detect.js";

export { Preprocessor, type PreprocessorJSON, type TransformContext } from "./preprocess/base.js";
export { SimpleImputer, type SimpleImputerOptions, type ImputeStrategy } from "./preprocess/imputer.js";
export { StandardScaler, MinMaxScaler, type StandardScalerOptions, type MinMaxScalerOptions } from "./preprocess/scalers.js";
export { OneHotEncoder, OrdinalEncoder, type EncoderOptions, type OneHotEncoderOptions, type OrdinalEncoderOptions } from "./preprocess/encoders.js";
export { LabelEncoder, type Label } from "./preprocess/label.js";
export { ColumnTransformer, type ColumnTransformerOptions, type ColumnTransformerJSON, type Steps } from "./preprocess/column_transformer.js";
export { preprocessorFromJSON } from "./preprocess/json.js";

export { trainTestSplit, trainValTestSplit, kFold, stratifiedKFold, type Labels, type SplitOptions, type TrainTestSplitOptions, type TrainValTestSplitOptions, type TrainTestIndices, type TrainValTestIndices, type KFoldOptions } from "./split.js";
export { type Dataset, IterableDataset, TensorDataset, Subset, mapDataset } from "./dataset.js";
export { defaultCollate, stackTensors, type Sample, type Collated } from "./collate.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";

export { readIdx, type IdxArray } from "./idx.js";
export { readMnistImages, readMnistLabels, loadMnist, type ImageSet } from "./mnist.js";
export { readCifar10, loadCifar10, cifar10Files, CIFAR10_CLASSES } from "./cifar.js";
export { compose, normalize, pad, randomCrop, randomHorizontalFlip, randomRotation, type Transform, type RandomCropOptions, type RandomRotationOptions } from "./transforms.js";
export { slidingWindows, type SlidingWindowOptions, type Windows } from "./timeseries.js";
