using KubeLab.Core.Netfilter;
using KubeLab.Core.Tests.Trace;

namespace KubeLab.Core.Tests.Netfilter;

public class IptablesSaveParserTests
{
    private static readonly string Vm2Text = File.ReadAllText(Path.Combine(SeedLab.GoldenDir("seed"), "vm2.iptables-save"));

    [Fact]
    public void Parses_every_table_with_built_in_policies_and_user_chains()
    {
        var rules = Ruleset.Parse(Vm2Text, "vm2.iptables-save");
        Assert.Equal(["mangle", "filter", "nat"], rules.Tables.Keys);
        Assert.Equal("ACCEPT", rules.FindChain("nat", "PREROUTING")!.Policy);
        Assert.True(rules.FindChain("nat", "PREROUTING")!.IsBuiltin);
        Assert.False(rules.FindChain("nat", "KUBE-SVC-V2OKYYMBY3REGZOG")!.IsBuiltin);
        Assert.Equal(Vm2Text.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)), rules.RuleCount);
    }

    [Fact]
    public void Keeps_each_rules_text_and_line_number()
    {
        var lines = Vm2Text.Split('\n');
        var rules = Ruleset.Parse(Vm2Text);
        var svc = rules.FindChain("nat", "KUBE-SVC-V2OKYYMBY3REGZOG")!.Rules;
        Assert.Equal(4, svc.Count);
        Assert.All(rules.Tables.Values.SelectMany(t => t.Chains.Values).SelectMany(c => c.Rules), r => Assert.Equal(lines[r.LineNumber - 1], r.Text));
        Assert.Equal([1, 2, 3, 4], svc.Select(r => r.Position));
    }

    /// <summary>A deferred parse makes a chain's rules on its first use: the same rules as a checked parse, made once.</summary>
    [Fact]
    public void A_deferred_parse_makes_the_checked_parses_rules_on_first_use()
    {
        var eager = Ruleset.Parse(Vm2Text);
        var deferred = Ruleset.Parse(Vm2Text, deferRules: true);
        Assert.Equal(eager.RuleCount, deferred.RuleCount);
        foreach (var chain in eager.Tables.Values.SelectMany(t => t.Chains.Values))
        {
            Assert.Equal(
                chain.Rules.Select(r => (r.Table, r.Chain, r.LineNumber, r.Position, r.Text)),
                deferred.FindChain(chain.Table, chain.Name)!.Rules.Select(r => (r.Table, r.Chain, r.LineNumber, r.Position, r.Text)));
        }

        var services = deferred.FindChain("nat", "KUBE-SERVICES")!;
        Assert.Same(services.Rules, services.Rules);
    }

    /// <summary>
    /// Rules go to the chain they name in their own table, also when one chain's rules are interrupted by another's
    /// and when the next table has a chain of the same name (the parser finds the previous rule's chain without a lookup).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rules_belong_to_their_tables_chain_when_chains_alternate_and_names_repeat_across_tables(bool deferRules)
    {
        const string Text = "*filter\n:KUBE-SERVICES - [0:0]\n:KUBE-X - [0:0]\n-A KUBE-SERVICES -j ACCEPT\n-A KUBE-SERVICES -j DROP\n"
            + "-A KUBE-X -j ACCEPT\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n";
        var rules = Ruleset.Parse(Text, deferRules: deferRules);
        Assert.Equal([(4, 1), (5, 2), (7, 3)], rules.FindChain("filter", "KUBE-SERVICES")!.Rules.Select(r => (r.LineNumber, r.Position)));
        Assert.Equal([6], rules.FindChain("filter", "KUBE-X")!.Rules.Select(r => r.LineNumber));
        var nat = Assert.Single(rules.FindChain("nat", "KUBE-SERVICES")!.Rules);
        Assert.Equal((11, "nat", "RETURN"), (nat.LineNumber, nat.Table, nat.Target));
    }

    [Fact]
    public void Splits_negated_basic_matches_modules_and_target_options()
    {
        var rules = Ruleset.Parse(Vm2Text);
        var masq = rules.FindChain("nat", "KUBE-SVC-V2OKYYMBY3REGZOG")!.Rules[0];
        Assert.Equal("-A KUBE-SVC-V2OKYYMBY3REGZOG ! -s 10.42.0.0/16 -d 10.43.180.238/32 -p tcp -m comment --comment \"default/nginx-service cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ", masq.Text);
        Assert.Equal(["! -s 10.42.0.0/16", "-d 10.43.180.238/32", "-p tcp", "-m comment --comment default/nginx-service cluster IP", "-m tcp --dport 80"],
            masq.Matches.Select(m => m.ToString()));
        Assert.Equal("default/nginx-service cluster IP", masq.Comment);
        Assert.Equal("KUBE-MARK-MASQ", masq.Target);

        var pick = rules.FindChain("nat", "KUBE-SVC-V2OKYYMBY3REGZOG")!.Rules[1];
        Assert.Equal("0.33333333349", pick.Matches.Single(m => m.Module == "statistic").Find("probability")!.Value);

        var reject = rules.FindChain("filter", "KUBE-POD-FW-TI7LIPGFOV3FCHQD")!.Rules.Single(r => r.Target == "REJECT");
        Assert.True(reject.Matches.Single(m => m.Module == "mark").Options[0].Negated);
        Assert.Equal("icmp-port-unreachable", reject.TargetOption("reject-with"));

        var masquerade = rules.FindChain("nat", "KUBE-POSTROUTING")!.Rules[2];
        Assert.Equal(["random-fully"], masquerade.TargetOptions.Select(o => o.Name));
    }

    [Fact]
    public void Reads_counters_goto_and_implicit_protocol_matches()
    {
        var rules = Ruleset.Parse("*filter\n:INPUT ACCEPT [3:180]\n:X - [0:0]\n[5:300] -A INPUT -p tcp --dport 22 -g X\nCOMMIT\n");
        var rule = Assert.Single(rules.FindChain("filter", "INPUT")!.Rules);
        Assert.True(rule.IsGoto);
        Assert.Equal("X", rule.Target);
        Assert.Equal("tcp", rule.Matches[1].Module);
        Assert.Equal("22", rule.Matches[1].Find("dport")!.Value);
    }

    [Theory]
    [InlineData("-A INPUT -j ACCEPT\n", "dump:1: rule outside a table")]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", "dump:3: table \"filter\" (line 1) has no COMMIT")]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n", "dump:3: chain \"FORWARD\" is not declared in table \"filter\"")]
    [InlineData("*nat\n:KUBE-SVC - [0:0]\n-A KUBE-SVC -m comment --comment \"open quote -j ACCEPT\nCOMMIT\n", "dump:3: unterminated quote")]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\nINPUT -j ACCEPT\nCOMMIT\n", "dump:3: unexpected line \"INPUT -j ACCEPT\"")]
    [InlineData("*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n", "dump:2: chain \"INPUT\" has policy \"MAYBE\"")]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.1 stray -j ACCEPT\nCOMMIT\n", "dump:3: unexpected word \"stray\"")]
    [InlineData("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT !\nCOMMIT\n", "dump:3: \"!\" at the end of the rule")]
    [InlineData("*filter\nCOMMIT\n*filter\nCOMMIT\n", "dump:3: table \"filter\" appears twice (first at line 1)")]
    public void Malformed_dump_is_reported_with_its_line(string text, string message)
    {
        var error = Assert.Throws<KubeLabException>(() => Ruleset.Parse(text, "dump"));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }
}

public class DeferredParsingTests
{
    private const string Dump = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\n-A INPUT -m\nCOMMIT\n";

    [Fact]
    public void Deferred_parse_checks_structure_now_and_rules_on_use_with_their_line()
    {
        var rules = Ruleset.Parse(Dump, "vm9", deferRules: true);
        var chain = rules.FindChain("filter", "INPUT")!;
        Assert.Equal(2, chain.Rules.Count);
        Assert.Equal("ACCEPT", chain.Rules[0].Target);
        var error = Assert.Throws<KubeLabException>(() => chain.Rules[1].Matches);
        Assert.Equal("vm9:4: -m needs a module name", error.Message);
        Assert.Throws<KubeLabException>(rules.Validate);
        Assert.StartsWith("vm9:4:", Assert.Throws<KubeLabException>(() => Ruleset.Parse(Dump, "vm9")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deferred_parse_still_rejects_undeclared_chains()
    {
        var error = Assert.Throws<KubeLabException>(() => Ruleset.Parse("*nat\n-A KUBE-SERVICES -j ACCEPT\nCOMMIT\n", "vm9", deferRules: true));
        Assert.StartsWith("vm9:2: chain \"KUBE-SERVICES\" is not declared", error.Message, StringComparison.Ordinal);
    }
}
