"""Cloud Map facts: namespaces (HTTP, private DNS, public DNS), their Cloud Map services, and the ECS services
that register with or call through them (Service Connect)."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, join, prop
from docgen.facts.index import Index
from docgen.facts.names import component

KINDS = {
    "AWS::ServiceDiscovery::HttpNamespace": "HTTP (API discovery only)",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "private DNS (Route 53 private hosted zone)",
    "AWS::ServiceDiscovery::PublicDnsNamespace": "public DNS (Route 53 public hosted zone)",
}


@dataclass(frozen=True)
class Namespace:
    resource: Resource
    name: Fact
    kind: Fact
    services: Fact  # Cloud Map services and Service Connect endpoints registered in it
    clients: Fact  # ECS services that use it


def namespaces(index: Index, env: str) -> list[Namespace]:
    out = []
    for cfn_type, kind in KINDS.items():
        for ns in index.of_type(cfn_type, env):
            registered = [
                prop(s, "Name", default=component(s).text)
                for s in index.referring(ns, "AWS::ServiceDiscovery::Service", "NamespaceId")
            ]
            clients: list[Fact] = []
            for service in index.of_type("AWS::ECS::Service", env):
                config = service.properties.get("ServiceConnectConfiguration") or {}
                registries = service.properties.get("ServiceRegistries")
                if ns in index.targets(service, config.get("Namespace")):
                    aliases = [
                        f"{a.get('DnsName', s.get('PortName'))}:{a.get('Port', '')}"
                        for s in config.get("Services") or ()
                        for a in (s.get("ClientAliases") or [{}])
                        if isinstance(a, dict)
                    ]
                    name = component(service)
                    if aliases:
                        registered.append(
                            derived(
                                None,
                                f"{', '.join(aliases)} ({name.text}, Service Connect)",
                                [prop(service, "ServiceConnectConfiguration", "Services")],
                            )
                        )
                    clients.append(
                        derived(None, name.text, [prop(service, "ServiceConnectConfiguration", "Namespace")])
                    )
                elif registries and any(
                    ns in index.targets(r, r.properties.get("NamespaceId"))
                    for r in index.targets(service, registries)
                ):
                    clients.append(
                        derived(None, component(service).text, [prop(service, "ServiceRegistries")])
                    )
            out.append(
                Namespace(
                    resource=ns,
                    name=prop(ns, "Name"),
                    kind=exists(ns, kind),
                    services=join(registered, "<br>", empty="none registered in the templates", none=ns),
                    clients=join(sorted(clients, key=lambda f: f.text), ", ", empty="none", none=ns),
                )
            )
    return sorted(out, key=lambda n: n.name.text)
