using KubeLab.Core.KubeProxy;

namespace KubeLab.Core.Tests.KubeProxy;

/// <summary>Facts from the seed lab's real k3s v1.29.5 node (Golden/seed: byte-exact copies of the cheat sheet's outputs).</summary>
public sealed class SeedTests
{
    private static string SeedFile(string name) => Path.Combine(GoldenCase.GoldenRoot, "seed", name);

    public static IEnumerable<object[]> SeedChainNames =>
        File.ReadAllLines(SeedFile("chain-names.tsv")).Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(f => new object[] { f[0], f[1], f[2], f[3] });

    [Theory]
    [MemberData(nameof(SeedChainNames))]
    public void Chain_names_equal_the_seed_nodes_names(string servicePortName, string protocol, string endpoint, string chain)
    {
        var actual = endpoint.Length == 0
            ? ChainNames.Service(servicePortName, protocol)
            : ChainNames.Endpoint(servicePortName, protocol, endpoint);

        Assert.Equal(chain, actual);
    }

    [Fact]
    public void Upstream_reference_example_hashes_match()
    {
        // kube-iptables reference §3.2 and proxier_test.go.
        Assert.Equal("KUBE-SVC-XPGD46QRK7WJZT7O", ChainNames.Service("ns1/svc1:p80", "tcp"));
        Assert.Equal("KUBE-SEP-SXIVWICOYRO3J4NJ", ChainNames.Endpoint("ns1/svc1:p80", "tcp", "10.180.0.1:80"));
        Assert.Equal("KUBE-FW-NUKIZ6OKUXPJNT4C", ChainNames.LoadBalancerFirewall("ns5/svc5:p80", "tcp"));
    }

    [Fact]
    public void Seed_vm1_nginx_service_chain_has_the_seeds_rules_in_order()
    {
        var golden = GoldenCase.Load("kube-proxy-k3s", "seed-vm1", KubeProxyConfig.K3sDefaults, KubeProxyGoldenTests.SeedVm1);

        var rules = KubeProxyRules.Generate(golden.Snapshot, "vm1", golden.Config)
            .Split('\n').Where(l => l.StartsWith("-A KUBE-SVC-V2OKYYMBY3REGZOG ", StringComparison.Ordinal)).ToList();

        // The seed's `iptables -L -v` shows the same four rules: masquerade off-cluster sources, then
        // 1/3, 1/2 and the rest (re-printed by the kernel as 0.33333333349 and 0.50000000000).
        Assert.Equal(
        [
            "-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service cluster IP\" -m tcp -p tcp -d 10.43.180.238 --dport 80 ! -s 10.42.0.0/16 -j KUBE-MARK-MASQ",
            "-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.0.8:80\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-LNMZPQ2U2A5TEEGP",
            "-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.1.2:80\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-3Y75O4B4KDVD7TMA",
            "-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.2.2:80\" -j KUBE-SEP-Z33JJVRDNG7R4HVW",
        ], rules);
        var listing = File.ReadAllText(SeedFile("vm1.iptables-L-v.KUBE-SVC-V2OKYYMBY3REGZOG"));
        Assert.Contains("KUBE-SEP-LNMZPQ2U2A5TEEGP", listing);
        Assert.Contains("/* default/nginx-service -> 10.42.0.8:80 */ statistic mode random probability 0.33333333349", listing);
    }

    [Fact]
    public void Seed_vm1_kubernetes_service_chain_targets_the_api_server()
    {
        var golden = GoldenCase.Load("kube-proxy-k3s", "seed-vm1", KubeProxyConfig.K3sDefaults, KubeProxyGoldenTests.SeedVm1);

        var rules = KubeProxyRules.Generate(golden.Snapshot, "vm1", golden.Config);

        Assert.Contains("-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"default/kubernetes:https -> 10.65.94.238:6443\" -j KUBE-SEP-5MZSX7EQJ56C6NAG\n", rules);
        Assert.Contains("-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"default/kubernetes:https cluster IP\" -m tcp -p tcp -d 10.43.0.1 --dport 443 ! -s 10.42.0.0/16 -j KUBE-MARK-MASQ\n", rules);
        Assert.Contains("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n", rules);
        Assert.Contains("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n", rules);
    }

    [Theory]
    [InlineData(1, "1.0000000000")]
    [InlineData(2, "0.5000000000")]
    [InlineData(3, "0.3333333333")]
    [InlineData(6, "0.1666666667")]
    [InlineData(7, "0.1428571429")]
    public void Probabilities_are_printed_like_go_percent_0_10f(int n, string expected) =>
        Assert.Equal(expected, KubeProxyRules.Probability(n));
}
