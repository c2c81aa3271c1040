using KubeLab.Core.Control;
using KubeLab.Core.Dns;

namespace KubeLab.Core.Tests.Dns;

public sealed class CoreDnsCacheTests
{
    private static readonly DateTimeOffset T0 = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);

    private static CoreDnsZone Zone() => new(DnsFixture.Seed(), new CoreDnsOptions { Serial = DnsFixture.Serial });

    [Fact]
    public void A_second_query_two_seconds_later_shows_a_ttl_two_seconds_smaller()
    {
        var cache = new CoreDnsCache();
        var question = new DnsQuestion("vm1", DnsRecordType.A);
        var first = cache.Answer(question, T0, () => Zone().Answer(question));
        var second = cache.Answer(question, T0.AddSeconds(2.5), () => throw new InvalidOperationException("a hit must not reach the zone"));

        Assert.Equal(30u, Assert.Single(first.Answer).Ttl);
        Assert.Equal(28u, Assert.Single(second.Answer).Ttl);
        Assert.Equal(first.Answer[0].Data, second.Answer[0].Data);
    }

    [Fact]
    public void An_entry_expires_when_its_ttl_reaches_zero()
    {
        var cache = new CoreDnsCache();
        var question = new DnsQuestion("nginx-service.default.svc.cluster.local", DnsRecordType.A);
        cache.Answer(question, T0, () => Zone().Answer(question));

        Assert.Equal(1u, Assert.Single(cache.Lookup(question, T0.AddSeconds(4))!.Answer).Ttl);
        Assert.Null(cache.Lookup(question, T0.AddSeconds(5)));
    }

    [Fact]
    public void Nxdomain_is_cached_for_the_soa_ttl_and_servfail_not_at_all()
    {
        var cache = new CoreDnsCache();
        var missing = new DnsQuestion("nope.default.svc.cluster.local", DnsRecordType.A);
        cache.Answer(missing, T0, () => Zone().Answer(missing));
        Assert.Equal(DnsRcode.NxDomain, cache.Lookup(missing, T0.AddSeconds(3))!.Rcode);

        var failed = new DnsQuestion("example.com", DnsRecordType.A);
        cache.Answer(failed, T0, () => new DnsAnswerSet { Question = failed, Rcode = DnsRcode.ServFail });
        Assert.Null(cache.Lookup(failed, T0));
    }

    [Fact]
    public void A_hit_echoes_the_case_of_the_new_query()
    {
        var cache = new CoreDnsCache();
        var lower = new DnsQuestion("vm2", DnsRecordType.A);
        cache.Answer(lower, T0, () => Zone().Answer(lower));
        var upper = new DnsQuestion("VM2", DnsRecordType.A);
        Assert.Equal("VM2.", cache.Lookup(upper, T0)!.Question.Fqdn);
    }

    [Fact]
    public void Lines_added_to_the_coredns_configmaps_node_hosts_are_served()
    {
        var state = Tests.Control.ControlPlaneTests.Bootstrap();
        state = Tests.Control.ControlPlaneTests.ApplyText(state, """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: coredns, namespace: kube-system}
            data:
              NodeHosts: |
                10.65.94.238 vm1
                10.65.94.199 vm2
                10.65.94.95 vm3
                10.65.94.1 gateway
            """);
        var zone = new CoreDnsZone(SnapshotBuilder.FromState(state));
        var answer = zone.Answer(new DnsQuestion("gateway", DnsRecordType.A));
        Assert.Equal(DnsResponder.Hosts, answer.Responder);
        var record = Assert.Single(answer.Answer);
        Assert.Equal(("gateway.", 30u, "10.65.94.1"), (record.Name, record.Ttl, record.Data.ToString()));
    }
}
