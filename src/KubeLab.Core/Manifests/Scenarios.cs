namespace KubeLab.Core.Manifests;

/// <summary>Built-in scenarios, usable wherever a file is (`kubelab apply -f seed`).</summary>
public static class Scenarios
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["nginx-svc"] = "the seed's nginx-svc.yaml: Deployment nginx-deployment (3 × nginx:latest, port 80) and ClusterIP Service nginx-service",
        ["test-pod"] = "what `kubectl run test-pod --image=nicolaka/netshoot --command -- sleep infinity` creates",
        ["seed"] = "both, pinned to the seed's nodes and addresses (nginx 10.42.0.8/10.42.1.2/10.42.2.2, test-pod 10.42.1.4, nginx-service 10.43.180.238)",
        ["nodeport"] = "NodePort Service nginx-np-svc on port 30000 in front of the nginx pods",
        ["metallb-l2"] = "MetalLB v0.14.5 in L2 mode: pool external-pool 10.123.123.64/26, an L2Advertisement, nginx-lbl2 behind LoadBalancer nginx-mlb-l2-service 10.123.123.100 (with `up --vm-ext`)",
    };

    /// <summary>
    /// The k3s `--disable` items of the cluster a scenario reproduces, which `up -f` takes when it is given none: the
    /// seed's cheat sheet installed k3s with `--disable servicelb` (its nginx pods hold 10.42.1.2 and 10.42.2.2, the
    /// first addresses on vm2 and vm3, which svclb-traefik pods would have taken; traefik's EXTERNAL-IP column fits
    /// `&lt;pending&gt;`, not three node addresses).
    /// </summary>
    public static IEnumerable<string> DisabledBy(string source) => source == "seed" ? [Control.K3sAddons.ServiceLB] : [];

    public static bool TryGet(string name, out string text)
    {
        text = "";
        if (!Descriptions.ContainsKey(name))
        {
            return false;
        }

        using var stream = typeof(Scenarios).Assembly.GetManifestResourceStream($"KubeLab.Core.Manifests.Scenarios.{name}.yaml")
            ?? throw new InvalidOperationException($"scenario resource {name} missing from the build");
        using var reader = new StreamReader(stream);
        text = reader.ReadToEnd();
        return true;
    }
}
