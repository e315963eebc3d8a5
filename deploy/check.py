#!/usr/bin/env python3
"""Checks the deployment files; run by compose/test in CI, seconds. Fails (exit 1) listing every finding.

1. compose/docker-compose.yml passes `docker-compose config` (Debian's docker-compose, no engine needed).
2. Every variable the compose file sets (its own and compose/stack.env's) is documented in
   docs/configuration.md, and each value it shares with stack.env agrees with it, host names aside.
3. deploy/kubernetes/base is what deploy/kubernetes/generate.py writes (not stale).
4. The base, the production overlay (rendered here: images, replicas, JSON 6902 patches — the kustomize
   features it uses) and secrets.example.yaml validate against the Kubernetes schema (kubernetes-validate,
   strict); their ports and variables agree with stack.env and are documented.
5. deploy/observability: the alert rules and the Prometheus configuration pass promtool, and the alerts
   and the dashboard read only metrics the services record.
"""
import copy
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.34.0"
SERVICES = ["edge", "auth", "billing", "jobs", "imageops", "storage"]
# Values a container deliberately sets apart from the local stack, and why.
CONTAINER_DIFFERENCES = {
    "RPC_HOST": "listen on the container's network, not loopback",
    "METRICS_HOST": "scraped from outside the container",
    "EDGE_HTTP_HOST": "published from the container",
    "BILLING_ENVIRONMENT": "a deployment takes real payments",
    "BILLING_PAYMENT_PROVIDER": "a deployment takes real payments",
    "RPC_IDENTITY_KEY": "the deployment's own secret, never the local stack's",
}
findings = []


def finding(text):
    findings.append(text)


def stack_env():
    values = {}
    for line in (ROOT / "compose" / "stack.env").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def documented_keys():
    text = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"`([A-Z][A-Z0-9_]*)`", text))


def is_documented(name, keys):
    """`NAME`, or `<SERVICE>_KEY` with `KEY` documented, or `<setting>_FILE` for a documented setting."""
    if name in keys:
        return True
    if name.endswith("_FILE"):
        return is_documented(name[: -len("_FILE")], keys)
    prefix, _, rest = name.partition("_")
    return prefix.lower() in SERVICES and rest in keys


def check_compose(stack):
    environment = dict(os.environ, RPC_IDENTITY_KEY="check-only-key-of-at-least-thirty-two-bytes")
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "compose" / "docker-compose.yml"), "config", "-q"],
        capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        finding(f"docker-compose config: {result.stderr.strip()}")
    compose = yaml.safe_load((ROOT / "compose" / "docker-compose.yml").read_text())
    keys = documented_keys()
    for key in stack:
        if not is_documented(key, keys):
            finding(f"compose/stack.env sets {key}, which docs/configuration.md does not document")
    for service, spec in compose["services"].items():
        for key, value in (spec.get("environment") or {}).items():
            if not is_documented(key, keys):
                finding(f"docker-compose.yml ({service}) sets {key}, which docs/configuration.md does not document")
            if key in stack and key not in CONTAINER_DIFFERENCES:
                local = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(value))
                for name in SERVICES + ["postgres"]:
                    local = re.sub(rf"(?<=[@/]){name}(?=:\d)|^{name}(?=:\d)", "127.0.0.1", local)
                if local != stack[key]:
                    finding(f"docker-compose.yml ({service}) sets {key}={value}; stack.env has {stack[key]}")


def kubernetes_objects(path):
    return [o for o in yaml.safe_load_all(path.read_text()) if o]


def pointer(path):
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def apply_operation(target, operation):
    *parents, last = pointer(operation["path"])
    node = target
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if operation["op"] == "add":
            node.insert(index, operation["value"])
        elif operation["op"] == "replace":
            node[index] = operation["value"]
        elif operation["op"] == "remove":
            del node[index]
        else:
            raise ValueError(f"unsupported op {operation['op']}")
    else:
        if operation["op"] == "replace" and last not in node:
            raise KeyError(f"replace of a missing {operation['path']}")
        if operation["op"] in ("add", "replace"):
            node[last] = operation["value"]
        elif operation["op"] == "remove":
            del node[last]
        else:
            raise ValueError(f"unsupported op {operation['op']}")


