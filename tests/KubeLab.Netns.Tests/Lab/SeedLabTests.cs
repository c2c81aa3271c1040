using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>The seed lab on this kernel: the issue's "must show" list, checked against real packets.</summary>
[Trait("Category", "Netns")]
public sealed partial class SeedLabTests(SeedLabFixture lab) : IClassFixture<SeedLabFixture>
{
    private static void RequireRoot() => Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");

    [SkippableFact]
    public void Curl_from_test_pod_reaches_nginx_through_the_service()
    {
        RequireRoot();
        var page = lab.ExecOk("test-pod", "curl", "-s", "-m", "5", "http://nginx-service:80/");
        Assert.Contains("<title>Welcome to nginx!</title>", page, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Resolv_conf_of_test_pod_is_the_seeds()
    {
        RequireRoot();
        Assert.Equal(SeedGolden.Read("test-pod.resolv.conf"), lab.ExecOk("test-pod", "cat", "/etc/resolv.conf"));
    }

    [SkippableFact]
    public void Routes_of_vm1_are_the_seeds()
    {
        RequireRoot();
        // The seed's copy lost the blank that `ip route` prints at the end of every line (golden README).
        var golden = SeedGolden.Read("vm1.ip-route").TrimEnd('\n');
        var expected = string.Concat(golden.Split('\n').Select(l => l.EndsWith(' ') ? l + "\n" : l + " \n"));
        Assert.Equal(expected, lab.ExecOk("vm1", "ip", "route", "show"));
    }

    [SkippableFact]
    public void Kube_proxy_chain_on_vm1_lists_the_seeds_endpoints_and_probabilities()
    {
        RequireRoot();
        var listing = lab.ExecOk("vm1", "iptables", "-t", "nat", "-L", "KUBE-SVC-V2OKYYMBY3REGZOG", "-n");
        var lines = listing.Split('\n');
        Assert.Equal("Chain KUBE-SVC-V2OKYYMBY3REGZOG (1 references)", lines[0]);
        Assert.Matches(@"^KUBE-SEP-LNMZPQ2U2A5TEEGP .*/\* default/nginx-service -> 10\.42\.0\.8:80 \*/ statistic mode random probability 0\.33333333349$", lines[3]);
        Assert.Matches(@"^KUBE-SEP-3Y75O4B4KDVD7TMA .*/\* default/nginx-service -> 10\.42\.1\.2:80 \*/ statistic mode random probability 0\.50000000000$", lines[4]);
        Assert.Matches(@"^KUBE-SEP-Z33JJVRDNG7R4HVW .*/\* default/nginx-service -> 10\.42\.2\.2:80 \*/$", lines[5]);
    }

    [SkippableFact]
    public void Dig_from_test_pod_is_answered_by_coredns_on_vm1_across_vxlan()
    {
        RequireRoot();
        var vm2 = $"kl-{lab.Name}.vm2";
        var capture = OperatingSystemHasTcpdump()
            ? System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip", ["netns", "exec", vm2, "timeout", "10", "tcpdump", "-i", "ens3", "-n", "-c", "1", "udp", "port", "8472"])
            { RedirectStandardOutput = true, RedirectStandardError = true })
            : null;
        var before = FlannelTxPackets(vm2);
        if (capture is not null)
        {
            WaitFor(() => capture.StandardError.Peek() >= 0, TimeSpan.FromSeconds(5)); // "listening on ens3"
        }

        Assert.Equal("10.43.180.238\n", lab.ExecOk("test-pod", "dig", "+search", "+short", "nginx-service"));
        Assert.True(FlannelTxPackets(vm2) > before, "the query to 10.43.0.10 should leave vm2 through flannel.1 (CoreDNS is on vm1)");
        if (capture is not null)
        {
            Assert.True(capture.WaitForExit(TimeSpan.FromSeconds(15)));
            Assert.Matches(@"10\.65\.94\.199\.\d+ > 10\.65\.94\.238\.8472: (VXLAN|OTV)", capture.StandardOutput.ReadToEnd());
            capture.Dispose();
        }
    }

    [SkippableFact]
    public void Ten_thousand_requests_all_succeed_and_split_evenly_over_the_three_endpoints()
    {
        RequireRoot();
        var vm2 = "vm2"; // test-pod's node: its PREROUTING makes the choice
        var before = SepCounters(vm2);
        // One curl, 10,000 URLs, a new connection each (Connection: close): a bounded loop inside the pod.
        var codes = lab.ExecOk("test-pod", "curl", "-s", "-o", "/dev/null", "-H", "Connection: close", "-w", "%{http_code}\\n", "http://nginx-service:80/?i=[1-10000]");
        var lines = codes.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10_000, lines.Length);
        Assert.All(lines, l => Assert.Equal("200", l));
        var after = SepCounters(vm2);
        var counts = after.Keys.Select(k => after[k] - before.GetValueOrDefault(k)).ToList();
        Assert.Equal(3, counts.Count);
        Assert.Equal(10_000, counts.Sum());
        Assert.All(counts, c => Assert.True(c > 0));
        var expected = counts.Sum() / 3.0;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 13.82, $"split {string.Join('/', counts)} is not consistent with 1/3 each (chi-square {chiSquare:F2} ≥ 13.82, p < 0.001, 2 dof)");
    }

    [SkippableFact]
    public void Three_hundred_requests_reach_all_three_nginx_pods()
    {
        RequireRoot();
        var before = SepCounters("vm2");
        var output = lab.ExecOk("test-pod", "sh", "-c", "i=0; while [ $i -lt 300 ]; do curl -s -o /dev/null -w '%{http_code}\\n' http://nginx-service:80/; i=$((i+1)); done");
        Assert.Equal(300, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l == "200"));
        var after = SepCounters("vm2");
        Assert.All(after, kv => Assert.True(kv.Value > before.GetValueOrDefault(kv.Key), $"{kv.Key} (an nginx pod) never answered"));
    }

    [SkippableFact]
    public void A_thousand_dns_queries_all_answered()
    {
        RequireRoot();
        var batch = Path.Combine(lab.Kubelab.Home, "queries.txt");
        File.WriteAllLines(batch, Enumerable.Repeat("nginx-service.default.svc.cluster.local A", 1000));
        var answers = lab.ExecOk("test-pod", "dig", "+short", "+tries=2", "+time=2", "-f", batch).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1000, answers.Length);
        Assert.All(answers, a => Assert.Equal("10.43.180.238", a));
    }

    [SkippableFact]
    public void Exec_of_a_pod_that_does_not_exist_is_a_clear_error()
    {
        RequireRoot();
        var (code, _, error) = lab.Exec("no-such-pod", "true");
        Assert.Equal(2, code);
        Assert.Contains("pods \"no-such-pod\" not found in namespace \"default\"", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Apply_that_the_lab_cannot_realise_changes_nothing()
    {
        RequireRoot();
        var file = Path.Combine(lab.Kubelab.Home, "full.yaml");
        File.WriteAllText(file, string.Join("---\n", Enumerable.Range(0, 254).Select(i =>
            $"apiVersion: v1\nkind: Pod\nmetadata: {{name: filler-{i}}}\nspec: {{nodeName: vm3, containers: [{{name: c, image: busybox}}]}}\n")));
        var namespaces = KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(lab.Name).Count;
        var (code, _, error) = lab.Kubelab.Run("apply", "--name", lab.Name, "-f", file);
        Assert.Equal(2, code);
        Assert.Contains("no IP addresses available in range set: 10.42.2.1-10.42.2.254", error, StringComparison.Ordinal);
        Assert.Equal(namespaces, KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(lab.Name).Count);
        Assert.DoesNotContain("filler-", lab.Kubelab.Ok("get", "pods", "--name", lab.Name), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void List_shows_every_nodes_addresses_like_multipass()
    {
        RequireRoot();
        var listing = lab.Kubelab.Ok("list");
        Assert.Contains("vm1                     Running           10.65.94.238     netns (emulated)\n                                          10.42.0.0\n                                          10.42.0.1\n", listing, StringComparison.Ordinal);
    }

    private Dictionary<string, long> SepCounters(string node)
    {
        var listing = lab.ExecOk(node, "iptables", "-t", "nat", "-L", "KUBE-SVC-V2OKYYMBY3REGZOG", "-v", "-x", "-n");
        return SepLine().Matches(listing).ToDictionary(m => m.Groups[2].Value, m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^\s*(\d+)\s+\d+\s+(KUBE-SEP-[A-Z0-9]+)", RegexOptions.Multiline)]
    private static partial Regex SepLine();

    private static long FlannelTxPackets(string netns)
    {
        var stats = HostCommand.Check("ip", "-n", netns, "-s", "link", "show", "flannel.1").Split('\n');
        var tx = Array.FindIndex(stats, l => l.TrimStart().StartsWith("TX:", StringComparison.Ordinal));
        return long.Parse(stats[tx + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static bool OperatingSystemHasTcpdump() => HostCommand.OnPath("tcpdump") || File.Exists("/usr/bin/tcpdump") || File.Exists("/usr/sbin/tcpdump");

    private static void WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
    }
}
