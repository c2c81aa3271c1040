using System.Text.RegularExpressions;
using KubeLab.Core.Lab;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace KubeLab.Ui.Tests;

/// <summary>The page in chromium over the seed lab (model only): what a learner sees in each view.</summary>
[Collection(ModelLabCollection.Name)]
public sealed class UiPageTests(ModelLabFixture fixture)
{
    // The seed's chain names for default/nginx-service, as the cheat sheet's real k3s v1.29.5 node names them (tests/KubeLab.Core.Tests/Golden/seed/chain-names.tsv).
    private const string SeedServiceChain = "KUBE-SVC-V2OKYYMBY3REGZOG";
    private static readonly (string Chain, string Endpoint)[] SeedEndpointChains =
    [
        ("KUBE-SEP-LNMZPQ2U2A5TEEGP", "10.42.0.8:80"),
        ("KUBE-SEP-3Y75O4B4KDVD7TMA", "10.42.1.2:80"),
        ("KUBE-SEP-Z33JJVRDNG7R4HVW", "10.42.2.2:80"),
    ];

    [SkippableFact]
    public async Task Topology_shows_every_node_pod_and_service_of_the_seed_lab()
    {
        var page = await fixture.OpenAsync("/");
        var topology = LabTopology.Of(fixture.Lab.Source.Snapshot());
        Assert.Equal(3, topology.Nodes.Count);
        Assert.Contains(topology.Services, s => s.Service.Name == "nginx-service");

        await Expect(page.Locator("#t-bridge")).ToContainTextAsync("mpqemubr0");
        foreach (var node in topology.Nodes)
        {
            await Expect(page.Locator($"[id='t-node-{node.Name}']")).ToBeVisibleAsync();
            foreach (var device in new[] { "ens3", "flannel.1", "cni0" })
            {
                await Expect(page.Locator($"[id='t-if-{node.Name}-{device}']")).ToBeVisibleAsync();
            }

            await Expect(page.Locator($"[id='t-if-{node.Name}-ens3']")).ToContainTextAsync(node.Node.InternalIP.ToString());
            foreach (var pod in node.Pods)
            {
                var box = page.Locator($"[data-pod='{pod.Key}']");
                await Expect(box).ToContainTextAsync(pod.IP.ToString());
                await Expect(box).ToContainTextAsync(pod.HostVeth);
            }
        }

        foreach (var service in topology.Services)
        {
            var box = page.Locator($"[data-service='{service.Service.Key}']");
            await Expect(box).ToContainTextAsync(service.Service.ClusterIP!.ToString());
            foreach (var endpoint in service.Endpoints)
            {
                await Expect(box).ToContainTextAsync(endpoint.Addresses[0].ToString());
            }
        }

        // Nothing more than the lab's own objects, and the VXLAN mesh between every pair of nodes.
        Assert.Equal(topology.Nodes.Sum(n => n.Pods.Count), await page.Locator("#topology-diagram [data-pod]").CountAsync());
        Assert.Equal(topology.Services.Count, await page.Locator("#topology-diagram [data-service]").CountAsync());
        Assert.Equal(topology.Vxlan.Count, await page.Locator("#topology-diagram path.vxlan").CountAsync());
        // Each box has a text alternative, and the whole picture exists as text.
        await Expect(page.Locator("[data-pod='default/test-pod']")).ToHaveAttributeAsync("aria-label", new Regex("10\\.42\\.1\\.4"));
        await Expect(page.Locator("#topology-text")).ToContainTextAsync("default/nginx-service");
        await Browser.ScreenshotAsync(page, "ui-topology", page.Locator("#topology-diagram"));
    }

