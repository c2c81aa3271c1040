using System.Net;
using KubeLab.Core.Model;
using KubeLab.Realize.Netns;
using KubeLab.Realize.Workloads;

namespace KubeLab.Netns.Tests.Workloads;

[Collection("netns")]
[Trait("Category", "Netns")]
public sealed class DnsWorkloadTests
{
    private static DnsWorkload StartDns(ScratchNetwork net, StringWriter log, IPEndPoint? upstream = null, ClusterSnapshot? snapshot = null) =>
        DnsWorkload.Start(new DnsWorkloadOptions { Netns = net.A, Upstream = upstream }, snapshot ?? SeedCluster.Snapshot(), new WorkloadLog(log));

    private static string Dig(ScratchNetwork net, params string[] args) =>
        ScratchNetwork.Exec(net.B, ["dig", $"@{net.AddressA}", "+time=2", "+tries=1", .. args]).Stdout;

    [SkippableFact]
    public void Dns_workload_answers_A_SRV_PTR_and_NXDOMAIN_on_the_wire()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        var log = new StringWriter();
        using var dns = StartDns(net, log);

        Assert.Equal("10.43.180.238\n", Dig(net, "nginx-service.default.svc.cluster.local", "+short"));
        Assert.Equal("10.43.180.238\n", Dig(net, "+tcp", "nginx-service.default.svc.cluster.local", "+short"));
        Assert.Equal("0 100 53 kube-dns.kube-system.svc.cluster.local.\n",
            Dig(net, "_dns._udp.kube-dns.kube-system.svc.cluster.local", "SRV", "+short"));
        Assert.Equal("nginx-service.default.svc.cluster.local.\n", Dig(net, "-x", "10.43.180.238", "+short"));

        var full = Dig(net, "nginx-service.default.svc.cluster.local");
        Assert.Contains("status: NOERROR", full, StringComparison.Ordinal);
        Assert.Contains("flags: qr aa rd;", full, StringComparison.Ordinal);
        Assert.Contains("OPT PSEUDOSECTION", full, StringComparison.Ordinal); // dig sends EDNS0; CoreDNS echoes OPT
        Assert.DoesNotContain("OPT PSEUDOSECTION", Dig(net, "+noedns", "nginx-service.default.svc.cluster.local"), StringComparison.Ordinal);
        // the name was asked above: cache 30 serves it with the TTL counted down from 5 by the seconds since
        Assert.Matches(@"nginx-service\.default\.svc\.cluster\.local\.\s+[1-5]\s+IN\s+A\s+10\.43\.180\.238", full);

        var nx = Dig(net, "nope.default.svc.cluster.local");
        Assert.Contains("status: NXDOMAIN", nx, StringComparison.Ordinal);
        Assert.Matches(@"cluster\.local\.\s+5\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5", nx);

        var nodata = Dig(net, "nginx-service.default.svc.cluster.local", "AAAA");
        Assert.Contains("status: NOERROR", nodata, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", nodata, StringComparison.Ordinal);

        Assert.True(dns.Queries >= 7, log.ToString());
        Assert.Contains("nginx-service.default.svc.cluster.local. A → NOERROR", log.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Dns_workload_answers_a_thousand_queries_without_a_failure()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        using var dns = StartDns(net, new StringWriter());
        var batch = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(batch, Enumerable.Range(0, 1000).Select(i => i % 2 == 0
                ? "nginx-service.default.svc.cluster.local A +short"
                : $"10-42-{i % 250}-{i % 200}.default.pod.cluster.local A +short"));
            var result = ScratchNetwork.Exec(net.B, "dig", $"@{net.AddressA}", "+time=2", "+tries=1", "-f", batch);
            var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(1000, lines.Length);
            Assert.Equal(500, lines.Count(l => l == "10.43.180.238"));
            Assert.True(dns.Queries >= 1000);
        }
        finally
        {
            File.Delete(batch);
        }
    }

