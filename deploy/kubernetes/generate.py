#!/usr/bin/env python3
"""Writes deploy/kubernetes/base/*.yaml from the one table below (SERVICES).

Six Deployments differ only in a port, a database, whom they may call and what they reach outside;
writing them by hand would repeat every probe, security setting and label six times and let them
drift. The YAML is committed (operators read and diff it, kustomize needs no Python; PyYAML writes it);
deploy/check.py fails when it is stale and validates it against the Kubernetes schema.

    python3 deploy/kubernetes/generate.py
"""
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent
NAMESPACE = "imageswiss"
IMAGE = "imageswiss"
SECRETS = "/run/secrets/imageswiss"
SHARED_SECRETS = "/run/secrets/imageswiss-shared"
# Ranges an outbound call to the internet must not reach (the cluster, private networks, metadata).
PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"]

# name: RPC port, metrics port, database?, upstreams it calls, external egress ports (None: any port),
# replicas in the base, autoscaled?, resources, secret files (setting -> key in its Secret),
# placeholder CIDR of its database (the production overlay replaces it).
SERVICES = {
    "edge": dict(rpc=7100, metrics=9100, database=False, calls=["auth", "billing", "jobs", "imageops", "storage"],
                 egress=[], replicas=2, cpu="250m", memory="256Mi", limit="512Mi", secrets={}),
    "auth": dict(rpc=7101, metrics=9101, database=True, calls=[], egress=[443, 465, 587], replicas=2,
                 cpu="250m", memory="256Mi", limit="512Mi", secrets={}, database_cidr="192.0.2.11/32"),
    "billing": dict(rpc=7102, metrics=9102, database=True, calls=[], egress=[443], replicas=2,
                    cpu="100m", memory="128Mi", limit="256Mi",
                    secrets={"BILLING_STRIPE_SECRET_KEY": "stripe-secret-key",
                             "BILLING_STRIPE_WEBHOOK_SECRET": "stripe-webhook-secret"},
                    database_cidr="192.0.2.12/32"),
    "jobs": dict(rpc=7103, metrics=9103, database=True, calls=["auth", "billing", "imageops", "storage"], egress=None,
                 replicas=2, cpu="250m", memory="256Mi", limit="512Mi",
                 secrets={"JOBS_PROVIDER_SECRET_KEY": "provider-secret-key"}, autoscale=(2, 6),
                 database_cidr="192.0.2.13/32"),
    "imageops": dict(rpc=7104, metrics=9104, database=False, calls=[], egress=[], replicas=2, cpu="1",
                     memory="512Mi", limit="2Gi", secrets={}, autoscale=(2, 8)),
    # Several replicas: objects in S3, uploads' chunks staged in the database (STORAGE_STAGING).
    "storage": dict(rpc=7105, metrics=9105, database=True, calls=[], egress=[443], replicas=2,
                    cpu="250m", memory="256Mi", limit="512Mi",
                    secrets={"STORAGE_S3_ACCESS_KEY_ID": "s3-access-key-id",
                             "STORAGE_S3_SECRET_ACCESS_KEY": "s3-secret-access-key"},
                    database_cidr="192.0.2.15/32"),
}
HTTP_PORT = 8080
# Settings every service reads from the shared ConfigMap (the rest keep their defaults).
CONFIG = {
    "LOG_FORMAT": "json",
    "RPC_HOST": "0.0.0.0",
    "METRICS_HOST": "0.0.0.0",
    "EDGE_HTTP_HOST": "0.0.0.0",
    "EDGE_HTTP_PORT": str(HTTP_PORT),
    # The ingress controller's pods; the production overlay sets the cluster's pod range.
    "EDGE_TRUSTED_PROXIES": "",
    "BILLING_ENVIRONMENT": "production",
    "BILLING_PAYMENT_PROVIDER": "stripe",
    "STORAGE_BACKEND": "s3",
    "STORAGE_STAGING": "database",
    "STORAGE_S3_BUCKET": "imageswiss",
    "STORAGE_S3_REGION": "us-east-1",
    "STORAGE_DATA_DIR": "/var/lib/imageswiss/blobs",
    "AUTH_MAIL_DIR": "/var/lib/imageswiss/mail",
    **{f"{name.upper()}_RPC_PORT": str(s["rpc"]) for name, s in SERVICES.items()},
    **{f"{name.upper()}_METRICS_PORT": str(s["metrics"]) for name, s in SERVICES.items()},
    **{f"{name.upper()}_RPC_ADDRESSES": f"{name}:{s['rpc']}" for name, s in SERVICES.items() if name != "edge"},
}


