"""Stage 8, publish: `smmflow sync` and what runs it.

What each pair needs (`decide`), claim -> send -> record (`engine`, `attempts`,
`outcomes`), one run end to end (`sync`), the feed site rebuilt from the ledger
(`feedbuild`), failure issues (`issues`), `doctor`, the `run` loop (`runloop`), and the
crash points of the exactly-once tests (`crashpoints`).
"""