    [SkippableFact]
    public async Task Trace_of_test_pod_to_nginx_service_shows_the_seeds_chains_three_endpoints_at_one_third_and_the_vxlan_hop()
    {
        var page = await fixture.OpenAsync("/trace?from=test-pod&to=http://nginx-service/");
        await Expect(page.Locator("#trace-branches legend")).ToContainTextAsync(SeedServiceChain);
        var branches = page.Locator("#trace-branch-list label");
        await Expect(branches).ToHaveCountAsync(3);
        foreach (var (chain, endpoint) in SeedEndpointChains)
        {
            var branch = branches.Filter(new LocatorFilterOptions { HasText = chain });
            await Expect(branch).ToContainTextAsync(endpoint);
            await Expect(branch.Locator(".prob")).ToHaveTextAsync("1/3");
        }

        var steps = page.Locator("#trace-steps li");
        // resolver and DNS to CoreDNS, the NAT chain with its statistic rule as iptables-save lists it, the VXLAN hop
        await Expect(steps.Filter(new LocatorFilterOptions { HasText = "nginx-service.default.svc.cluster.local." }).First).ToBeVisibleAsync();
        await Expect(steps.Filter(new LocatorFilterOptions { HasText = "DNAT 10.43.0.10:53 → 10.42.0.2:53" })).ToHaveCountAsync(1);
        var statistic = steps.Filter(new LocatorFilterOptions { HasText = "statistic: taken" });
        // A model lab has no kernel: the rule as kube-proxy writes it (%0.10f); a netns lab shows iptables-save's 0.33333333349.
        await Expect(statistic.Locator(".rule")).ToHaveTextAsync($"-A {SeedServiceChain} -m comment --comment \"default/nginx-service -> 10.42.0.8:80\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-LNMZPQ2U2A5TEEGP");
        await Expect(statistic.Locator(".cmd")).ToHaveTextAsync($"kubelab exec vm2 --name {fixture.Lab.Name} -- iptables -t nat -L {SeedServiceChain} -n -v --line-numbers");
        var vxlan = page.Locator("#trace-steps li[data-kind='encapsulate']");
        await Expect(vxlan).ToHaveCountAsync(2); // the DNS query to CoreDNS on vm1 and the connection to 10.42.0.8 on vm1
        await Expect(vxlan.Last).ToContainTextAsync("outer udp 10.65.94.199 → 10.65.94.238:8472 VNI 1");
        await Expect(vxlan.Last.Locator(".cmd").Last).ToHaveTextAsync($"kubelab exec vm2 --name {fixture.Lab.Name} -- bridge fdb show dev flannel.1");
        await Expect(steps.Last).ToContainTextAsync("the client receives the reply from 10.43.180.238:80");

        // The packet walks the path by itself, hop by hop, to the reply.
        await Expect(steps.Last).ToHaveAttributeAsync("aria-current", "step", new LocatorAssertionsToHaveAttributeOptions { Timeout = 60_000 });
        Assert.Equal(1, await page.Locator("#trace-steps li[aria-current]").CountAsync());

        // Keyboard: the VXLAN step, then the next hop with the Next button; the topology marks where the packet is.
        await vxlan.Last.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(vxlan.Last).ToHaveAttributeAsync("aria-current", "step");
        await Expect(page.Locator("#trace-diagram [id='tr-if-vm2-flannel.1']")).ToHaveClassAsync(new Regex("lit"));
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Browser.ScreenshotAsync(page, "ui-trace", fullPage: false);
        await page.Locator("#trace-next").ClickAsync();
        await Expect(page.Locator("#trace-steps li[aria-current]")).ToHaveAttributeAsync("data-kind", "underlay");
        await Expect(page.Locator("#trace-diagram #tr-bridge")).ToHaveClassAsync(new Regex("lit"));

        // Another branch: the local endpoint on vm2 needs no VXLAN.
        await branches.Filter(new LocatorFilterOptions { HasText = "KUBE-SEP-3Y75O4B4KDVD7TMA" }).Locator("input").CheckAsync();
        await Expect(page.Locator("#trace-steps li[data-kind='encapsulate']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#trace-steps li[data-kind='deliver']").Last).ToContainTextAsync("nginx-deployment");
    }

