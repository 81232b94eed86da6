"""Security > Encryption: every data store (RDS instance or Aurora cluster, cache, queue, bucket, DynamoDB table)
at rest and in transit, each claim held against the setting or the policy that makes it true."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import Row, component_name, each_row, match, tables
from tests.doccheck.data import dead_letter_queues, queue_encrypted, sse_sqs
from tests.doccheck.markdown import Doc
from tests.doccheck.rds import Db, dbs, excused, family, tls_enforced
from tests.doccheck.report import Result
from tests.doccheck.values import words, yes_no


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _encryption(doc, assembly, result)
    return result


def _encryption(doc: Doc, assembly: Assembly, result: Result) -> None:
    stores = _stores(assembly)
    needed = any(s.kind != "dynamodb" for s in stores)
    tabs = tables(
        doc, result, "Security > Encryption", ("data store", "at rest", "in transit"), needed=needed
    )
    every = dbs(assembly)

    def fits(row: Row, store: Store) -> bool:
        table, cells, env = row
        kind, name, role = _store_key(cells[table.column("data store") or ""])
        return (
            env == store.res.stack.stage
            and kind in STORE_WORDS[store.kind]
            and store.res.named(name)
            and role == store.role
        )

    def compare(res: Result, row: Row, store: Store) -> None:
        table, cells, _ = row
        where = f"Security > Encryption / {store.res.stack.stage} / {cells[table.column('data store') or '']}"
        _at_rest(res, where, cells[table.column("at rest") or ""], store, assembly)
        _in_transit(res, where, cells[table.column("in transit") or ""], store, assembly)

    def optional(store: Store, paired: list[Store]) -> bool:
        if store.db is not None:
            return excused(store.db, [p.db for p in paired if p.db is not None], every)
        return store.kind == "dynamodb"  # not in this project's model: checked where shown

    rows = list(each_row(tabs, assembly.stages))
    match(result, "encryption", "Security > Encryption", rows, stores, fits, compare, optional)


# store kind -> the first word of a "Data store" cell that may name it
STORE_WORDS = {
    "rds": ("rds", "aurora"),
    "cache": ("elasticache", "redis", "valkey"),
    "sqs": ("sqs",),
    "s3": ("s3",),
    "dynamodb": ("dynamodb",),
}


@dataclass
class Store:
    res: Resource
    kind: str  # rds | cache | sqs | s3 | dynamodb
    role: str = ""  # "dlq" for a dead-letter queue
    db: Db | None = None

    @property
    def source(self) -> str:
        return self.res.where()

    @property
    def name(self) -> str:
        return f"{self.res.stack.stage} / {self.kind} {self.res.path or self.res.logical_id}"


def _store_key(cell: str) -> tuple[str, str, str]:
    kind, _, rest = cell.strip().partition(" ")
    role = "dlq" if "dead-letter" in rest.lower() else ""
    return words(kind), component_name(rest), role


def _stores(assembly: Assembly) -> list[Store]:
    dlqs = dead_letter_queues(assembly)
    out = [Store(d.res, "rds", db=d) for d in dbs(assembly)]
    out += [Store(r, "cache") for r in assembly.resources("AWS::ElastiCache::ReplicationGroup")]
    out += [Store(r, "sqs", "dlq" if id(r) in dlqs else "") for r in assembly.resources("AWS::SQS::Queue")]
    out += [Store(r, "s3") for r in assembly.resources("AWS::S3::Bucket")]
    out += [
        Store(r, "dynamodb") for r in assembly.resources("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
    ]
    return out


def _at_rest(result: Result, where: str, cell: str, store: Store, assembly: Assembly) -> None:
    res, kind, p = store.res, store.kind, store.res.props
    if store.db is not None:
        on = bool(store.db.base.props.get("StorageEncrypted"))
    elif kind == "dynamodb":
        on = True  # DynamoDB encrypts every table at rest (an AWS owned key unless SSESpecification says KMS)
        if "kms" in cell.lower():
            sse = p.get("SSESpecification") or {}
            result.fact(
                bool(sse.get("SSEEnabled")),
                "encryption-kms-claim",
                where,
                cell,
                "SSESpecification",
                res.where(),
            )
    elif kind == "cache":
        on = bool(p.get("AtRestEncryptionEnabled"))
    elif kind == "sqs":
        on = queue_encrypted(res)
        if "sse-kms" in cell.lower() or ("kms" in cell.lower() and "sse-sqs" not in cell.lower()):
            result.fact(
                "KmsMasterKeyId" in p, "encryption-kms-claim", where, cell, "no KmsMasterKeyId", res.where()
            )
        if "sse-sqs" in cell.lower():
            result.fact(
                sse_sqs(res),
                "encryption-sse-claim",
                where,
                cell,
                "SSE-SQS (SqsManagedSseEnabled, on by default)",
                res.where(),
            )
    else:
        algorithms = [
            r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
            for r in p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        ]
        on = bool(algorithms)
        if algorithms and yes_no(cell) is None:
            result.fact(
                any(str(a).lower() in cell.lower() for a in algorithms),
                "encryption-algorithm",
                where,
                cell,
                algorithms,
                res.where("BucketEncryption"),
            )
            return
    shown = yes_no(cell) if yes_no(cell) is not None else bool(re.search(r"aes|kms|sse", cell, re.I))
    result.equal("encryption-at-rest", where, shown, on, res.where())


def _in_transit(result: Result, where: str, cell: str, store: Store, assembly: Assembly) -> None:
    # "TLS required (rds.force_ssl=1)" claims it; "TLS available, not enforced" does not
    claims_tls = bool(re.search(r"\btls\b|ssl|https", cell, re.I)) and not re.search(
        r"not enforced", cell, re.I
    )
    res, kind = store.res, store.kind
    if store.db is not None:
        _, parameter = family(store.db.engine)
        result.fact(
            not claims_tls or tls_enforced(store.db, assembly),
            "encryption-rds-tls",
            where,
            cell,
            f"no parameter group with {parameter or 'a TLS parameter'} on",
            res.where("DBParameterGroupName / DBClusterParameterGroupName"),
        )
        named_params = set(re.findall(r"rds\.force_ssl|require_secure_transport|sslmode", cell))
        result.fact(
            named_params <= {parameter},
            "encryption-rds-tls-parameter",
            where,
            cell,
            f"{store.db.engine} enforces TLS with {parameter or 'an option group'}",
            store.db.base.where("Engine"),
        )
    elif kind == "cache":
        result.equal(
            "encryption-in-transit",
            where,
            claims_tls,
            bool(res.props.get("TransitEncryptionEnabled")),
            res.where("TransitEncryptionEnabled"),
        )
    elif claims_tls and kind in ("sqs", "s3"):
        policy_type = "AWS::SQS::QueuePolicy" if kind == "sqs" else "AWS::S3::BucketPolicy"
        result.fact(
            _denies_plain(res, policy_type, assembly),
            "encryption-tls-policy",
            where,
            cell,
            f"no {policy_type} denying aws:SecureTransport false",
            res.where(),
        )


def _denies_plain(res: Resource, policy_type: str, assembly: Assembly) -> bool:
    for policy in res.stack.resources.values():
        if policy.type != policy_type:
            continue
        targets = (
            policy.props.get("Queues", [])
            if policy_type.startswith("AWS::SQS")
            else [policy.props.get("Bucket")]
        )
        if not any(assembly.resolve(policy.stack, t) is res for t in targets):
            continue
        for statement in policy.props.get("PolicyDocument", {}).get("Statement", []):
            cond = statement.get("Condition", {}).get("Bool", {})
            if statement.get("Effect") == "Deny" and str(cond.get("aws:SecureTransport")).lower() == "false":
                return True
    return False
