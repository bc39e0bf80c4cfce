"""Stage 4, ledger: git, the publish branch and the ledger branch.

Every git call (`gitstore`, `gitlog`), what the publish branch holds (`committed`), the
ledger's records, branch and defences (`records`, `branch`, `guard`, `remotes`), a post's
identity across renames and deletions (`renames`, `identity`), the state of each
(post, account) pair (`states`, shown by `status`), and `resolve` by a person.
"""
