"""Stage 7, review: what a client sees and approves in a pull request.

The GitHub client (`github`), approval of exact bytes (`approvals`), the preview comment
(`preview`), and the one builder of the hold that sync, status and plan obey (`hold`).
"""
