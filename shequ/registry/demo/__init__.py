"""The demo county (DESIGN "Shape of the demo"): Wuyi county with its streets, communities, grids,
micro-grids, buildings, households, residents and units, generated deterministically from a seed.

`builder.build_demo(seed=..., scale=...)` writes it; `manage.py seed_demo` is the command.
"""