    [SkippableFact]
    public void Large_answers_are_truncated_over_UDP_and_complete_over_TCP()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        var seed = SeedCluster.Snapshot();
        var snapshot = seed with
        {
            Services = [.. seed.Services, new Service { Namespace = "default", Name = "big", Headless = true }],
            EndpointSlices =
            [
                .. seed.EndpointSlices,
                new EndpointSlice
                {
                    Namespace = "default", Name = "big-1", ServiceName = "big",
                    Endpoints = Enumerable.Range(1, 60).Select(i => new Endpoint { Addresses = [IPAddress.Parse($"10.42.3.{i}")] }).ToList(),
                },
            ],
        };
        using var dns = StartDns(net, new StringWriter(), snapshot: snapshot);
        var udp = Dig(net, "+noedns", "+ignore", "big.default.svc.cluster.local");
        Assert.Contains(" tc", udp.Split('\n').Single(l => l.Contains("flags:", StringComparison.Ordinal)), StringComparison.Ordinal);
        var tcp = Dig(net, "+tcp", "+short", "big.default.svc.cluster.local");
        Assert.Equal(60, tcp.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [SkippableFact]
    public void Dns_workload_serves_the_new_snapshot_once_the_cached_nxdomain_expires()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        var clock = new ManualClock(new DateTimeOffset(2024, 6, 11, 1, 57, 4, TimeSpan.Zero));
        using var dns = DnsWorkload.Start(new DnsWorkloadOptions { Netns = net.A, Clock = clock }, SeedCluster.Snapshot(), new WorkloadLog(new StringWriter()));
        Assert.Equal("", Dig(net, "web.default.svc.cluster.local", "+short"));

        var snapshot = SeedCluster.Snapshot();
        dns.Reconcile(snapshot with
        {
            Services = [.. snapshot.Services, new Service { Namespace = "default", Name = "web", ClusterIP = IPAddress.Parse("10.43.7.7"), Ports = [new ServicePort { Port = 80, TargetPort = PortRef.Of(80) }] }],
        });
        // cache 30 keeps the NXDOMAIN for its SOA's 5 s, as CoreDNS does; then the new service answers
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Contains("status: NXDOMAIN", Dig(net, "web.default.svc.cluster.local"), StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("10.43.7.7\n", Dig(net, "web.default.svc.cluster.local", "+short"));
    }

    [SkippableFact]
    public void Cache_counts_a_cached_answers_ttl_down_with_the_clock()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        var clock = new ManualClock(new DateTimeOffset(2024, 6, 11, 1, 57, 4, TimeSpan.Zero));
        using var dns = DnsWorkload.Start(new DnsWorkloadOptions { Netns = net.A, Clock = clock }, SeedCluster.Snapshot(), new WorkloadLog(new StringWriter()));

        Assert.Matches(@"\nvm1\.\s+30\s+IN\s+A\s+10\.65\.94\.238\n", Dig(net, "vm1")); // NodeHosts' ttl 60, capped by cache 30
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Matches(@"\nvm1\.\s+28\s+IN\s+A\s+10\.65\.94\.238\n", Dig(net, "vm1"));
        clock.Advance(TimeSpan.FromSeconds(28));
        Assert.Matches(@"\nvm1\.\s+30\s+IN\s+A\s+10\.65\.94\.238\n", Dig(net, "vm1")); // expired: a fresh answer
    }

    [SkippableFact]
    public void Reply_echoes_the_clients_edns_cookie_as_coredns_does()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        using var dns = StartDns(net, new StringWriter());

        var reply = Dig(net, "+cookie=0123456789abcdef", "+bufsize=1232", "kube-dns.kube-system.svc.cluster.local");
        Assert.Contains("; EDNS: version: 0, flags:; udp: 1232\n", reply, StringComparison.Ordinal);
        Assert.Contains("; COOKIE: 0123456789abcdef (echoed)\n", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("COOKIE", Dig(net, "+nocookie", "kube-dns.kube-system.svc.cluster.local"), StringComparison.Ordinal);
    }

    /// <summary>A clock the test moves (CoreDNS's cache reads the time; the workload takes it as an input).</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }

