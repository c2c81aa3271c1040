namespace KubeLab.Core.Tests.Api;

/// <summary>
/// MetalLB v0.14.5 through the real kubectl 1.29: its kinds' tables carry the columns its CRDs declare, and its own
/// published manifest (Golden/metallb/metallb-native.yaml) applies, with the lab's emulated MetalLB taking over the
/// manifest's controller Deployment and speaker DaemonSet.
/// </summary>
public sealed class MetalLbKubectlTests(ApiLab lab) : IClassFixture<ApiLab>
{
    private static string NativeManifest => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "metallb", "metallb-native.yaml"));

    private (int Code, string Out, string Err) Apply(string manifest) => lab.KubectlWithInput("1.29", manifest, "apply", "-f", "-");

    private string ApplyOk(string manifest)
    {
        var (code, output, error) = Apply(manifest);
        Assert.True(code == 0, $"kubectl apply exited {code}:\n{output}\n{error}");
        return output;
    }

    private string Get(params string[] args) => lab.KubectlOk("1.29", ["get", .. args]);

    [SkippableFact]
    public void MetalLBs_kinds_are_listed_with_the_columns_of_metallbs_crds()
    {
        ApiLab.RequireKubectl("1.29");
        ApplyOk("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: mlb-columns
            ---
            apiVersion: metallb.io/v1beta1
            kind: IPAddressPool
            metadata:
              name: ranges
              namespace: mlb-columns
            spec:
              addresses: [10.200.0.0/29, 10.200.0.10-10.200.0.12]
              avoidBuggyIPs: true
            ---
            apiVersion: metallb.io/v1beta1
            kind: IPAddressPool
            metadata:
              name: manual
              namespace: mlb-columns
            spec:
              addresses: [10.200.1.0/28]
              autoAssign: false
            ---
            apiVersion: metallb.io/v1beta1
            kind: L2Advertisement
            metadata:
              name: everything
              namespace: mlb-columns
            ---
            apiVersion: metallb.io/v1beta1
            kind: L2Advertisement
            metadata:
              name: vlan
              namespace: mlb-columns
            spec:
              ipAddressPools: [ranges]
              interfaces: [ens3.100]
              nodeSelectors:
              - matchLabels:
                  kubernetes.io/hostname: vm1

            """);

        // MetalLB's webhook refuses an overlapping pool as controller-runtime denies: 403 Forbidden, in kubectl's words
        var overlapping = Apply("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: overlap\n  namespace: mlb-columns\nspec:\n  addresses: [10.200.0.4/30]\n");
        Assert.Equal((1, "Error from server (Forbidden): error when creating \"STDIN\": admission webhook \"ipaddresspoolvalidationwebhook.metallb.io\" denied the request: CIDR \"10.200.0.4/30\" in pool \"overlap\" overlaps with already defined CIDR \"10.200.0.0/29\"\n"),
            (overlapping.Code, overlapping.Err));

        // the CRD's schema defaults (autoAssign true, avoidBuggyIPs false) are stored; string columns print JSON arrays
        Assert.Equal("""
            NAME     AUTO ASSIGN   AVOID BUGGY IPS   ADDRESSES
            manual   false         false             ["10.200.1.0/28"]
            ranges   true          true              ["10.200.0.0/29","10.200.0.10-10.200.0.12"]

            """, Get("ipaddresspools", "-n", "mlb-columns"));
        // absent fields are null cells, printed empty; Node Selectors (priority 10) only with -o wide
        Assert.Equal("""
            NAME         IPADDRESSPOOLS   IPADDRESSPOOL SELECTORS   INTERFACES
            everything                                              
            vlan         ["ranges"]                                 ["ens3.100"]

            """, Get("l2advertisements", "-n", "mlb-columns"));
        Assert.Equal("""
            NAME         IPADDRESSPOOLS   IPADDRESSPOOL SELECTORS   INTERFACES     NODE SELECTORS
            everything                                                             
            vlan         ["ranges"]                                 ["ens3.100"]   [{"matchLabels":{"kubernetes.io/hostname":"vm1"}}]

            """, Get("l2advertisements", "-n", "mlb-columns", "-o", "wide"));
        Assert.Equal("{\"addresses\":[\"10.200.1.0/28\"],\"autoAssign\":false,\"avoidBuggyIPs\":false}", Get("ipaddresspool", "manual", "-n", "mlb-columns", "-o", "jsonpath={.spec}"));
    }

    /// <summary>What `kubectl apply -f metallb-native.yaml` prints on a cluster without MetalLB, in the manifest's order.</summary>
    internal const string NativeManifestCreated = """
        namespace/metallb-system created
        customresourcedefinition.apiextensions.k8s.io/bfdprofiles.metallb.io created
        customresourcedefinition.apiextensions.k8s.io/bgpadvertisements.metallb.io created
        customresourcedefinition.apiextensions.k8s.io/bgppeers.metallb.io created
        customresourcedefinition.apiextensions.k8s.io/communities.metallb.io created
        customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io created
        customresourcedefinition.apiextensions.k8s.io/l2advertisements.metallb.io created
        customresourcedefinition.apiextensions.k8s.io/servicel2statuses.metallb.io created
        serviceaccount/controller created
        serviceaccount/speaker created
        role.rbac.authorization.k8s.io/controller created
        role.rbac.authorization.k8s.io/pod-lister created
        clusterrole.rbac.authorization.k8s.io/metallb-system:controller created
        clusterrole.rbac.authorization.k8s.io/metallb-system:speaker created
        rolebinding.rbac.authorization.k8s.io/controller created
        rolebinding.rbac.authorization.k8s.io/pod-lister created
        clusterrolebinding.rbac.authorization.k8s.io/metallb-system:controller created
        clusterrolebinding.rbac.authorization.k8s.io/metallb-system:speaker created
        configmap/metallb-excludel2 created
        secret/metallb-webhook-cert created
        service/metallb-webhook-service created
        deployment.apps/controller created
        daemonset.apps/speaker created
        validatingwebhookconfiguration.admissionregistration.k8s.io/metallb-webhook-configuration created

        """;

    private const string PoolAndService = """
        apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata:
          name: native-pool
          namespace: metallb-system
        spec:
          addresses: [10.123.123.200-10.123.123.210]
          autoAssign: false
        ---
        apiVersion: metallb.io/v1beta1
        kind: L2Advertisement
        metadata:
          name: native-l2
          namespace: metallb-system
        spec:
          ipAddressPools: [native-pool]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: native-web
        spec:
          replicas: 2
          selector:
            matchLabels: {app: native-web}
          template:
            metadata:
              labels: {app: native-web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: native-lb
          annotations:
            metallb.universe.tf/address-pool: native-pool
        spec:
          type: LoadBalancer
          selector: {app: native-web}
          ports:
          - port: 80

        """;

    private static string SecondService(string name) =>
        $"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  annotations:\n    metallb.universe.tf/address-pool: native-pool\nspec:\n  type: LoadBalancer\n  selector: {{app: native-web}}\n  ports:\n  - port: 8080\n";

    private string Ingress(string service) => Get("svc", service, "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}");

    private string Announcements(string service) =>
        Get("events", "--field-selector", $"involvedObject.name={service},reason=nodeAssigned", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}");

    [SkippableFact]
    public void MetalLBs_published_manifest_applies_and_the_labs_metallb_takes_over_its_controller_and_speakers()
    {
        ApiLab.RequireKubectl("1.29");
        var (code, output, error) = Apply(NativeManifest);
        Assert.True(code == 0, error);
        Assert.Equal(NativeManifestCreated, output);
        Assert.Equal("", error);

        Assert.Equal(7, Get("crd", "-o", "name").Split('\n').Count(l => l.EndsWith(".metallb.io", StringComparison.Ordinal)));
        Assert.Equal("deployment.apps/controller\ndaemonset.apps/speaker\n", Get("deployments,daemonsets", "-n", "metallb-system", "-o", "name"));
        Assert.Equal("validatingwebhookconfiguration.admissionregistration.k8s.io/metallb-webhook-configuration\n", Get("validatingwebhookconfigurations", "metallb-webhook-configuration", "-o", "name"));
        // the speakers run with hostNetwork: each speaker pod has its node's address, one per node
        var speakers = Get("pods", "-n", "metallb-system", "-l", "component=speaker", "-o", "jsonpath={range .items[*]}{.spec.nodeName}={.status.podIP}={.status.hostIP} {end}")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["vm1", "vm2", "vm3"], speakers.Select(s => s.Split('=')[0]));
        Assert.All(speakers, s => Assert.Equal(s.Split('=')[1], s.Split('=')[2]));

        // the emulated controller allocates from the manifest's CRD kinds; the speaker elected among the nodes announces
        ApplyOk(PoolAndService);
        Assert.Equal("10.123.123.200", Ingress("native-lb"));
        Assert.Matches("^announcing from node \"vm[123]\" with protocol \"layer2\"\n$", Announcements("native-lb"));

        // scaled to 0, the manifest's controller allocates nothing: a new LoadBalancer stays pending until it is back
        lab.KubectlOk("1.29", "scale", "deployment/controller", "-n", "metallb-system", "--replicas=0");
        ApplyOk(SecondService("native-lb-2"));
        Assert.Equal("", Ingress("native-lb-2"));
        lab.KubectlOk("1.29", "scale", "deployment/controller", "-n", "metallb-system", "--replicas=1");
        Assert.Equal("10.123.123.201", Ingress("native-lb-2"));

        // only nodes whose speaker runs announce: the DaemonSet kept to vm3 moves the VIP there
        lab.KubectlOk("1.29", "patch", "daemonset/speaker", "-n", "metallb-system", "-p", "{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":\"vm3\"}}}}}");
        Assert.EndsWith("announcing from node \"vm3\" with protocol \"layer2\"\n", Announcements("native-lb"), StringComparison.Ordinal);
    }
}
