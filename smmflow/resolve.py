"""`smmflow resolve`: a person settles a pair that smmflow could not settle by itself."""

from __future__ import annotations

from .errors import UsageError
from .ledger import Ledger, Record
from .repo import Repo


def find_post_id(repo: Repo, given: str) -> str:
    """Accept a post id (`group/slug`), its path, or its file name."""
    wanted = given.replace("\\", "/").removesuffix(".md")
    if wanted.startswith("content/"):
        wanted = wanted[len("content/") :]
    for post in repo.posts:
        if post.id == wanted or post.slug == wanted:
            return post.id
    raise UsageError(f"no post {given!r} (give its id like brutaria-dulce/2026-12-04-cozonac)")


def resolve(
    repo: Repo,
    ledger: Ledger,
    post_id: str,
    account: str,
    *,
    published: str | None,
    retry: bool,
    skip: bool,
) -> Record:
    if sum(bool(x) for x in (published, retry, skip)) != 1:
        raise UsageError("give exactly one of --published URL, --retry, --skip")
    post = next(p for p in repo.posts if p.id == post_id)
    acc = repo.groups[post.group].account(account)
    if acc is None or account not in post.platforms:
        raise UsageError(f"{post_id} does not go to an account named {account!r}")
    if published is not None and not published.startswith(("http://", "https://")):
        raise UsageError("--published needs the post's URL (http:// or https://)")

    def decide(records: dict) -> list[Record]:
        base = records.get((post_id, account))
        if base is None or base.state == "corrupt":
            base = Record(
                post_id, account, acc.platform, "skipped", generation=base.generation if base else 0
            )
        if base.state == "claimed" and base.held_by_live_run(
            __import__("datetime").timedelta(minutes=15)
        ):
            raise UsageError(f"{post_id} on {account} is being sent by a running sync; wait for it")
        if published:
            return [
                base.moved(
                    "published",
                    "resolved by a person",
                    url=published,
                    remote_id=base.remote_id or published,
                    error="",
                    retryable=False,
                    run={},
                )
            ]
        if retry:
            return [
                base.moved(
                    "failed",
                    "retry asked by a person",
                    generation=base.generation + 1,
                    key="",  # the old key belongs to the attempt given up; the next gets a new one
                    error="retry asked by a person",
                    retryable=True,
                    run={},
                )
            ]
        return [base.moved("skipped", "skipped by a person", error="", run={})]

    done = ledger.transact(decide, f"resolve: {post_id} on {account}")
    assert done
    return done[0]
