using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// k3s v1.29.5's packaged add-ons as its deploy controller applies them from /var/lib/rancher/k3s/server/manifests
/// (k3s-io/k3s manifests/*.yaml; the component versions are the v1.29.5+k3s1 release notes': local-path-provisioner
/// v0.0.26, metrics-server v0.7.0, Traefik v2.10.7 from chart 25.0.3+up25.0.0 installed by helm-controller v0.15.9's
/// klipper-helm v0.8.3-build20240228 Jobs). Of the kinds the lab stores, the workloads, their Services and
/// ConfigMaps, the ServiceAccounts they run as and their RBAC (SystemObjects.Rbac.cs) are written; the
/// StorageClass, APIService and HelmCharts are not. Every add-on pod runs on the server node (the
/// <c>kubelab.io/placement</c> annotation): on a real cluster they start before any agent has joined, which is why the
/// cheat sheet's first nginx pod on vm1 has 10.42.0.8 — coredns .2, local-path-provisioner .3, metrics-server .4, the
/// two helm-install Jobs .5 and .6, traefik .7. The images are emulated: traefik answers 404 on its web entrypoint.
/// </summary>
public static partial class SystemObjects
{
    public const string LocalPathProvisionerImage = "rancher/local-path-provisioner:v0.0.26";
    public const string MetricsServerImage = "rancher/mirrored-metrics-server:v0.7.0";
    public const string TraefikImage = "rancher/mirrored-library-traefik:2.10.7";
    public const string KlipperHelmImage = "rancher/klipper-helm:v0.8.3-build20240228";
    /// <summary>helm.sh/chart of k3s's bundled Traefik chart (traefik-25.0.3+up25.0.0; Helm writes '+' as '_').</summary>
    public const string TraefikChart = "traefik-25.0.3_up25.0.0";

    /// <summary>What Helm writes on every object of the Traefik release (its labels and release annotations), as metadata lines.</summary>
    private const string TraefikHelmMetadata = $"""
          labels:
            app.kubernetes.io/instance: traefik-kube-system
            app.kubernetes.io/managed-by: Helm
            app.kubernetes.io/name: traefik
            helm.sh/chart: {TraefikChart}
          annotations:
            meta.helm.sh/release-name: traefik
            meta.helm.sh/release-namespace: kube-system
        """;

    /// <summary>manifests/coredns.yaml's pod template (the image is k3s v1.29.5's CoreDNS 1.10.1).</summary>
    public const string CoreDnsTemplate = """
            metadata:
              labels:
                k8s-app: kube-dns
            spec:
              priorityClassName: "system-cluster-critical"
              serviceAccountName: coredns
              tolerations:
                - key: "CriticalAddonsOnly"
                  operator: "Exists"
                - key: "node-role.kubernetes.io/control-plane"
                  operator: "Exists"
                  effect: "NoSchedule"
                - key: "node-role.kubernetes.io/master"
                  operator: "Exists"
                  effect: "NoSchedule"
              nodeSelector:
                kubernetes.io/os: linux
              topologySpreadConstraints:
                - maxSkew: 1
                  topologyKey: kubernetes.io/hostname
                  whenUnsatisfiable: DoNotSchedule
                  labelSelector:
                    matchLabels:
                      k8s-app: kube-dns
              containers:
              - name: coredns
                image: "rancher/mirrored-coredns-coredns:1.10.1"
                imagePullPolicy: IfNotPresent
                resources:
                  limits:
                    memory: 170Mi
                  requests:
                    cpu: 100m
                    memory: 70Mi
                args:
                - "-conf"
                - "/etc/coredns/Corefile"
                volumeMounts:
                - name: config-volume
                  mountPath: /etc/coredns
                  readOnly: true
                - name: custom-config-volume
                  mountPath: /etc/coredns/custom
                  readOnly: true
                ports:
                - containerPort: 53
                  name: dns
                  protocol: UDP
                - containerPort: 53
                  name: dns-tcp
                  protocol: TCP
                - containerPort: 9153
                  name: metrics
                  protocol: TCP
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities:
                    add:
                    - NET_BIND_SERVICE
                    drop:
                    - all
                  readOnlyRootFilesystem: true
                livenessProbe:
                  httpGet:
                    path: /health
                    port: 8080
                    scheme: HTTP
                  initialDelaySeconds: 60
                  periodSeconds: 10
                  timeoutSeconds: 1
                  successThreshold: 1
                  failureThreshold: 3
                readinessProbe:
                  httpGet:
                    path: /ready
                    port: 8181
                    scheme: HTTP
                  initialDelaySeconds: 0
                  periodSeconds: 2
                  timeoutSeconds: 1
                  successThreshold: 1
                  failureThreshold: 3
              dnsPolicy: Default
              volumes:
                - name: config-volume
                  configMap:
                    name: coredns
                    items:
                    - key: Corefile
                      path: Corefile
                    - key: NodeHosts
                      path: NodeHosts
                - name: custom-config-volume
                  configMap:
                    name: coredns-custom
                    optional: true
        """;

