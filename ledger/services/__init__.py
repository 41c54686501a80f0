"""Business rules, one function per use case: ``verb_noun(session, *, plain values)``.

Services flush and never commit; they never import Flask. The caller (a view, the CLI, a test)
owns the transaction.
"""