def labels(name, component="server"):
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


def env(name, spec, migrate=False):
    values = [{"name": "RPC_IDENTITY_KEY_FILE", "value": f"{SHARED_SECRETS}/rpc-identity-key"}]
    if spec["database"]:
        values.append({"name": f"{name.upper()}_DATABASE_URL_FILE", "value": f"{SECRETS}/database-url"})
    if migrate:
        values.append({"name": "MIGRATE_ONLY", "value": "true"})
    else:
        values += [{"name": f"{key}_FILE", "value": f"{SECRETS}/{file}"} for key, file in spec["secrets"].items()]
    return values


def security():
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]}}


def pod_security():
    return {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}}


def volumes(name, spec):
    items = [{"name": "shared-secrets", "secret": {"secretName": "imageswiss-shared"}},
             {"name": "tmp", "emptyDir": {}}]
    mounts = [{"name": "shared-secrets", "mountPath": SHARED_SECRETS, "readOnly": True},
              {"name": "tmp", "mountPath": "/tmp"}]
    if spec["database"] or spec["secrets"]:
        items.append({"name": "secrets", "secret": {"secretName": f"imageswiss-{name}"}})
        mounts.append({"name": "secrets", "mountPath": SECRETS, "readOnly": True})
    if name in ("storage", "auth"):
        folder = "blobs" if name == "storage" else "mail"
        # Storage stages uploads here (blobs live in S3); Auth writes development mail only.
        items.append({"name": folder, "emptyDir": {}})
        mounts.append({"name": folder, "mountPath": f"/var/lib/imageswiss/{folder}"})
    return items, mounts


def container(name, spec):
    items, mounts = volumes(name, spec)
    ports = [{"name": "rpc", "containerPort": spec["rpc"]}, {"name": "metrics", "containerPort": spec["metrics"]}]
    if name == "edge":
        ports.insert(0, {"name": "http", "containerPort": HTTP_PORT})
        readiness = {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5, "failureThreshold": 2}
        liveness = {"httpGet": {"path": "/livez", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3}
    else:
        # SERVING only with a reachable database and not draining: out of the Service, not restarted.
        readiness = {"exec": {"command": ["imageswiss-probe", f"127.0.0.1:{spec['rpc']}"]},
                     "periodSeconds": 5, "failureThreshold": 2}
        # Alive while the process accepts connections, whatever its database does.
        liveness = {"tcpSocket": {"port": "rpc"}, "periodSeconds": 10, "failureThreshold": 3}
    return {
        "name": name,
        "image": IMAGE,
        "command": [f"imageswiss-{name}"],
        "ports": ports,
        "envFrom": [{"configMapRef": {"name": "imageswiss"}}],
        "env": env(name, spec),
        "readinessProbe": readiness,
        "livenessProbe": liveness,
        "startupProbe": {"tcpSocket": {"port": "rpc"}, "periodSeconds": 2, "failureThreshold": 60},
        # The balancer needs a moment to stop routing to a pod before it drains (RPC_DRAIN_TIMEOUT_MS).
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
        "resources": {"requests": {"cpu": spec["cpu"], "memory": spec["memory"]},
                      "limits": {"memory": spec["limit"]}},
        "securityContext": security(),
        "volumeMounts": mounts,
    }, items


def deployment(name, spec):
    main, items = container(name, spec)
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {
            "replicas": spec["replicas"],
            "selector": {"matchLabels": labels(name)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels(name)},
                "spec": {
                    "automountServiceAccountToken": False,
                    # 5 s preStop + 25 s drain + margin.
                    "terminationGracePeriodSeconds": 40,
                    "securityContext": pod_security(),
                    "containers": [main],
                    "volumes": items,
                },
            },
        },
    }


def migration(name, spec):
    items, mounts = volumes(name, spec)
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": f"{name}-migrate", "labels": labels(name, "migration")},
        "spec": {
            "backoffLimit": 3,
            # Gone ten minutes after it finished, so that the next release's apply creates it afresh.
            "ttlSecondsAfterFinished": 600,
            "template": {
                "metadata": {"labels": labels(name, "migration")},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "securityContext": pod_security(),
                    "containers": [{
                        "name": "migrate", "image": IMAGE, "command": [f"imageswiss-{name}"],
                        "envFrom": [{"configMapRef": {"name": "imageswiss"}}],
                        "env": env(name, spec, migrate=True),
                        "securityContext": security(), "volumeMounts": mounts,
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                    }],
                    "volumes": items,
                },
            },
        },
    }


