using System.Net;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.KubeProxy;

/// <summary>
/// Golden/kube-proxy/&lt;case&gt;: expected outputs of kube-proxy's own unit tests (proxier_test.go, v1.29
/// line), generated in the tests' fake environment (node test-hostname 192.168.0.2, local detector
/// 10.0.0.0/8, mark 0x4000). Golden/kube-proxy-k3s/&lt;case&gt;: k3s defaults.
/// </summary>
public sealed class KubeProxyGoldenTests
{
    public static IEnumerable<object[]> UpstreamCases => GoldenCase.CasesIn("kube-proxy");

    public static IEnumerable<object[]> K3sCases => GoldenCase.CasesIn("kube-proxy-k3s");

    internal static readonly Node SeedVm1 = new()
    {
        Name = "vm1",
        Role = NodeRole.Server,
        InternalIP = IPAddress.Parse("10.65.94.238"),
        PodCidr = IPNetwork.Parse("10.42.0.0/24"),
    };

    [Theory]
    [MemberData(nameof(UpstreamCases))]
    public void Generated_rules_equal_kube_proxy_unit_test_expectations(string name)
    {
        var golden = GoldenCase.Load("kube-proxy", name, KubeProxyConfig.UpstreamTest, defaultNode: null);

        var actual = KubeProxyRules.Generate(golden.Snapshot, golden.NodeName, golden.Config);

        // As upstream gives it: the proxy's node only, without spec.podCIDR.
        Assert.False(golden.Snapshot.GetNode(golden.NodeName).HasPodCidr);
        golden.AssertMatches("expected.iptables", actual, "kube-proxy");
    }

    [Theory]
    [MemberData(nameof(K3sCases))]
    public void Generated_rules_equal_k3s_golden_output(string name)
    {
        var golden = GoldenCase.Load("kube-proxy-k3s", name, KubeProxyConfig.K3sDefaults, SeedVm1);

        var actual = KubeProxyRules.Generate(golden.Snapshot, golden.NodeName, golden.Config);

        golden.AssertMatches("expected.iptables", actual, "kube-proxy-k3s");
    }

    [Theory]
    [MemberData(nameof(UpstreamCases))]
    public void Generated_rules_are_already_in_normalised_order(string name)
    {
        var golden = GoldenCase.Load("kube-proxy", name, KubeProxyConfig.UpstreamTest, defaultNode: null);

        var actual = KubeProxyRules.Generate(golden.Snapshot, golden.NodeName, golden.Config);

        Assert.Equal(IptablesNormaliser.Normalise(actual), actual);
    }
}
