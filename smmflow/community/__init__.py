"""Community management: the inbox (what people write under the client's posts and to its
accounts), moderation rules, answers, and every action on a comment exactly once.

Other people's words stay in a local, git-ignored SQLite store (`store`); the ledger
branch keeps only ids and actions (`ledger.actions`)."""
