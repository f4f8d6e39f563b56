"""Pages of the cases app: running the loop (cases.py); figures, warnings and set-up live beside it."""
