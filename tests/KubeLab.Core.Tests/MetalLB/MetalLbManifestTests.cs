using KubeLab.Core.Tests.Api;
using KubeLab.Core.Tests.Cli;

namespace KubeLab.Core.Tests.MetalLB;

/// <summary>
/// `kubelab apply -f` of MetalLB v0.14.5's published manifest (Golden/metallb/metallb-native.yaml) on a model-only lab:
/// every object is stored, its controller and speaker pods are the lab's emulated MetalLB (no "not emulated" warning),
/// and a pool, an L2Advertisement and a LoadBalancer Service then get an address announced from a node.
/// </summary>
public sealed class MetalLbManifestTests : IDisposable
{
    private readonly CliHarness cli = new();

    private static string ManifestPath => Path.Combine(AppContext.BaseDirectory, "Golden", "metallb", "metallb-native.yaml");

    public MetalLbManifestTests() => cli.Ok("up", "--driver", "none", "--disable", "servicelb,traefik");

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Kubelab_apply_of_metallbs_published_manifest_stores_it_and_the_emulation_allocates_and_announces()
    {
        var (code, output, error) = cli.Run("apply", "-f", ManifestPath);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(MetalLbKubectlTests.NativeManifestCreated, output);
        Assert.Matches(@"^controller-[0-9a-z]+-[0-9a-z]{5} +1/1 +Running ", cli.Ok("get", "pods", "-n", "metallb-system").Split('\n')[1]);

        var pool = Path.Combine(cli.Home, "pool.yaml");
        File.WriteAllText(pool, """
            apiVersion: metallb.io/v1beta1
            kind: IPAddressPool
            metadata: {name: lab, namespace: metallb-system}
            spec: {addresses: [10.123.123.64/26]}
            ---
            apiVersion: metallb.io/v1beta1
            kind: L2Advertisement
            metadata: {name: lab, namespace: metallb-system}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: nginx, image: nginx:1.25}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
            """);
        cli.Ok("apply", "-f", pool);
        Assert.Matches(@"^web +LoadBalancer +10\.43\.[0-9.]+ +10\.123\.123\.64 +80:3[0-9]{4}/TCP ", cli.Ok("get", "svc", "web").Split('\n')[1]);
        Assert.Matches("announcing from node \"vm[123]\" with protocol \"layer2\"", cli.Ok("get", "events"));
    }

    [Fact]
    public void A_pool_that_metallbs_webhook_refuses_is_refused_with_its_words_and_changes_nothing()
    {
        cli.Ok("apply", "-f", ManifestPath);
        var pool = Path.Combine(cli.Home, "bad.yaml");
        File.WriteAllText(pool, """
            apiVersion: metallb.io/v1beta1
            kind: L2Advertisement
            metadata: {name: before, namespace: metallb-system}
            ---
            apiVersion: metallb.io/v1beta1
            kind: IPAddressPool
            metadata: {name: bad, namespace: metallb-system}
            spec: {addresses: [10.123.123.64/33]}
            """);
        var (code, _, error) = cli.Run("apply", "-f", pool);
        Assert.Equal(2, code);
        Assert.Contains("bad.yaml:5: Error from server (Forbidden): error when creating \"" + pool + "\": admission webhook \"ipaddresspoolvalidationwebhook.metallb.io\" denied the request: invalid CIDR \"10.123.123.64/33\" in pool \"bad\"", error, StringComparison.Ordinal);
        var state = cli.Store.Load(cli.Store.List().Single());
        Assert.DoesNotContain(state.All<KubeLab.Core.MetalLB.V1beta1L2Advertisement>(), a => a.Metadata.Name == "before");
    }
}
