using KubeLab.Core.Dns;
using static KubeLab.Core.Tests.Dns.DnsFixture;

namespace KubeLab.Core.Tests.Dns;

public class CoreDnsZoneTests
{
    private const string NegativeSoa = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5";

    [Fact]
    public void ClusterIP_service_has_one_A_record_with_ttl_5()
    {
        var answer = Ask("nginx-service.default.svc.cluster.local", DnsRecordType.A);
        Assert.Equal(DnsRcode.NoError, answer.Rcode);
        Assert.True(answer.Authoritative);
        Assert.Equal(DnsResponder.Kubernetes, answer.Responder);
        Assert.Equal(["nginx-service.default.svc.cluster.local. 5 IN A 10.43.180.238"], Lines(answer.Answer));
        Assert.Empty(answer.Authority);
    }

    [Fact]
    public void AAAA_for_an_IPv4_service_is_NODATA_with_the_zone_SOA()
    {
        var answer = Ask("nginx-service.default.svc.cluster.local.", DnsRecordType.AAAA);
        Assert.Equal(DnsRcode.NoError, answer.Rcode);
        Assert.True(answer.IsNoData);
        Assert.Equal([NegativeSoa], Lines(answer.Authority));
    }

    [Theory]
    [InlineData("nope.default.svc.cluster.local")]
    [InlineData("nginx-service.nosuchns.svc.cluster.local")]
    [InlineData("a.b.c.nginx-service.default.svc.cluster.local")]
    [InlineData("nginx-service.default.cluster.local")]
    [InlineData("vm1.cluster.local")]
    [InlineData("dns-version.cluster.local")]
    [InlineData("empty-headless.default.svc.cluster.local")]
    [InlineData("nosuch.nginx-service.default.svc.cluster.local")]
    public void Unknown_or_malformed_names_are_NXDOMAIN_with_the_SOA(string name)
    {
        var answer = Ask(name, DnsRecordType.A);
        Assert.Equal(DnsRcode.NxDomain, answer.Rcode);
        Assert.True(answer.Authoritative);
        Assert.Empty(answer.Answer);
        Assert.Equal([NegativeSoa], Lines(answer.Authority));
    }

    [Theory]
    [InlineData("cluster.local")]
    [InlineData("svc.cluster.local")]
    [InlineData("pod.cluster.local")]
    [InlineData("default.svc.cluster.local")]
    [InlineData("kube-system.svc.cluster.local")]
    [InlineData("default.pod.cluster.local")]
    public void Names_above_a_service_in_an_existing_namespace_are_NODATA(string name)
    {
        var answer = Ask(name, DnsRecordType.A);
        Assert.Equal(DnsRcode.NoError, answer.Rcode);
        Assert.Empty(answer.Answer);
        Assert.Equal([NegativeSoa], Lines(answer.Authority));
    }

    [Fact]
    public void Headless_service_has_one_A_per_ready_endpoint_deduplicated_across_ports()
    {
        var answer = Ask("web.default.svc.cluster.local", DnsRecordType.A);
        Assert.Equal(
            ["web.default.svc.cluster.local. 5 IN A 10.42.0.20", "web.default.svc.cluster.local. 5 IN A 10.42.1.20"],
            Lines(answer.Answer));
    }

    [Fact]
    public void Endpoint_names_use_the_hostname_or_the_dashed_address()
    {
        Assert.Equal(["web-0.web.default.svc.cluster.local. 5 IN A 10.42.0.20"],
            Lines(Ask("web-0.web.default.svc.cluster.local", DnsRecordType.A).Answer));
        Assert.Equal(["10-42-1-20.web.default.svc.cluster.local. 5 IN A 10.42.1.20"],
            Lines(Ask("10-42-1-20.web.default.svc.cluster.local", DnsRecordType.A).Answer));
        // Not ready: no name.
        Assert.Equal(DnsRcode.NxDomain, Ask("web-2.web.default.svc.cluster.local", DnsRecordType.A).Rcode);
        // ClusterIP services answer endpoint names too.
        Assert.Equal(["10-42-0-8.nginx-service.default.svc.cluster.local. 5 IN A 10.42.0.8"],
            Lines(Ask("10-42-0-8.nginx-service.default.svc.cluster.local", DnsRecordType.A).Answer));
    }

    [Fact]
    public void SRV_for_a_named_port_points_at_the_service_with_its_address_in_additional()
    {
        var answer = Ask("_dns._udp.kube-dns.kube-system.svc.cluster.local", DnsRecordType.SRV);
        Assert.Equal(["_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."],
            Lines(answer.Answer));
        Assert.Equal(["kube-dns.kube-system.svc.cluster.local. 5 IN A 10.43.0.10"], Lines(answer.Additional));
    }