    [SkippableFact]
    public void Names_outside_the_cluster_are_forwarded_to_the_underlay_dns()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        var log = new StringWriter();
        // B plays the underlay: multipass's dnsmasq on its address.
        using var underlay = UnderlayDns.Start(net.B, net.AddressB, SeedCluster.Snapshot().Nodes, new WorkloadLog(log));
        var seed = SeedCluster.Snapshot();
        var snapshot = seed with
        {
            Services = [.. seed.Services, new Service { Namespace = "default", Name = "ext", Type = ServiceType.ExternalName, ExternalName = "vm1.multipass" }],
        };
        using var dns = StartDns(net, log, new IPEndPoint(net.AddressB, 53), snapshot);

        Assert.Equal("10.65.94.238\n", Dig(net, "vm1.multipass", "+short"));
        var forwarded = Dig(net, "vm1.multipass");
        Assert.Contains("flags: qr aa rd ra;", forwarded, StringComparison.Ordinal); // the upstream's flags
        Assert.Matches(@"vm1\.multipass\.\s+5\s+IN\s+A\s+10\.65\.94\.238", forwarded); // dnsmasq's TTL 0, raised by the cache
        Assert.Equal("vm1.multipass.\n10.65.94.238\n", Dig(net, "ext.default.svc.cluster.local", "+short"));
        var nx = Dig(net, "google.com");
        Assert.Contains("status: NXDOMAIN", nx, StringComparison.Ordinal);
        Assert.Equal("10.65.94.199\n",
            ScratchNetwork.Exec(net.A, "dig", $"@{net.AddressB}", "+time=2", "+tries=1", "vm2.multipass", "+short").Stdout);
        // The node names from NodeHosts are CoreDNS's own (hosts plugin), not forwarded.
        Assert.Equal("10.65.94.95\n", Dig(net, "vm3", "+short"));
        Assert.True(underlay.Queries >= 3, log.ToString());
    }

    [SkippableFact]
    public void Runtime_threads_stay_in_the_root_namespace_after_serving()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        var root = NetnsThread.MainThreadNetns();
        Assert.StartsWith("net:[", root, StringComparison.Ordinal);
        using var net = new ScratchNetwork();
        using var dns = StartDns(net, new StringWriter());
        var http = HttpWorkload.Start(net.A, "nginx-deployment-7c79c4bf97-gk7cj", net.AddressA, WorkloadLog.Null);
        try
        {
            Assert.NotEqual(root, NetnsThread.NetnsIdentity(net.A));
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal("10.43.180.238\n", Dig(net, "nginx-service.default.svc.cluster.local", "+short"));
                Assert.Equal(0, ScratchNetwork.Exec(net.B, "curl", "-s", "-o", "/dev/null", "--max-time", "5", $"http://{net.AddressA}/").ExitCode);
            }

            // Namespace threads end with their work; give the last one a moment to go.
            Assert.True(Requires.Eventually(() => NetnsThread.Census().All(t => !t.Name.StartsWith("netns:", StringComparison.Ordinal))));
            var census = NetnsThread.Census();
            var strays = census.Where(t => t.Netns != root).Select(t => $"{t.Tid} {t.Name} {t.Netns}").ToList();
            Assert.True(strays.Count == 0, "threads outside the root namespace:\n" + string.Join('\n', strays));
            Assert.Equal(root, NetnsThread.CurrentThreadNetns());
            Assert.True(census.Count > 5);
        }
        finally
        {
            http.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [SkippableFact]
    public void Sockets_made_through_the_netns_thread_live_in_that_namespace_only()
    {
        Requires.Root();
        using var net = new ScratchNetwork();
        using var dns = StartDns(net, new StringWriter());
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var inside = ScratchNetwork.Exec(net.A, "ss", "-lnup").Stdout;
        Assert.Contains("0.0.0.0:53", inside, StringComparison.Ordinal);
        Assert.Contains($"pid={pid},", inside, StringComparison.Ordinal);
        var other = ScratchNetwork.Exec(net.B, "ss", "-lnup").Stdout;
        Assert.DoesNotContain($"pid={pid},", other, StringComparison.Ordinal);
    }
}
