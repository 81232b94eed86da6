"""Constrained value types of the spec (names, images, paths, one-line text, AWS counts) and how to describe them.

Each pattern here is what AWS, Docker or the generated files accept, written so a bad value fails in pydantic
with a sentence instead of a regular expression (PATTERN_HELP). Patterns run on pydantic's Rust regex engine:
no look-arounds.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

# No two hyphens in a row: names end up in RDS and ElastiCache identifiers, which refuse "--".
NAME = r"^[a-z](?:-?[a-z0-9])+$"
NAME_MAX = 40
ONE_LINE = r"^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$"  # no control, format (bidi), line or paragraph separators
# A Docker image reference: [registry[:port]/]path[:tag][@digest] (distribution/reference grammar).
_DOMAIN = (
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?"
)
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE = rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?(?:@{_DIGEST})?$"
BUILD = r"^[A-Za-z0-9._@+/-]{1,255}$"
# ALB path patterns: up to 128 characters of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ? (ELB ListenerRule docs).
ALB_PATH = r"^/[A-Za-z0-9_.$/~\"'@:+&*?-]{0,127}$"
# CloudFront behaviour path patterns: up to 255 characters, the leading slash optional.
CDN_PATH = r"^/?[A-Za-z0-9_.$/~\"'@:+&*?-]{1,254}$"
# Target-group health checks take up to 1024 characters, but the path is also an X-Ray sampling rule's URLPath,
# which takes 128 (stacks/tracing.py never traces health checks).
HEALTH_PATH = r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,127}$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
# A directory inside a container or on a file system: absolute, plain characters, never the root itself.
DIR_PATH = r"^(/[A-Za-z0-9._-]+)+$"

# Observability platforms and on-call (designspec/platforms.py, designspec/oncall.py).
HTTPS_URL = r"^https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$"
PHONE = r"^\+[1-9]\d{6,14}$"
DISPLAY_NAME = r"^[A-Za-z0-9_ -]+$"  # Incident Manager contact display names
LOCAL_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
LOCAL_DATETIME = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
SECRET_NAME = r"^[A-Za-z0-9/_+=.@-]{1,512}$"

PATTERN_HELP = {
    NAME: "a name of 2-40 lowercase letters, digits and single '-', starting with a letter, not ending with '-'",
    ONE_LINE: "one line of text without control or format characters",
    IMAGE: "an image reference such as nginx:1.27 or 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1",
    BUILD: "a build context path relative to the repository, such as ./backend",
    ALB_PATH: "an ALB path pattern: '/' then up to 127 of A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?",
    CDN_PATH: "a CloudFront path pattern such as /api/* (up to 255 of A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?)",
    HEALTH_PATH: "a URL path starting with '/', at most 128 characters, such as /health",
    HTTPS_URL: "an https:// URL without credentials or query, such as https://jaeger.example.com:4317",
    PHONE: "a phone number in E.164 form, such as +15555550100",
    DISPLAY_NAME: "a name of letters, digits, spaces, '-' and '_' (Incident Manager's display names)",
    LOCAL_TIME: "a time of day as HH:MM, such as 09:00",
    LOCAL_DATETIME: "a local date and time as YYYY-MM-DDTHH:MM:SS, such as 2026-12-07T09:00:00",
    SECRET_NAME: "a Secrets Manager secret name (letters, digits and /_+=.@-)",
    ENV_VAR: "an environment variable name of A-Z, 0-9 and '_', not starting with a digit",
    DIR_PATH: "an absolute directory path of A-Z a-z 0-9 . _ - such as /mnt/shared (not '/')",
}

INT32 = 2_147_483_647  # CloudFormation and most AWS APIs take 32-bit integers
MAX_TASKS = 5_000  # ECS: tasks per service (not adjustable)

Name = Annotated[str, StringConstraints(max_length=NAME_MAX, pattern=NAME)]
Text = Annotated[str, StringConstraints(max_length=500, pattern=ONE_LINE)]
Image = Annotated[str, StringConstraints(max_length=255, pattern=IMAGE)]  # ECS: image names up to 255
BuildPath = Annotated[str, StringConstraints(pattern=BUILD)]
AlbPath = Annotated[str, StringConstraints(pattern=ALB_PATH)]
CdnPath = Annotated[str, StringConstraints(pattern=CDN_PATH)]
HealthPath = Annotated[str, StringConstraints(pattern=HEALTH_PATH)]
Count = Annotated[int, Field(ge=0, le=INT32)]
HttpsUrl = Annotated[str, StringConstraints(max_length=255, pattern=HTTPS_URL)]
EnvVarName = Annotated[str, StringConstraints(pattern=ENV_VAR)]
EnvValue = Annotated[str, StringConstraints(max_length=4096)]
DirPath = Annotated[str, StringConstraints(max_length=255, pattern=DIR_PATH)]