def render(directory):
    """The kustomization in `directory` rendered with the features this repository uses."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    objects = []
    for resource in spec.get("resources", []):
        path = directory / resource
        objects += render(path) if path.is_dir() else kubernetes_objects(path)
    objects = copy.deepcopy(objects)
    namespace = spec.get("namespace")
    for label in spec.get("labels", []):
        for o in objects:
            o.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
    for o in objects:
        if namespace and o["kind"] != "Namespace":
            o["metadata"]["namespace"] = namespace
    for image in spec.get("images", []):
        for o in objects:
            for pod in pod_specs(o):
                for c in pod.get("containers", []):
                    if c["image"] == image["name"]:
                        c["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    for replica in spec.get("replicas", []):
        matched = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == replica["name"]]
        if not matched:
            finding(f"{directory.name}: replicas name {replica['name']}, which is no Deployment")
        for o in matched:
            o["spec"]["replicas"] = replica["count"]
    for patch in spec.get("patches", []):
        target = patch["target"]
        matched = [o for o in objects if o["kind"] == target["kind"] and o["metadata"]["name"] == target["name"]]
        if not matched:
            finding(f"{directory.name}: a patch targets {target}, which is not in the resources")
        for o in matched:
            for operation in yaml.safe_load(patch["patch"]):
                try:
                    apply_operation(o, operation)
                except (KeyError, IndexError, ValueError) as error:
                    finding(f"{directory.name}: patch {operation} on {target['name']}: {error!r}")
    return objects


def pod_specs(o):
    if o["kind"] == "Deployment":
        return [o["spec"]["template"]["spec"]]
    if o["kind"] == "Job":
        return [o["spec"]["template"]["spec"]]
    return []


def check_kubernetes(stack):
    sys.path.insert(0, str(KUBERNETES))
    import generate  # noqa: E402  (the generator of the base, by its one table)

    for name, objects in generate.documents().items():
        committed = KUBERNETES / "base" / name
        if not committed.exists() or committed.read_text() != generate.render(objects):
            finding(f"deploy/kubernetes/base/{name} is stale: run python3 deploy/kubernetes/generate.py")
    import kubernetes_validate
    keys = documented_keys()
    rendered = {"base": render(KUBERNETES / "base"), "production": render(KUBERNETES / "overlays" / "production")}
    rendered["secrets.example"] = kubernetes_objects(KUBERNETES / "secrets.example.yaml")
    for where, objects in rendered.items():
        for o in objects:
            try:
                kubernetes_validate.validate(o, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                finding(f"{where}: {o['kind']}/{o['metadata']['name']}: {error.message} at {list(error.path)}")
            except Exception as error:  # an unknown kind or version is a finding too
                finding(f"{where}: {o['kind']}/{o['metadata'].get('name')}: {error!r}")
    production = rendered["production"]
    config = next(o for o in production if o["kind"] == "ConfigMap")["data"]
    for key in config:
        if not is_documented(key, keys):
            finding(f"kubernetes ConfigMap sets {key}, which docs/configuration.md does not document")
    for key in ("RPC_PORT", "METRICS_PORT"):
        for service in SERVICES:
            name = f"{service.upper()}_{key}"
            if config.get(name) != stack.get(name):
                finding(f"kubernetes ConfigMap has {name}={config.get(name)}; stack.env has {stack.get(name)}")
    for o in production:
        for pod in pod_specs(o):
            for c in pod["containers"]:
                for variable in c.get("env", []):
                    if not is_documented(variable["name"], keys):
                        finding(f"{o['metadata']['name']} sets {variable['name']}, which is not documented")
                ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
                service = o["metadata"]["name"]
                if "rpc" in ports and str(ports["rpc"]) != stack.get(f"{service.upper()}_RPC_PORT"):
                    finding(f"{service}: container RPC port {ports['rpc']} differs from stack.env")
                if "http" in ports and str(ports["http"]) != stack.get("EDGE_HTTP_PORT"):
                    finding(f"{service}: container HTTP port {ports['http']} differs from stack.env")
    print(f"kubernetes: {sum(len(v) for v in rendered.values())} objects validated against {KUBERNETES_VERSION}")


def recorded_metrics():
    """Every metric name the code records: PlatformMetrics, the RPC layer's and ServiceMain's."""
    sources = [ROOT / "Libraries/ServiceRuntime/PlatformMetrics.swift", ROOT / "Libraries/ServiceRuntime/ServiceMain.swift"]
    names = {name for path in sources for name in re.findall(r'"(imageswiss_[a-z0-9_]+)"', path.read_text())}
    # The RPC layer's: one label pattern (RPCCallMetrics) for each side an RPCCallMetrics is made for.
    rpc = [path.read_text() for path in (ROOT / "Libraries/RPC").rglob("*.swift")]
    sides = {side for text in rpc for side in re.findall(r'RPCCallMetrics\(side: "([a-z]+)"\)', text)}
    for text in rpc:
        for head, tail in re.findall(r'"(imageswiss_rpc_)\\\(side\)(_[a-z0-9_]+)"', text):
            names |= {f"{head}{side}{tail}" for side in sides}
    return names


def check_observability(stack):
    """5. deploy/observability: promtool accepts the rules and the Prometheus configuration; every
    metric the alerts and the dashboard read is one the services record; the scrape targets are the
    stack's metrics ports."""
    folder = ROOT / "deploy" / "observability"
    known = recorded_metrics()
    rules = yaml.safe_load((folder / "alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((folder / "dashboard.json").read_text())
    expressions += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    for expression in expressions:
        for name in re.findall(r"\b(imageswiss_[a-z0-9_]+)", expression):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if name not in known and base not in known:
                finding(f"observability: {name} is read by an alert or a panel but no service records it")
    config = yaml.safe_load((folder / "prometheus.yml").read_text())
    ports = {job["static_configs"][0]["targets"][0].split(":")[1] for job in config["scrape_configs"]}
    expected = {stack[f"{service.upper()}_METRICS_PORT"] for service in SERVICES}
    if ports != expected:
        finding(f"observability: prometheus.yml scrapes {sorted(ports)}, the stack's metrics ports are {sorted(expected)}")
    promtool = shutil.which("promtool")
    if promtool is None:
        finding("observability: promtool not found (apt-get install prometheus)")
    else:
        for command in (["check", "rules", str(folder / "alerts.yml")], ["check", "config", str(folder / "prometheus.yml")]):
            result = subprocess.run([promtool, *command], capture_output=True, text=True)
            if result.returncode != 0:
                finding(f"observability: promtool {' '.join(command[:2])}: {result.stdout}{result.stderr}")
    print(f"observability: {len(rules['groups'][0]['rules'])} alert rules and {len(dashboard['panels'])} panels read "
          f"{len(known)} known metrics; promtool {'checked' if promtool else 'missing'}")


def main():
    stack = stack_env()
    check_compose(stack)
    check_kubernetes(stack)
    check_observability(stack)
    for text in findings:
        print("deploy/check.py: " + text, file=sys.stderr)
    if findings:
        return 1
    print("deployment files: docker-compose config, variables, kubernetes schema and agreement all hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
