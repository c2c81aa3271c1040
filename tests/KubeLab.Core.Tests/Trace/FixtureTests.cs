using KubeLab.Core.Netfilter;

namespace KubeLab.Core.Tests.Trace;

/// <summary>The hand-written fixtures use the chain names kube-proxy would compute.</summary>
public class FixtureTests
{
    [Theory]
    [InlineData("default/nginx-service", "tcp", "", "KUBE-SVC-V2OKYYMBY3REGZOG")]
    [InlineData("default/nginx-service", "tcp", "10.42.0.8:80", "KUBE-SEP-LNMZPQ2U2A5TEEGP")]
    [InlineData("default/nginx-service", "tcp", "10.42.1.2:80", "KUBE-SEP-3Y75O4B4KDVD7TMA")]
    [InlineData("default/nginx-service", "tcp", "10.42.2.2:80", "KUBE-SEP-Z33JJVRDNG7R4HVW")]
    [InlineData("kube-system/kube-dns:dns", "udp", "", "KUBE-SVC-TCOU7JCQXEZGVUNU")]
    [InlineData("kube-system/kube-dns:dns", "udp", "10.42.0.2:53", "KUBE-SEP-VOJ5KSDSMKF2NGVM")]
    [InlineData("default/kubernetes:https", "tcp", "10.65.94.238:6443", "KUBE-SEP-5MZSX7EQJ56C6NAG")]
    [InlineData("ns1/svc1:p80", "tcp", "", "KUBE-SVC-XPGD46QRK7WJZT7O")]
    public void Chain_name_hash_matches_kube_proxy(string portName, string protocol, string endpoint, string chain)
    {
        var prefix = endpoint.Length == 0 ? "KUBE-SVC-" : "KUBE-SEP-";
        Assert.Equal(chain, prefix + ChainNameHash.Of(portName + protocol + endpoint));
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("services")]
    public void Every_sep_chain_in_the_fixtures_is_named_after_its_dnat_target(string fixture)
    {
        foreach (var node in new[] { "vm1", "vm2", "vm3" })
        {
            var rules = Ruleset.Parse(File.ReadAllText(Path.Combine(SeedLab.GoldenDir(fixture), $"{node}.iptables-save")));
            var seps = rules.FindTable("nat")!.Chains.Values.Where(c => c.Name.StartsWith("KUBE-SEP-", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(seps);
            foreach (var sep in seps)
            {
                var dnat = sep.Rules.Single(r => r.Target == "DNAT");
                var protocol = dnat.Matches.Single(m => m.IsBasic && m.Options[0].Name == "p").Options[0].Value;
                Assert.Equal(sep.Name, "KUBE-SEP-" + ChainNameHash.Of(dnat.Comment + protocol + dnat.TargetOption("to-destination")));
            }
        }
    }
}