    private const string Tolerations = """
              tolerations:
                - key: "CriticalAddonsOnly"
                  operator: "Exists"
                - key: "node-role.kubernetes.io/control-plane"
                  operator: "Exists"
                  effect: "NoSchedule"
                - key: "node-role.kubernetes.io/master"
                  operator: "Exists"
                  effect: "NoSchedule"
        """;

    /// <summary>The add-ons' objects, in the order k3s's deploy controller and helm-controller create them.</summary>
    public static string Addons(LabConfig config)
    {
        var server = config.Server.Name;
        var yaml = new StringBuilder();
        if (K3sAddons.Enabled(config, K3sAddons.LocalStorage))
        {
            yaml.Append(ServiceAccount("local-path-provisioner-service-account"));
            yaml.Append($$"""
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: local-path-provisioner
                  namespace: kube-system
                  annotations:
                    kubelab.io/placement: {{server}}
                spec:
                  revisionHistoryLimit: 0
                  strategy:
                    type: RollingUpdate
                    rollingUpdate:
                      maxUnavailable: 1
                  selector:
                    matchLabels:
                      app: local-path-provisioner
                  template:
                    metadata:
                      labels:
                        app: local-path-provisioner
                    spec:
                      priorityClassName: "system-node-critical"
                      serviceAccountName: local-path-provisioner-service-account
                {{Tolerations}}
                      containers:
                      - name: local-path-provisioner
                        image: "{{LocalPathProvisionerImage}}"
                        imagePullPolicy: IfNotPresent
                        command:
                        - local-path-provisioner
                        - start
                        - --config
                        - /etc/config/config.json
                        volumeMounts:
                        - name: config-volume
                          mountPath: /etc/config/
                        env:
                        - name: POD_NAMESPACE
                          valueFrom:
                            fieldRef:
                              fieldPath: metadata.namespace
                      volumes:
                        - name: config-volume
                          configMap:
                            name: local-path-config
                ---
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata:
                  name: local-path
                  annotations:
                    defaultVolumeType: "local"
                    storageclass.kubernetes.io/is-default-class: "true"
                provisioner: rancher.io/local-path
                volumeBindingMode: WaitForFirstConsumer
                reclaimPolicy: Delete
                ---
                kind: ConfigMap
                apiVersion: v1
                metadata:
                  name: local-path-config
                  namespace: kube-system
                data:
                  config.json: |-
                    {
                      "nodePathMap":[
                      {
                        "node":"DEFAULT_PATH_FOR_NON_LISTED_NODES",
                        "paths":["/var/lib/rancher/k3s/storage"]
                      }
                      ]
                    }
                  setup: |-
                    #!/bin/sh
                    set -eu
                    mkdir -m 0777 -p "${VOL_DIR}"
                    chmod 700 "${VOL_DIR}/.."
                  teardown: |-
                    #!/bin/sh
                    set -eu
                    rm -rf "${VOL_DIR}"
                  helperPod.yaml: |-
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: helper-pod
                    spec:
                      containers:
                      - name: helper-pod
                        image: "rancher/mirrored-library-busybox:1.36.1"
                        imagePullPolicy: IfNotPresent

                """);
        }

        if (K3sAddons.Enabled(config, K3sAddons.MetricsServer))
        {
            yaml.Append(ServiceAccount("metrics-server"));
            yaml.Append($$"""
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: metrics-server
                  namespace: kube-system
                  labels:
                    k8s-app: metrics-server
                  annotations:
                    kubelab.io/placement: {{server}}
                spec:
                  selector:
                    matchLabels:
                      k8s-app: metrics-server
                  template:
                    metadata:
                      name: metrics-server
                      labels:
                        k8s-app: metrics-server
                    spec:
                      priorityClassName: "system-node-critical"
                      serviceAccountName: metrics-server
                {{Tolerations}}
                      volumes:
                      - name: tmp-dir
                        emptyDir: {}
                      containers:
                      - name: metrics-server
                        image: "{{MetricsServerImage}}"
                        args:
                          - --cert-dir=/tmp
                          - --secure-port=10250
                          - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
                          - --kubelet-use-node-status-port
                          - --metric-resolution=15s
                          - --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305
                        resources:
                          requests:
                            cpu: 100m
                            memory: 70Mi
                        ports:
                        - containerPort: 10250
                          name: https
                          protocol: TCP
                        readinessProbe:
                          httpGet:
                            path: /readyz
                            port: https
                            scheme: HTTPS
                          periodSeconds: 2
                          failureThreshold: 3
                          initialDelaySeconds: 0
                        livenessProbe:
                          httpGet:
                            path: /livez
                            port: https
                            scheme: HTTPS
                          periodSeconds: 10
                          failureThreshold: 3
                          initialDelaySeconds: 0
                        securityContext:
                          readOnlyRootFilesystem: true
                          runAsNonRoot: true
                          runAsUser: 1000
                          allowPrivilegeEscalation: false
                        volumeMounts:
                        - name: tmp-dir
                          mountPath: /tmp
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: metrics-server
                  namespace: kube-system
                  labels:
                    kubernetes.io/cluster-service: "true"
                    kubernetes.io/name: "Metrics-server"
                spec:
                  selector:
                    k8s-app: metrics-server
                  ports:
                  - port: 443
                    name: https
                    protocol: TCP
                    targetPort: https

                """);
        }

        if (K3sAddons.Enabled(config, K3sAddons.Traefik))
        {
            yaml.Append(ServiceAccount("helm-traefik-crd", automount: true));
            yaml.Append(HelmInstallJob(server, "traefik-crd", "helm-traefik-crd"));
            yaml.Append(ServiceAccount("helm-traefik", automount: true));
            yaml.Append(HelmInstallJob(server, "traefik", "helm-traefik"));
            yaml.Append(ServiceAccount("traefik", TraefikHelmMetadata + "\n"));
            yaml.Append($$"""
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: traefik
                  namespace: kube-system
                {{TraefikHelmMetadata}}
                    kubelab.io/placement: {{server}}
                spec:
                  replicas: 1
                  selector:
                    matchLabels:
                      app.kubernetes.io/instance: traefik-kube-system
                      app.kubernetes.io/name: traefik
                  strategy:
                    type: RollingUpdate
                    rollingUpdate:
                      maxSurge: 1
                      maxUnavailable: 0
                  minReadySeconds: 0
                  template:
                    metadata:
                      annotations:
                        prometheus.io/path: "/metrics"
                        prometheus.io/port: "9100"
                        prometheus.io/scrape: "true"
                      labels:
                        app.kubernetes.io/instance: traefik-kube-system
                        app.kubernetes.io/managed-by: Helm
                        app.kubernetes.io/name: traefik
                        helm.sh/chart: {{TraefikChart}}
                    spec:
                      serviceAccountName: traefik
                      terminationGracePeriodSeconds: 60
                      hostNetwork: false
                      priorityClassName: "system-cluster-critical"
                      containers:
                      - image: {{TraefikImage}}
                        imagePullPolicy: IfNotPresent
                        name: traefik
                        readinessProbe:
                          httpGet:
                            path: /ping
                            port: 9000
                            scheme: HTTP
                          failureThreshold: 1
                          initialDelaySeconds: 2
                          periodSeconds: 10
                          successThreshold: 1
                          timeoutSeconds: 2
                        livenessProbe:
                          httpGet:
                            path: /ping
                            port: 9000
                            scheme: HTTP
                          failureThreshold: 3
                          initialDelaySeconds: 2
                          periodSeconds: 10
                          successThreshold: 1
                          timeoutSeconds: 2
                        ports:
                        - name: "metrics"
                          containerPort: 9100
                          protocol: "TCP"
                        - name: "traefik"
                          containerPort: 9000
                          protocol: "TCP"
                        - name: "web"
                          containerPort: 8000
                          protocol: "TCP"
                        - name: "websecure"
                          containerPort: 8443
                          protocol: "TCP"
                        securityContext:
                          capabilities:
                            drop:
                            - ALL
                          readOnlyRootFilesystem: true
                          allowPrivilegeEscalation: false
                        volumeMounts:
                          - name: data
                            mountPath: /data
                          - name: tmp
                            mountPath: /tmp
                        args:
                          - "--global.checknewversion"
                          - "--global.sendanonymoususage"
                          - "--entrypoints.metrics.address=:9100/tcp"
                          - "--entrypoints.traefik.address=:9000/tcp"
                          - "--entrypoints.web.address=:8000/tcp"
                          - "--entrypoints.websecure.address=:8443/tcp"
                          - "--api.dashboard=true"
                          - "--ping=true"
                          - "--metrics.prometheus=true"
                          - "--metrics.prometheus.entrypoint=metrics"
                          - "--providers.kubernetescrd"
                          - "--providers.kubernetesingress"
                          - "--providers.kubernetesingress.ingressendpoint.publishedservice=kube-system/traefik"
                          - "--entrypoints.websecure.http.tls=true"
                      volumes:
                        - name: data
                          emptyDir: {}
                        - name: tmp
                          emptyDir: {}
                      securityContext:
                        fsGroupChangePolicy: OnRootMismatch
                        runAsGroup: 65532
                        runAsNonRoot: true
                        runAsUser: 65532
                {{Tolerations}}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: traefik
                  namespace: kube-system
                {{TraefikHelmMetadata}}
                spec:
                  type: LoadBalancer
                  selector:
                    app.kubernetes.io/instance: traefik-kube-system
                    app.kubernetes.io/name: traefik
                  ports:
                  - port: 80
                    name: "web"
                    targetPort: web
                    protocol: "TCP"
                  - port: 443
                    name: "websecure"
                    targetPort: websecure
                    protocol: "TCP"
                ---
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: traefik
                {{TraefikHelmMetadata}}
                    ingressclass.kubernetes.io/is-default-class: "true"
                spec:
                  controller: traefik.io/ingress-controller

                """);
        }

        return yaml.ToString();
    }

