using KubeLab.Core.Dns;

namespace KubeLab.Core.Tests.Dns;

public class MultipassDnsZoneTests
{
    private static readonly MultipassDnsZone Zone = new(DnsFixture.Seed().Nodes);

    [Fact]
    public void Node_names_under_multipass_resolve_to_the_node_address()
    {
        var answer = Zone.Answer(new DnsQuestion("vm1.multipass", DnsRecordType.A));
        Assert.Equal(DnsRcode.NoError, answer.Rcode);
        Assert.Equal(["vm1.multipass. 0 IN A 10.65.94.238"], DnsFixture.Lines(answer.Answer));
        Assert.Equal(["VM3. 0 IN A 10.65.94.95"], DnsFixture.Lines(Zone.Answer(new DnsQuestion("VM3", DnsRecordType.A)).Answer));
    }

    [Theory]
    [InlineData("nginx-service.multipass")]
    [InlineData("google.com")]
    [InlineData("nginx-service.default.svc.cluster.local")]
    public void Everything_else_is_NXDOMAIN(string name)
    {
        Assert.Equal(DnsRcode.NxDomain, Zone.Answer(new DnsQuestion(name, DnsRecordType.A)).Rcode);
    }

    [Fact]
    public void Node_names_have_no_AAAA_and_reverse_names_point_back()
    {
        Assert.True(Zone.Answer(new DnsQuestion("vm2.multipass", DnsRecordType.AAAA)).IsNoData);
        Assert.Equal(["199.94.65.10.in-addr.arpa. 0 IN PTR vm2.multipass."],
            DnsFixture.Lines(Zone.Answer(new DnsQuestion("199.94.65.10.in-addr.arpa", DnsRecordType.PTR)).Answer));
    }
}
