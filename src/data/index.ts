export { readNumericCsv, type NumericTable } from "./csv.js";