    [Fact]
    public void SRV_protocol_and_port_names_are_case_insensitive_and_must_match()
    {
        Assert.Single(Ask("_DNS-TCP._TCP.kube-dns.kube-system.svc.cluster.local", DnsRecordType.SRV).Answer);
        Assert.Equal(DnsRcode.NxDomain, Ask("_dns._tcp.kube-dns.kube-system.svc.cluster.local", DnsRecordType.SRV).Rcode);
        // An unnamed port cannot be selected by name.
        Assert.Equal(DnsRcode.NxDomain, Ask("_http._tcp.nginx-service.default.svc.cluster.local", DnsRecordType.SRV).Rcode);
    }

    [Fact]
    public void SRV_on_the_service_name_lists_every_port_with_weight_100_over_N()
    {
        var answer = Ask("kube-dns.kube-system.svc.cluster.local", DnsRecordType.SRV);
        Assert.Equal(
            [
                "kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 33 53 kube-dns.kube-system.svc.cluster.local.",
                "kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 33 9153 kube-dns.kube-system.svc.cluster.local.",
            ],
            Lines(answer.Answer)); // dns and dns-tcp are both port 53 to the same target: one SRV
        Assert.Single(answer.Additional);
    }

    [Fact]
    public void SRV_on_a_headless_service_targets_each_endpoint_with_the_endpoint_port()
    {
        var answer = Ask("_http._tcp.web.default.svc.cluster.local", DnsRecordType.SRV);
        Assert.Equal(
            [
                "_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 50 8080 web-0.web.default.svc.cluster.local.",
                "_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 50 8080 10-42-1-20.web.default.svc.cluster.local.",
            ],
            Lines(answer.Answer));
        Assert.Equal(
            ["web-0.web.default.svc.cluster.local. 5 IN A 10.42.0.20", "10-42-1-20.web.default.svc.cluster.local. 5 IN A 10.42.1.20"],
            Lines(answer.Additional));
    }

    [Fact]
    public void Headless_service_without_ports_has_addresses_but_no_SRV()
    {
        Assert.Equal(["portless.default.svc.cluster.local. 5 IN A 10.42.1.40"],
            Lines(Ask("portless.default.svc.cluster.local", DnsRecordType.A).Answer));
        Assert.True(Ask("portless.default.svc.cluster.local", DnsRecordType.SRV).IsNoData);
    }

    [Theory]
    [InlineData("10-42-1-4.default.pod.cluster.local", "10.42.1.4")]
    [InlineData("10-42-99-99.default.pod.cluster.local", "10.42.99.99")] // pods insecure: the pod is not looked up
    [InlineData("1-2-3-4.apps.pod.cluster.local", "1.2.3.4")]
    [InlineData("x.10-42-1-4.default.pod.cluster.local", "10.42.1.4")] // extra labels are ignored for pods
    public void Pod_names_answer_any_dashed_address_in_an_existing_namespace(string name, string ip)
    {
        Assert.Equal([$"{name}. 5 IN A {ip}"], Lines(Ask(name, DnsRecordType.A).Answer));
    }

    [Theory]
    [InlineData("10-42-1-4.nosuchns.pod.cluster.local")]
    [InlineData("test-pod.default.pod.cluster.local")]
    [InlineData("10-42-1-256.default.pod.cluster.local")]
    [InlineData("010-42-1-4.default.pod.cluster.local")]
    public void Pod_names_that_are_not_addresses_or_in_no_namespace_are_NXDOMAIN(string name)
    {
        Assert.Equal(DnsRcode.NxDomain, Ask(name, DnsRecordType.A).Rcode);
    }

    [Fact]
    public void IPv6_pod_names_answer_AAAA_and_NODATA_for_A()
    {
        Assert.Equal(["fd00--1.default.pod.cluster.local. 5 IN AAAA fd00::1"],
            Lines(Ask("fd00--1.default.pod.cluster.local", DnsRecordType.AAAA).Answer));
        Assert.True(Ask("fd00--1.default.pod.cluster.local", DnsRecordType.A).IsNoData);
    }

    [Fact]
    public void PTR_of_a_cluster_IP_names_the_service()
    {
        var answer = Ask("238.180.43.10.in-addr.arpa", DnsRecordType.PTR);
        Assert.Equal(["238.180.43.10.in-addr.arpa. 5 IN PTR nginx-service.default.svc.cluster.local."], Lines(answer.Answer));
        Assert.Equal(DnsResponder.Kubernetes, answer.Responder);
    }

