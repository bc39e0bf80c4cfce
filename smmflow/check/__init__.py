"""Stage 5, check: the rules of `smmflow check` beyond loading, and their output.

Platform limits and collisions (`rules`), the content mix (`mix`, which `plan` shows
too), posts a sync found held (`held`), renames and copies (`renamed`), and the text,
JSON and GitHub formats (`output`).
"""
