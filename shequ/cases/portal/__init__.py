"""The resident portal (/portal/): report a problem and follow it from a phone, no account needed.

views.py      the pages (thin: parse, call services and selectors, render)
selectors.py  the few public reads the portal needs (addresses, outlines, the public case file)
access.py     which cases this browser session may see: granted by a number + phone match
throttle.py   rate limits per client IP and session, kept in the Django cache
"""