    [Fact]
    public void PTR_of_a_ready_endpoint_names_it_under_its_service()
    {
        Assert.Equal(["8.0.42.10.in-addr.arpa. 5 IN PTR 10-42-0-8.nginx-service.default.svc.cluster.local."],
            Lines(Ask("8.0.42.10.in-addr.arpa.", DnsRecordType.PTR).Answer));
        Assert.Equal(["20.0.42.10.in-addr.arpa. 5 IN PTR web-0.web.default.svc.cluster.local."],
            Lines(Ask("20.0.42.10.in-addr.arpa.", DnsRecordType.PTR).Answer));
    }

    [Theory]
    [InlineData("4.1.42.10.in-addr.arpa")] // a pod that backs no service
    [InlineData("20.2.42.10.in-addr.arpa")] // a not-ready endpoint
    [InlineData("8.8.8.8.in-addr.arpa")]
    [InlineData("42.10.in-addr.arpa")]
    public void PTR_nobody_in_the_cluster_owns_falls_through_to_forward(string name)
    {
        var answer = Ask(name, DnsRecordType.PTR);
        Assert.True(answer.IsForwarded);
        Assert.Equal(new DnsQuestion(name, DnsRecordType.PTR), answer.Upstream);
    }

    [Fact]
    public void Node_addresses_get_PTR_from_NodeHosts_with_the_cache_capped_ttl()
    {
        var answer = Ask("238.94.65.10.in-addr.arpa", DnsRecordType.PTR);
        Assert.Equal(DnsResponder.Hosts, answer.Responder);
        Assert.Equal(["238.94.65.10.in-addr.arpa. 30 IN PTR vm1."], Lines(answer.Answer));
    }

    [Fact]
    public void NodeHosts_names_answer_A_with_ttl_60_capped_to_30_and_AAAA_NODATA_without_SOA()
    {
        var a = Ask("vm2", DnsRecordType.A);
        Assert.Equal(DnsResponder.Hosts, a.Responder);
        Assert.True(a.Authoritative);
        Assert.Equal(["vm2. 30 IN A 10.65.94.199"], Lines(a.Answer));

        var aaaa = Ask("VM2.", DnsRecordType.AAAA);
        Assert.Equal(DnsResponder.Hosts, aaaa.Responder);
        Assert.Equal(DnsRcode.NoError, aaaa.Rcode);
        Assert.Empty(aaaa.Answer);
        Assert.Empty(aaaa.Authority);
    }

    [Theory]
    [InlineData("google.com")]
    [InlineData("nginx-service.multipass")]
    [InlineData("vm1.multipass")]
    public void Names_outside_the_cluster_zone_go_to_forward(string name)
    {
        var answer = Ask(name, DnsRecordType.A);
        Assert.Equal(DnsResponder.Forward, answer.Responder);
        Assert.Equal(name + ".", answer.Upstream!.Fqdn);
    }

    [Fact]
    public void ExternalName_is_a_CNAME_whose_target_is_resolved_upstream()
    {
        var answer = Ask("ext.default.svc.cluster.local", DnsRecordType.A);
        Assert.Equal(["ext.default.svc.cluster.local. 5 IN CNAME example.com."], Lines(answer.Answer));
        Assert.Equal(new DnsQuestion("example.com.", DnsRecordType.A), answer.Upstream);
        Assert.Equal(["ext.default.svc.cluster.local. 5 IN CNAME example.com."],
            Lines(Ask("ext.default.svc.cluster.local", DnsRecordType.CNAME).Answer));
        Assert.True(Ask("ext.default.svc.cluster.local", DnsRecordType.SRV).IsNoData);
    }

    [Fact]
    public void ExternalName_inside_the_zone_is_chased_locally()
    {
        var answer = Ask("alias.default.svc.cluster.local", DnsRecordType.A);
        Assert.Equal(
            [
                "alias.default.svc.cluster.local. 5 IN CNAME nginx-service.default.svc.cluster.local.",
                "nginx-service.default.svc.cluster.local. 5 IN A 10.43.180.238",
            ],
            Lines(answer.Answer));
        Assert.Null(answer.Upstream);
    }

    [Fact]
    public void Other_types_on_a_service_are_NODATA()
    {
        foreach (var type in new[] { DnsRecordType.TXT, DnsRecordType.MX, DnsRecordType.CNAME, DnsRecordType.PTR, DnsRecordType.NS, DnsRecordType.SOA })
        {
            var answer = Ask("nginx-service.default.svc.cluster.local", type);
            Assert.True(answer.IsNoData, type.ToString());
            Assert.Equal([NegativeSoa], Lines(answer.Authority));
        }

        Assert.Equal(DnsRcode.NxDomain, Ask("nope.default.svc.cluster.local", DnsRecordType.TXT).Rcode);
        Assert.Equal(DnsRcode.NxDomain, Ask("nope.default.svc.cluster.local", DnsRecordType.MX).Rcode);
    }

