"""The scanners both pipelines run, pinned in one place: images and packages, not third-party actions."""

from __future__ import annotations

# Pinned versions: a scanner is code that reads the whole repository, so it never floats to "latest".
TRIVY_IMAGE = "aquasec/trivy:0.65.0"
HADOLINT_IMAGE = "hadolint/hadolint:v2.12.0"
ZAP_IMAGE = (
    "ghcr.io/zaproxy/zaproxy:stable"  # the ZAP team publishes no versioned tags for the packaged scans
)
SEMGREP = "semgrep==1.185.0"
SEMGREP_SCAN = "semgrep scan --config p/default --error --metrics off"
_SEVERITY = "--severity HIGH,CRITICAL --ignore-unfixed --exit-code 1"
TRIVY_FS = f"{TRIVY_IMAGE} fs --scanners vuln,secret,misconfig {_SEVERITY} ."


def trivy_image(archive: str) -> str:
    """Trivy arguments scanning an image archive (the OCI tar the build stage keeps)."""
    return f"{TRIVY_IMAGE} image --input {archive} {_SEVERITY}"


def hadolint(context: str) -> str:
    return f'docker run --rm -i {HADOLINT_IMAGE} < "{context}/Dockerfile"'


def zap_baseline(url: str) -> str:
    # -I: warnings are reported, only FAIL rules fail the job.
    return f"docker run --rm --network host {ZAP_IMAGE} zap-baseline.py -t {url} -I"
