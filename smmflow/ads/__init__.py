"""Stage after publish, ads: targeted ads of published posts.

Audiences and places are read by `content` and checked by `check.ads`; here they are
compiled for each platform (`compile`, pure), planned (`plan`), resolved to platform ids
(`resolve`), pushed exactly once through the ledger (`push`, `sender`, `gate`), and read
back (`status`); `importer` turns CSV and GeoJSON into places files.
"""