    [Fact]
    public void Zone_apex_answers_SOA_NS_and_dns_version()
    {
        Assert.Equal([NegativeSoa], Lines(Ask("cluster.local", DnsRecordType.SOA).Answer));

        var ns = Ask("cluster.local", DnsRecordType.NS);
        Assert.Equal(["cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local."], Lines(ns.Answer));
        Assert.Equal(["kube-dns.kube-system.svc.cluster.local. 5 IN A 10.43.0.10"], Lines(ns.Additional));

        Assert.Equal(["ns.dns.cluster.local. 5 IN A 10.43.0.10"], Lines(Ask("ns.dns.cluster.local", DnsRecordType.A).Answer));
        Assert.Equal(["dns-version.cluster.local. 30 IN TXT \"1.1.0\""], Lines(Ask("dns-version.cluster.local", DnsRecordType.TXT).Answer));
    }

    [Fact]
    public void Answers_keep_the_case_of_the_question()
    {
        var answer = Ask("NGINX-Service.Default.SVC.Cluster.Local", DnsRecordType.A);
        Assert.Equal(["NGINX-Service.Default.SVC.Cluster.Local. 5 IN A 10.43.180.238"], Lines(answer.Answer));
        Assert.Equal(
            ["Cluster.Local. 5 IN SOA ns.dns.Cluster.Local. hostmaster.Cluster.Local. 1700000000 7200 1800 86400 5"],
            Lines(Ask("NOPE.default.svc.Cluster.Local", DnsRecordType.A).Authority));
    }

    [Fact]
    public void Zone_transfers_are_refused()
    {
        Assert.Equal(DnsRcode.Refused, Ask("cluster.local", DnsRecordType.AXFR).Rcode);
    }

    [Fact]
    public void A_changed_snapshot_changes_the_answers()
    {
        var snapshot = Seed();
        var zone = new CoreDnsZone(snapshot with { Services = [.. snapshot.Services.Where(s => s.Name != "nginx-service")] });
        Assert.Equal(DnsRcode.NxDomain, zone.Answer(new DnsQuestion("nginx-service.default.svc.cluster.local", DnsRecordType.A)).Rcode);
    }

    [Fact]
    public void Another_cluster_domain_moves_the_zone()
    {
        var zone = new CoreDnsZone(Seed(), new CoreDnsOptions { ClusterDomain = "lab.example" });
        Assert.Equal(["nginx-service.default.svc.lab.example. 5 IN A 10.43.180.238"],
            Lines(zone.Answer(new DnsQuestion("nginx-service.default.svc.lab.example", DnsRecordType.A)).Answer));
        Assert.True(zone.Answer(new DnsQuestion("nginx-service.default.svc.cluster.local", DnsRecordType.A)).IsForwarded);
        Assert.Equal(["238.180.43.10.in-addr.arpa. 5 IN PTR nginx-service.default.svc.lab.example."],
            Lines(zone.Answer(new DnsQuestion("238.180.43.10.in-addr.arpa", DnsRecordType.PTR)).Answer));
    }
}

public class DnsAnswerSetTests
{
    [Fact]
    public void Cache_rewrites_every_ttl_to_the_smallest_clamped_to_5_and_30()
    {
        var q = new DnsQuestion("x.example", DnsRecordType.A);
        var a = new DnsRecord("x.example.", DnsRecordType.A, 0, new AddressRdata(System.Net.IPAddress.Parse("192.0.2.1")));
        var set = new DnsAnswerSet { Question = q, Answer = [a, a.WithTtl(3600)] };
        Assert.Equal([5u, 5u], CoreDnsZone.ApplyCacheTtl(set).Answer.Select(r => r.Ttl));
        Assert.Equal([30u], CoreDnsZone.ApplyCacheTtl(set with { Answer = [a.WithTtl(3600)] }).Answer.Select(r => r.Ttl));
    }

    [Fact]
    public void Answer_sets_print_like_dig()
    {
        var text = DnsFixture.Ask("nope.default.svc.cluster.local", DnsRecordType.A).ToString();
        Assert.Equal(
            ";; nope.default.svc.cluster.local. A status: NXDOMAIN aa (Kubernetes)\n;; AUTHORITY\n"
            + "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5",
            text);
    }

    [Fact]
    public void Reverse_IPv6_names_nobody_owns_are_forwarded()
    {
        var name = DnsName.ReverseName(System.Net.IPAddress.Parse("fd00::9"));
        Assert.True(DnsFixture.Ask(name, DnsRecordType.PTR).IsForwarded);
    }
}
