"""Stage 6, plan: the content plan.

The month (`month`) and its views (`views`), the static plan site (`site`, `sitehtml`),
calendars (`ics`), slots (`slots`), and writing new posts into the plan (`scaffold`,
`repeat`).
"""