def service(name, spec):
    ports = [{"name": "rpc", "port": spec["rpc"], "targetPort": "rpc"},
             {"name": "metrics", "port": spec["metrics"], "targetPort": "metrics"}]
    if name == "edge":
        ports.insert(0, {"name": "http", "port": HTTP_PORT, "targetPort": "http"})
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels(name)},
            "spec": {"selector": labels(name), "ports": ports}}


def disruption_budget(name, spec):
    budget = {"maxUnavailable": 1} if spec["replicas"] < 2 else {"minAvailable": 1}
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "labels": labels(name)},
            "spec": {**budget, "selector": {"matchLabels": labels(name)}}}


def autoscaler(name, spec):
    low, high = spec["autoscale"]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "labels": labels(name)},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": low, "maxReplicas": high,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def network_policy(name, spec):
    callers = [other for other, s in SERVICES.items() if name in s["calls"]]
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ingress = [{"from": [monitoring], "ports": [{"port": spec["metrics"]}]}]
    if name == "edge":
        ingress.insert(0, {"ports": [{"port": HTTP_PORT}]})
    if callers:
        ingress.insert(0, {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": c}}} for c in callers],
                           "ports": [{"port": spec["rpc"]}]})
    # The database first: the production overlay replaces its address at /spec/egress/0.
    egress = [{"to": [{"ipBlock": {"cidr": spec["database_cidr"]}}], "ports": [{"port": 5432}]}] if spec["database"] else []
    egress += [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": upstream}}}],
                "ports": [{"port": SERVICES[upstream]["rpc"]}]} for upstream in spec["calls"]]
    outside = {"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE}}
    if spec["egress"] is None:
        egress.append({"to": [outside]})
    elif spec["egress"]:
        egress.append({"to": [outside], "ports": [{"port": port} for port in spec["egress"]]})
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "labels": labels(name)},
            "spec": {"podSelector": {"matchLabels": labels(name)}, "policyTypes": ["Ingress", "Egress"],
                     "ingress": ingress, "egress": egress}}


def common_policies():
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    dns = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "allow-dns"},
           "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                    "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                                "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}}
    # Migration Jobs reach their own database only (the service's policy selects server pods).
    jobs = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": f"{name}-migrate"},
             "spec": {"podSelector": {"matchLabels": labels(name, "migration")}, "policyTypes": ["Egress"],
                      "egress": [{"to": [{"ipBlock": {"cidr": spec["database_cidr"]}}], "ports": [{"port": 5432}]}]}}
            for name, spec in SERVICES.items() if spec["database"]]
    return [deny, dns] + jobs


def documents():
    """File name -> list of objects."""
    files = {
        "namespace.yaml": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}],
        "configmap.yaml": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "imageswiss"},
                            "data": CONFIG}],
        "network-policies.yaml": common_policies(),
    }
    for name, spec in SERVICES.items():
        objects = [deployment(name, spec), service(name, spec), disruption_budget(name, spec)]
        if "autoscale" in spec:
            objects.append(autoscaler(name, spec))
        objects.append(network_policy(name, spec))
        if spec["database"]:
            objects.append(migration(name, spec))
        files[f"{name}.yaml"] = objects
    files["kustomization.yaml"] = [{
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": NAMESPACE,
        "labels": [{"pairs": {"app.kubernetes.io/part-of": "imageswiss"}, "includeSelectors": False}],
        "resources": sorted(name for name in files if name != "kustomization.yaml"),
    }]
    return files


def render(objects):
    """One YAML document per object, keys in the order written above."""
    header = "# Generated by deploy/kubernetes/generate.py from its SERVICES table: edit that, then run it.\n"
    return header + yaml.safe_dump_all(objects, sort_keys=False, explicit_start=True, width=120)


def main():
    base = ROOT / "base"
    base.mkdir(exist_ok=True)
    for name, objects in documents().items():
        (base / name).write_text(render(objects))
    print(f"{len(documents())} files written to {base}")


if __name__ == "__main__":
    sys.exit(main())
