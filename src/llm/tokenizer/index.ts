/** Tokenizers for language models: character-level and GPT-2 byte-level BPE (load, train, save). */
export type { Tokenizer } from "./tokenizer.js";
export { CharTokenizer, type CharTokenizerJSON } from "./char.js";
export { BpeTokenizer, type BpeEncodeOptions, type BpeLoadOptions } from "./bpe.js";
export type { BpeModel } from "./vocab.js";
export { trainByteLevelBpe, type TrainBpeOptions } from "./bpe_train.js";
export { pretokenize, GPT2_SPLIT_PATTERN } from "./pretokenize.js";
export { BYTE_TO_CHAR, CHAR_TO_BYTE } from "./bytes.js";
