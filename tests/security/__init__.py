"""Attacks, each closed and pinned: one scenario per test, named for the attack."""
