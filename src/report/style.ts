/** The report's stylesheet: one column of panels on a grey page, charts in a responsive grid. */
export const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #1f2937; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 40px; }
header { margin-bottom: 20px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; }
.subtitle { color: #4b5563; margin: 0; }
.tag { display: inline-block; background: #dbeafe; color: #1e40af; border-radius: 999px; padding: 1px 10px; font-size: 13px; font-weight: 600; margin-right: 8px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; padding: 20px 24px; margin: 0 0 20px; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
h2 { font-size: 19px; margin: 0 0 14px; }
h3 { font-size: 15px; margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 14px; background: none; border: 0; box-shadow: none; padding: 0; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; padding: 14px 18px; }
.card-label { color: #6b7280; font-size: 13px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
.card-value { font-size: 30px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.25; }
.card-sub { color: #6b7280; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 18px 24px; align-items: start; }
figure { margin: 0; }
figcaption { margin-bottom: 6px; }
figcaption p { margin: 2px 0 0; color: #6b7280; font-size: 13px; min-height: 2.9em; }
svg { max-width: 100%; height: auto; display: block; }
.empty { color: #6b7280; font-style: italic; margin: 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 14px; border-bottom: 1px solid #e5e7eb; text-align: left; }
th { font-size: 13px; color: #4b5563; font-weight: 600; background: #f9fafb; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) { background: #fafafa; }
.metrics-table { min-width: 320px; }
.meta th { background: none; width: 1%; white-space: nowrap; }
.meta td { word-break: break-word; }
ul.notes { margin: 0; padding-left: 20px; }
ul.notes li { margin: 4px 0; }
details { margin-top: 16px; }
summary { cursor: pointer; font-weight: 600; color: #1f2937; }
.scroll { overflow-x: auto; margin-top: 10px; }
footer { color: #9ca3af; font-size: 12px; text-align: center; }
@media print { body { background: #fff; } section, figure { break-inside: avoid; } }
`;
