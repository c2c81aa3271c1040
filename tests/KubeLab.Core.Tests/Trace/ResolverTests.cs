using System.Net;
using KubeLab.Core.Dns;
using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

public class ResolverTests
{
    private static readonly ResolvConf Pod = ResolvConf.Parse(File.ReadAllText(Path.Combine(SeedLab.GoldenDir("seed-golden"), "test-pod.resolv.conf")));

    private static ResolvConf Seed => ResolvConf.Parse("search default.svc.cluster.local svc.cluster.local cluster.local multipass\nnameserver 10.43.0.10\noptions ndots:5\n");

    [Fact]
    public void Reads_the_seed_pods_resolv_conf()
    {
        var conf = Seed;
        Assert.Equal(["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "multipass"], conf.Search);
        Assert.Equal("10.43.0.10", Assert.Single(conf.Nameservers).ToString());
        Assert.Equal(5, conf.Ndots);
    }

    [Fact]
    public void Kubelet_resolv_conf_for_a_pod_is_the_seeds()
    {
        var snapshot = SeedLab.Snapshot();
        Assert.Equal("search default.svc.cluster.local svc.cluster.local cluster.local multipass\nnameserver 10.43.0.10\noptions ndots:5\n",
            KubeLab.Core.Cni.PodFiles.ResolvConf(snapshot.Config, snapshot.FindPod("default", "test-pod")!));
    }

    [Theory]
    [InlineData("nginx-service", ResolverKind.Glibc, "nginx-service.default.svc.cluster.local. nginx-service.svc.cluster.local. nginx-service.cluster.local. nginx-service.multipass. nginx-service.")]
    [InlineData("nginx-service", ResolverKind.Musl, "nginx-service.default.svc.cluster.local. nginx-service.svc.cluster.local. nginx-service.cluster.local. nginx-service.multipass. nginx-service.")]
    [InlineData("a.b.c.d.e.f", ResolverKind.Glibc, "a.b.c.d.e.f. a.b.c.d.e.f.default.svc.cluster.local. a.b.c.d.e.f.svc.cluster.local. a.b.c.d.e.f.cluster.local. a.b.c.d.e.f.multipass.")]
    [InlineData("a.b.c.d.e.f", ResolverKind.Musl, "a.b.c.d.e.f.")]
    [InlineData("a.b.c.d.e.f", ResolverKind.CAres, "a.b.c.d.e.f. a.b.c.d.e.f.default.svc.cluster.local. a.b.c.d.e.f.svc.cluster.local. a.b.c.d.e.f.cluster.local. a.b.c.d.e.f.multipass.")]
    [InlineData("nginx-service.default.svc.cluster.local.", ResolverKind.Glibc, "nginx-service.default.svc.cluster.local.")]
    public void Candidates_follow_ndots_and_the_c_library(string name, ResolverKind kind, string expected)
    {
        Assert.Equal(expected.Split(' '), ResolverSearch.Candidates(name, Seed, kind));
    }

    private sealed class FakeDns(Dictionary<(string, DnsType), DnsAnswer> answers) : IDnsAnswerer
    {
        public DnsAnswer Resolve(string name, DnsType type) => answers.TryGetValue((name, type), out var a) ? a : DnsAnswer.NxDomain();
    }

    [Fact]
    public void Nodata_stops_musl_but_glibc_keeps_searching()
    {
        var dns = new FakeDns(new()
        {
            [("web.default.svc.cluster.local.", DnsType.A)] = DnsAnswer.NoData(),
            [("web.default.svc.cluster.local.", DnsType.AAAA)] = DnsAnswer.NoData(),
            [("web.svc.cluster.local.", DnsType.A)] = new DnsAnswer(DnsRcode.NoError, [IPAddress.Parse("10.43.1.1")]),
        });
        var musl = ResolverSearch.Run("web", Seed, ResolverKind.Musl, dns);
        Assert.False(musl.Resolved);
        Assert.Contains("EAI_NODATA", musl.Summary, StringComparison.Ordinal);
        Assert.Equal(2, musl.Queries.Count);

        var glibc = ResolverSearch.Run("web", Seed, ResolverKind.Glibc, dns);
        Assert.True(glibc.Resolved);
        Assert.Equal("web.svc.cluster.local.", glibc.AnsweredName);
        Assert.Equal(4, glibc.Queries.Count);
    }

    [Fact]
    public void Servfail_stops_musl()
    {
        var dns = new FakeDns(new() { [("web.default.svc.cluster.local.", DnsType.A)] = new DnsAnswer(DnsRcode.ServFail, []) });
        var musl = ResolverSearch.Run("web", Seed, ResolverKind.Musl, dns);
        Assert.Contains("EAI_AGAIN", musl.Summary, StringComparison.Ordinal);
        Assert.Equal(10, ResolverSearch.Run("web", Seed, ResolverKind.Glibc, dns).Queries.Count);
    }

    [Fact]
    public void Ipv4_only_asks_for_a_records_only()
    {
        var snapshot = SeedLab.Snapshot();
        var outcome = ResolverSearch.Run("kubernetes.default", Seed, ResolverKind.Glibc, new SnapshotDnsAnswerer(snapshot), ipv4Only: true);
        Assert.Equal(["kubernetes.default.default.svc.cluster.local. A", "kubernetes.default.svc.cluster.local. A"], outcome.Queries.Select(q => $"{q.Name} {q.Type}"));
        Assert.Equal("10.43.0.1", Assert.Single(outcome.Addresses).ToString());
    }

    [Fact]
    public void Golden_pod_resolv_conf_is_read()
    {
        Assert.Equal(Seed.Search, Pod.Search);
        Assert.Equal(5, Pod.Ndots);
    }
}
