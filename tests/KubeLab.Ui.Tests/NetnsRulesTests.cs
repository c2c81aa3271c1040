using System.Text.RegularExpressions;
using KubeLab.Realize.Drivers;
using static Microsoft.Playwright.Assertions;

namespace KubeLab.Ui.Tests;

/// <summary>The Rules view on a netns lab: the counters are the kernel's (root: the lab's namespaces are real).</summary>
[Trait("Category", "Netns")]
public sealed partial class NetnsRulesTests
{
    private const string SeedServiceChain = "KUBE-SVC-V2OKYYMBY3REGZOG";

    [SkippableFact]
    public async Task Rules_view_of_a_netns_lab_shows_the_kernels_packet_counters()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Browser.Require();
        await using var lab = await UiLab.StartAsync("netns");
        var state = lab.Context.Load(lab.Name);
        var reader = (INodeStateReader)lab.Context.DriverOf(state);
        const int requests = 4;
        for (var i = 0; i < requests; i++)
        {
            // From inside test-pod's namespace (never from the root namespace): each request is a new connection.
            var (code, output, error) = reader.Capture(state, "default/test-pod", ["curl", "-s", "-m", "5", "http://nginx-service/"]);
            Assert.True(code == 0, $"curl from test-pod failed ({code}): {output}{error}");
        }

        var (playwright, browser) = await Browser.LaunchAsync();
        try
        {
            var page = await (await Browser.ContextAsync(browser)).NewPageAsync();
            await page.GotoAsync(new Uri(lab.Server.Url, "/rules?node=vm2&table=nat").ToString());
            await Expect(page.Locator("#rules-source")).ToContainTextAsync("Live: the kernel's packet counters of vm2");
            var chain = page.Locator($"[id='chain-{SeedServiceChain}']");
            await Expect(chain).ToHaveAttributeAsync("aria-label", new Regex(" pkts$"));

            // The kernel's own count: the nat table sees the first packet of each connection, once per request.
            var kernel = CountersOf(reader.Capture(state, "vm2", ["iptables-save", "-c", "-t", "nat"]).Output, SeedServiceChain);
            Assert.True(kernel >= requests, $"the kernel counted {kernel} packets in {SeedServiceChain}, fewer than the {requests} requests");
            await Expect(chain).ToHaveAttributeAsync("aria-label", new Regex($"· {kernel} pkts$"));
            await chain.ClickAsync();
            await Expect(page.Locator("#rules-chain tr.hot")).Not.ToHaveCountAsync(0);
            // the rule as the kernel lists it (iptables-save prints the probability the kernel stores)
            await Expect(page.Locator("#rules-chain")).ToContainTextAsync("--probability 0.33333333349 -j KUBE-SEP-LNMZPQ2U2A5TEEGP");
            await Browser.ScreenshotAsync(page, "ui-rules");
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    private static long CountersOf(string iptablesSave, string chain) =>
        RuleCounter().Matches(iptablesSave).Where(m => m.Groups["chain"].Value == chain).Sum(m => long.Parse(m.Groups["packets"].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^\[(?<packets>\d+):\d+\] -A (?<chain>\S+) ", RegexOptions.Multiline)]
    private static partial Regex RuleCounter();
}
