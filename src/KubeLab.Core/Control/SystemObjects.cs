using System.Globalization;
using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// What a fresh k3s v1.29 server creates by itself: the `kubernetes` service (10.43.0.1:443 → server:6443)
/// and its EndpointSlice, and CoreDNS (manifests/coredns.yaml: ConfigMap with the Corefile and NodeHosts,
/// Deployment `coredns`, Service `kube-dns` at 10.43.0.10), the packaged add-ons that `--disable` does not remove
/// (SystemObjects.Addons.cs) and the manifests' RBAC (SystemObjects.Rbac.cs). CoreDNS is pinned to the server node's first pod address (10.42.0.2), where the seed has it.
/// </summary>
public static partial class SystemObjects
{
    public const string CoreDnsImage = "rancher/mirrored-coredns-coredns:1.10.1";

    /// <summary>The Corefile k3s ships (manifests/coredns.yaml).</summary>
    public const string Corefile = """
        .:53 {
            errors
            health
            ready
            kubernetes cluster.local in-addr.arpa ip6.arpa {
              pods insecure
              fallthrough in-addr.arpa ip6.arpa
            }
            hosts /etc/coredns/NodeHosts {
              ttl 60
              reload 15s
              fallthrough
            }
            prometheus :9153
            forward . /etc/resolv.conf
            cache 30
            loop
            reload
            loadbalance
            import /etc/coredns/custom/*.override
        }
        import /etc/coredns/custom/*.server

        """;

    /// <summary>
    /// The PriorityClasses the API server's scheduling hook makes at every start (pkg/apis/scheduling
    /// SystemPriorityClasses): written by the API server itself, as sent, like its bootstrap RBAC policy.
    /// </summary>
    public const string SystemPriorityClasses = """
        apiVersion: scheduling.k8s.io/v1
        kind: PriorityClass
        metadata:
          name: system-node-critical
        description: Used for system critical pods that must not be moved from their current node.
        value: 2000001000
        ---
        apiVersion: scheduling.k8s.io/v1
        kind: PriorityClass
        metadata:
          name: system-cluster-critical
        description: Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.
        value: 2000000000

        """;

    /// <summary>k3s writes one "IP name" line per node into the coredns ConfigMap's NodeHosts.</summary>
    public static string NodeHosts(LabConfig config) =>
        string.Concat(config.Nodes.Select(n => $"{n.InternalIP} {n.Name}\n"));

