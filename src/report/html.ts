import { esc } from "./escape.js";
import { cards, evaluationSection, notesSection, runSection, subtitle, trainingSection } from "./sections.js";
import { CSS } from "./style.js";
import type { ReportInput } from "./types.js";
import { checkInput } from "./validate.js";

/**
 * No scripts, no requests: the policy makes browsers enforce what the page already keeps
 * to, so even markup that slipped through could not load or run anything.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'";

/**
 * A training run as one self-contained HTML page: headline metrics, loss and metric curves
 * per epoch, the metrics table, a confusion-matrix heat map, ROC and precision-recall
 * curves, notes and run metadata. Charts are inline SVG and styles inline CSS, so the file
 * opens anywhere, offline. All text is escaped; the same input gives the same bytes.
 */
export function renderReport(input: ReportInput): string {
  checkInput(input);
  const body = [cards(input), trainingSection(input), evaluationSection(input), notesSection(input), runSection(input)].join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="Lathe">
<title>${esc(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>${esc(input.title)}</h1>${subtitle(input)}</header>
${body}
<footer>Lathe run report · a self-contained file: no scripts, fonts or network requests</footer>
</main>
</body>
</html>
`;
}
