"""The fetch-mode echo bot (``bot.py``) and its one command (``run_with_fake.py``).

A package only so that its ``bot`` module does not clash with the echo bot's when the
examples are type-checked together; run the files as scripts.
"""
