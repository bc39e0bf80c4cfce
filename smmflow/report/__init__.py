"""`smmflow report`: one client's month, from git, the ledger and (when it can) GitHub.

`facts` reads everything once; each module of `sections/` turns the facts into a `Block`
(text, figures, tables, charts: `blocks`); `page` draws them as HTML (charts with the
vendored Charts.css, print-ready on A4), `plain` as Markdown, JSON and the invoice CSV;
`pdf` prints the page with headless Chromium; `build` writes one report per client.
docs/report.md says what each number means.
"""