    /// <summary>
    /// helm-controller v0.15.9's install Job for a HelmChart (pkg/controllers/chart/chart.go job()): helm-install-NAME running
    /// klipper-helm's "install" with the chart's name, namespace and URL in its environment, restartPolicy OnFailure,
    /// backoffLimit 1000.
    /// </summary>
    private static string HelmInstallJob(string server, string chart, string serviceAccount) => $$"""
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: helm-install-{{chart}}
          namespace: kube-system
          labels:
            helmcharts.helm.cattle.io/chart: {{chart}}
          annotations:
            helmcharts.helm.cattle.io/configHash: ""
            kubelab.io/placement: {{server}}
        spec:
          backoffLimit: 1000
          template:
            metadata:
              labels:
                helmcharts.helm.cattle.io/chart: {{chart}}
            spec:
              restartPolicy: OnFailure
              serviceAccountName: {{serviceAccount}}
              containers:
              - name: helm
                image: {{KlipperHelmImage}}
                imagePullPolicy: IfNotPresent
                args:
                - install
                env:
                - name: NAME
                  value: {{chart}}
                - name: VERSION
                  value: ""
                - name: REPO
                  value: ""
                - name: HELM_DRIVER
                  value: secret
                - name: CHART_NAMESPACE
                  value: kube-system
                - name: CHART
                  value: https://%{KUBERNETES_API}%/static/charts/{{chart}}-25.0.3+up25.0.0.tgz
                - name: HELM_VERSION
                  value: ""
                - name: TARGET_NAMESPACE
                  value: kube-system

        """;
}