    [SkippableFact]
    public async Task Applying_and_deleting_a_service_while_the_page_is_open_shows_it_without_a_reload()
    {
        var page = await fixture.OpenAsync("/");
        await Expect(page.Locator("[data-service='default/nginx-service']")).ToBeVisibleAsync();
        await page.EvaluateAsync("() => { window.kubelabTestMarker = 'same page'; }");
        var manifest = Path.Combine(fixture.Lab.Home, "web-extra.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Service
            metadata:
              name: web-extra
            spec:
              selector:
                app: nginx
              ports:
              - port: 8080
                targetPort: 80
            """);
        fixture.Lab.Ok("apply", "-f", manifest, "--name", fixture.Lab.Name);

        var service = page.Locator("#topology-diagram [data-service='default/web-extra']");
        await Expect(service).ToContainTextAsync("8080/TCP");
        await Expect(service).ToContainTextAsync("10.42.2.2");
        Assert.Equal("same page", await page.EvaluateAsync<string>("() => window.kubelabTestMarker"));

        fixture.Lab.Ok("delete", "-f", manifest, "--name", fixture.Lab.Name);
        await Expect(service).ToHaveCountAsync(0);
        await Expect(page.Locator("#topology-diagram [data-service='default/nginx-service']")).ToBeVisibleAsync();
        Assert.Equal("same page", await page.EvaluateAsync<string>("() => window.kubelabTestMarker"));
    }

    [SkippableFact]
    public async Task Rules_view_draws_the_nat_chains_of_a_node_and_lists_a_chains_rules()
    {
        var page = await fixture.OpenAsync("/rules?node=vm2&table=nat");
        await Expect(page.Locator("#rules-source")).ToContainTextAsync("Model-only lab");
        foreach (var chain in new[] { "PREROUTING", "KUBE-SERVICES", SeedServiceChain }.Concat(SeedEndpointChains.Select(c => c.Chain)))
        {
            await Expect(page.Locator($"[id='chain-{chain}']")).ToBeVisibleAsync();
        }

        await page.Locator($"[id='chain-{SeedServiceChain}']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#rules-chain table.rules tbody tr")).ToHaveCountAsync(4);
        await Expect(page.Locator("#rules-chain")).ToContainTextAsync("--probability 0.5000000000 -j KUBE-SEP-3Y75O4B4KDVD7TMA");
        await Expect(page.Locator("#rules-chain p.hint")).ToHaveTextAsync($"As the kernel lists it: kubelab exec vm2 --name {fixture.Lab.Name} -- iptables -t nat -L {SeedServiceChain} -n -v --line-numbers");
        await page.GetByRole(AriaRole.Radio, new PageGetByRoleOptions { Name = "filter" }).CheckAsync();
        await Expect(page.Locator("[id='chain-KUBE-ROUTER-FORWARD']")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/rules\\?node=vm2&table=filter$"));
    }

    [SkippableFact]
    public async Task The_page_works_with_no_network_and_asks_nothing_of_any_other_host()
    {
        Browser.Require();
        // A browser whose name resolution finds nothing: a CDN or web font would fail to load.
        var (playwright, browser) = await Browser.LaunchAsync("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1");
        try
        {
            var context = await Browser.ContextAsync(browser);
            var page = await context.NewPageAsync();
            var elsewhere = new List<string>();
            var origin = fixture.Lab.Server.Url.GetLeftPart(UriPartial.Authority);
            page.Request += (_, request) =>
            {
                if (!request.Url.StartsWith(origin, StringComparison.Ordinal))
                {
                    elsewhere.Add(request.Url);
                }
            };
            var failed = new List<string>();
            page.RequestFailed += (_, request) => failed.Add(request.Url);
            await page.GotoAsync(new Uri(fixture.Lab.Server.Url, "/trace?from=test-pod&to=http://nginx-service/").ToString());
            await Expect(page.Locator("#trace-branch-list label")).ToHaveCountAsync(3);
            await page.Locator("nav a[data-view='topology']").ClickAsync();
            await Expect(page.Locator("#topology-diagram [data-service='default/nginx-service']")).ToBeVisibleAsync();
            Assert.Empty(elsewhere);
            Assert.DoesNotContain(failed, url => !url.EndsWith("/api/events", StringComparison.Ordinal));
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
