"""Audit the installed Python packages for known vulnerabilities with pip-audit (`make audit`).

What is installed in .venv is what pyproject.toml pins (plus what those pull in), so this audits
the pins. Exit status:
  0  no known vulnerability, apart from the accepted ones below (each documented in
     docs/security.md, "Dependency audit"); or the vulnerability service could not be reached
     (said loudly, see below)
  1  a known vulnerability that is not accepted: upgrade the pin, or document and accept it

pip-audit looks every package up in PyPI's JSON API. Where that API does not answer (an offline
build machine, a mirror that serves only the package index), pip-audit reports every package as
"not found" and audits nothing. That is not a finding about our code, so by default the build goes
on with a warning; set SHEQU_AUDIT_REQUIRED=1 to make it fail instead (for a release pipeline that
must prove the audit ran).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Accepted findings: vulnerability ID -> why, in one line. Each has a paragraph in docs/security.md.
ACCEPTED: dict[str, str] = {}

NOT_FOUND = "not found on PyPI"


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    command += ["--skip-editable"]  # shequ itself, installed with `pip install -e`
    for vuln_id in ACCEPTED:
        command += ["--ignore-vuln", vuln_id]
    run = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return unavailable(f"pip-audit gave no report (exit {run.returncode}): {run.stderr.strip()[-500:]}")

    dependencies = [d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")]
    not_found = [d for d in dependencies if NOT_FOUND in d.get("skip_reason", "")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        return unavailable(
            f"the vulnerability service answered for none of the {len(dependencies)} packages "
            "(every one 'not found'): this machine cannot reach PyPI's JSON API"
        )

    found = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    print(f"dependency audit: {len(audited)} packages audited", end="")
    if not_found:
        names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in not_found)
        print(f"; {len(not_found)} could not be looked up ({names})", end="")
    if ACCEPTED:
        print(f"; {len(ACCEPTED)} accepted finding(s) ignored ({', '.join(ACCEPTED)})", end="")
    print()
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
        aliases = ", ".join(vuln.get("aliases", []))
        summary = (vuln.get("description") or "").strip().split("\n")[0][:200]
        print(f"  {name} {version}: {vuln['id']} ({aliases}) fixed in {fixes}\n    {summary}")
    if found:
        print(
            f"{len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}: upgrade the pin in "
            "pyproject.toml, or accept it in scripts/audit_dependencies.py with a paragraph in "
            "docs/security.md saying why it does not reach shequ."
        )
        return 1
    print("dependency audit: no known vulnerabilities")
    return 0


def unavailable(reason: str) -> int:
    required = os.environ.get("SHEQU_AUDIT_REQUIRED", "") not in ("", "0")
    print(f"dependency audit {'FAILED' if required else 'NOT RUN'}: {reason}.", file=sys.stderr)
    if not required:
        print(
            "  The build goes on: run `make audit` where PyPI's JSON API is reachable, or set "
            "SHEQU_AUDIT_REQUIRED=1 to make this an error (docs/security.md).",
            file=sys.stderr,
        )
    return 1 if required else 0


if __name__ == "__main__":
    sys.exit(main())
