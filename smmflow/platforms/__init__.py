"""Stage 2, platforms: limits as data, rendering styles, and the publishers.

One module per platform (and a `<name>_api` module for the larger ones' HTTP
conversations), found through the `smmflow.platforms` entry points (`registry`); the
contract in `base` and docs/platforms/writing-a-publisher.md; shared HTTP (`http`),
secrets (`secrets`) and the feed site's writer (`feedsite`).
"""