    public static string Manifest(LabConfig config)
    {
        var server = config.Server;
        var coreDnsIP = IPMath.Add(server.PodCidr.BaseAddress, 2);
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: kubernetes
              namespace: default
              labels:
                component: apiserver
                provider: kubernetes
            spec:
              clusterIP: {{IPMath.Add(config.ServiceCidr.BaseAddress, 1)}}
              ports:
              - name: https
                port: 443
                protocol: TCP
                targetPort: {{LabDefaults.ApiServerPort}}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: kubernetes
              namespace: default
              labels:
                kubernetes.io/service-name: kubernetes
                endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io
            addressType: IPv4
            endpoints:
            - addresses:
              - {{server.InternalIP}}
              conditions:
                ready: true
            ports:
            - name: https
              port: {{LabDefaults.ApiServerPort}}
              protocol: TCP

            """);
        if (K3sAddons.Enabled(config, K3sAddons.CoreDns))
        {
            AppendCoreDns(yaml, config, coreDnsIP);
        }

        yaml.Append(Addons(config));
        yaml.Append(RbacManifest(config));
        return yaml.ToString();
    }

    /// <summary>
    /// Who writes each system object on a k3s server, as its managedFields name them: the `kubernetes` Service and its
    /// EndpointSlice are the API server's own ("k3s", the process's client), helm-controller's install Jobs, ServiceAccounts
    /// and ClusterRoleBindings likewise;
    /// what a chart installs carries Helm's labels and is "helm_v3" (Helm names its field manager after the binary it runs
    /// as, filepath.Base(os.Args[0]), and klipper-helm v0.8.3-build20240228, the install Jobs' image, runs Helm v3.14.2 as
    /// /usr/bin/helm_v3); the manifests in /var/lib/rancher/k3s/server/manifests are the deploy controller's, "deploy@" and the server
    /// node's name (k3s-io/k3s#3434).
    /// </summary>
    public static string ManagerOf(Manifests.ManifestDocument document, LabConfig config)
    {
        var value = (k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>)document.Object;
        var labels = value.Metadata.Labels;
        if (labels is not null && labels.TryGetValue("app.kubernetes.io/managed-by", out var managedBy) && managedBy == "Helm")
        {
            return "helm_v3";
        }

        var ns = ControlPlane.IsNamespaced(document.Kind) ? value.Metadata.NamespaceProperty ?? "default" : null;
        return ns == "default" || labels?.ContainsKey("helmcharts.helm.cattle.io/chart") == true
            || (document.Kind == "ServiceAccount" && ComponentAccounts.Contains(value.Metadata.Name))
            || (document.Kind == "ClusterRoleBinding" && ComponentBindings.Contains(value.Metadata.Name))
            ? ControlPlane.ComponentManager
            : "deploy@" + config.Server.Name;
    }

    /// <summary>The ServiceAccounts the packaged components run as (those the lab's manifests write).</summary>
    public static readonly IReadOnlySet<string> PackagedAccounts = new HashSet<string>(StringComparer.Ordinal)
    {
        "coredns", "local-path-provisioner-service-account", "metrics-server", "traefik", "helm-traefik", "helm-traefik-crd",
    };

    /// <summary>The ServiceAccounts helm-controller (in k3s) makes, one per chart.</summary>
    private static readonly HashSet<string> ComponentAccounts = new(StringComparer.Ordinal) { "helm-traefik", "helm-traefik-crd" };

    /// <summary>
    /// A ServiceAccount in kube-system: the packaged manifests' (coredns, local-path-provisioner-service-account,
    /// metrics-server) as they are written there, helm-controller's helm-&lt;chart&gt; (which it makes with
    /// automountServiceAccountToken true) and the Traefik chart's (with Helm's labels). ServiceLB makes its own (svclb).
    /// </summary>
    private static string ServiceAccount(string name, string? metadata = null, bool automount = false) => $"""
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: {name}
          namespace: kube-system
        {metadata ?? ""}{(automount ? "automountServiceAccountToken: true\n" : "")}
        """;

    /// <summary>manifests/coredns.yaml's ServiceAccount, ConfigMap, Deployment and Service.</summary>
    private static void AppendCoreDns(StringBuilder yaml, LabConfig config, System.Net.IPAddress coreDnsIP)
    {
        var server = config.Server;
        yaml.Append(ServiceAccount("coredns"));
        yaml.Append("""
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: coredns
              namespace: kube-system
            data:
              Corefile: |

            """);
        foreach (var line in Corefile.Split('\n').SkipLast(1))
        {
            yaml.Append("    ").Append(line).Append('\n');
        }

        yaml.Append("  NodeHosts: |\n");
        foreach (var node in config.Nodes)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    {node.InternalIP} {node.Name}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $$"""
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: coredns
              namespace: kube-system
              labels:
                k8s-app: kube-dns
                kubernetes.io/name: CoreDNS
              annotations:
                kubelab.io/placement: {{server.Name}}={{coreDnsIP}}
            spec:
              strategy:
                type: RollingUpdate
                rollingUpdate:
                  maxUnavailable: 1
              selector:
                matchLabels:
                  k8s-app: kube-dns
              template:
            {{CoreDnsTemplate}}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: kube-dns
              namespace: kube-system
              labels:
                k8s-app: kube-dns
                kubernetes.io/cluster-service: "true"
                kubernetes.io/name: CoreDNS
              annotations:
                prometheus.io/port: "9153"
                prometheus.io/scrape: "true"
            spec:
              selector:
                k8s-app: kube-dns
              clusterIP: {{config.ClusterDns}}
              ports:
              - name: dns
                port: 53
                protocol: UDP
              - name: dns-tcp
                port: 53
                protocol: TCP
              - name: metrics
                port: 9153
                protocol: TCP

            """);
    }
}
