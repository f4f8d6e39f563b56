"""`python -m bench`: the scale benchmarks of issue 5 (docs/benchmarks.md).

Every figure is measured against a baseline taken in the same run on the same machine, and the
ratio is what counts. The harness drives separate processes (one Django process per database,
gunicorn, locust) so each figure is measured the way it runs in production.
"""
