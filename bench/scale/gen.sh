#!/usr/bin/env bash
# Writes a scale scenario to stdout: PODS pods in Deployments of REPLICAS replicas (the scheduler spreads
# them over the nodes), SERVICES ClusterIP services over those Deployments (service i selects
# Deployment i mod D, so every Deployment has one or more services), and every NGINX_EVERY-th Deployment
# runs nginx (a real nginx per pod); the others run a pause-like image (a sandbox, no process).
#
#   bench/scale/gen.sh 500 200 > /tmp/big.yaml                 # 500 pods, 200 services, all nginx
#   NGINX_EVERY=0 bench/scale/gen.sh 500 200 > /tmp/big.yaml   # no nginx pods at all
set -euo pipefail
PODS=${1:-500}
SERVICES=${2:-200}
REPLICAS=${REPLICAS:-5}
NGINX_EVERY=${NGINX_EVERY:-1}
deployments=$(( (PODS + REPLICAS - 1) / REPLICAS ))
left=$PODS
for ((d = 0; d < deployments; d++)); do
    n=$(( left < REPLICAS ? left : REPLICAS )); left=$((left - n))
    image="registry.k8s.io/pause:3.9"
    if (( NGINX_EVERY > 0 && d % NGINX_EVERY == 0 )); then image="nginx:1.25"; fi
    cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-$d
  labels: {app: app-$d}
spec:
  replicas: $n
  selector:
    matchLabels: {app: app-$d}
  template:
    metadata:
      labels: {app: app-$d}
    spec:
      containers:
      - name: app
        image: $image
        ports:
        - containerPort: 80
YAML
done
for ((s = 0; s < SERVICES; s++)); do
    cat <<YAML
---
apiVersion: v1
kind: Service
metadata:
  name: svc-$s
spec:
  selector: {app: app-$((s % deployments))}
  ports:
  - name: http
    port: 80
    targetPort: 80
YAML
done
