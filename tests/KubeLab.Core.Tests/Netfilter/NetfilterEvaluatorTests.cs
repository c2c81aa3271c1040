using System.Net;
using KubeLab.Core.Netfilter;

namespace KubeLab.Core.Tests.Netfilter;

public class NetfilterEvaluatorTests
{
    private static readonly NetfilterContext Node = new()
    {
        LocalAddresses = [IPAddress.Parse("10.65.94.199"), IPAddress.Parse("10.42.1.0"), IPAddress.Parse("10.42.1.1")],
        InterfaceAddress = dev => dev switch
        {
            "flannel.1" => IPAddress.Parse("10.42.1.0"),
            "cni0" => IPAddress.Parse("10.42.1.1"),
            "ens3" => IPAddress.Parse("10.65.94.199"),
            _ => null,
        },
    };

    private static Packet Tcp(string src, string dst, int port) => new()
    {
        Source = IPAddress.Parse(src),
        Destination = IPAddress.Parse(dst),
        Protocol = "tcp",
        SourcePort = 40000,
        DestinationPort = port,
    };

    private static Ruleset Table(string table, params string[] lines) =>
        Ruleset.Parse($"*{table}\n" + string.Join('\n', lines) + "\nCOMMIT\n");

    [Fact]
    public void Statistic_branches_give_each_of_three_endpoints_a_third()
    {
        var rules = Table("nat", ":PREROUTING ACCEPT [0:0]", ":A - [0:0]", ":B - [0:0]", ":C - [0:0]",
            "-A PREROUTING -m statistic --mode random --probability 0.33333333349 -j A",
            "-A PREROUTING -m statistic --mode random --probability 0.50000000000 -j B",
            "-A PREROUTING -j C",
            "-A A -j DNAT --to-destination 10.42.0.8:80", "-A B -j DNAT --to-destination 10.42.1.2:80", "-A C -j DNAT --to-destination 10.42.2.2:80");
        var outcomes = NetfilterEvaluator.RunChain(rules, "nat", "PREROUTING", Tcp("10.42.1.4", "10.43.180.238", 80), Node);
        Assert.Equal(["10.42.0.8", "10.42.1.2", "10.42.2.2"], outcomes.Select(o => o.Packet.Destination.ToString()));
        Assert.Equal(0.33333333349, outcomes[0].Probability, 12);
        Assert.Equal((1 - 0.33333333349) * 0.5, outcomes[1].Probability, 12);
        Assert.Equal((1 - 0.33333333349) * 0.5, outcomes[2].Probability, 12);
        Assert.All(outcomes, o => Assert.True(o.Packet.DnatApplied));
        Assert.Same(outcomes[1].Steps[0], outcomes[2].Steps[0]);
    }

    [Fact]
    public void Nth_mode_is_a_share_of_one_in_every_n()
    {
        var rules = Table("nat", ":OUTPUT ACCEPT [0:0]", "-A OUTPUT -m statistic --mode nth --every 4 --packet 0 -j DNAT --to-destination 10.0.0.1");
        var outcomes = NetfilterEvaluator.RunChain(rules, "nat", "OUTPUT", Tcp("10.0.0.9", "10.0.0.2", 80), Node);
        Assert.Equal([0.25, 0.75], outcomes.Select(o => o.Probability));
    }

    [Theory]
    [InlineData("-j MARK --set-xmark 0x4000/0x4000", 0x1u, 0x4001u)]
    [InlineData("-j MARK --set-xmark 0x4000/0x0", 0x4001u, 0x0001u)]
    [InlineData("-j MARK --set-xmark 0x0/0x10000", 0x30000u, 0x20000u)]
    [InlineData("-j MARK --or-mark 0x4000", 0x1u, 0x4001u)]
    [InlineData("-j MARK --xor-mark 0x4000", 0x4001u, 0x1u)]
    [InlineData("-j MARK --set-mark 0x2/0xf", 0xffu, 0xf2u)]
    [InlineData("-j MARK --and-mark 0xf", 0xffu, 0xfu)]
    public void Mark_target_follows_the_xtables_formulas(string target, uint before, uint after)
    {
        var rules = Table("mangle", ":PREROUTING ACCEPT [0:0]", "-A PREROUTING " + target);
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "mangle", "PREROUTING", Tcp("1.1.1.1", "2.2.2.2", 80) with { Mark = before }, Node));
        Assert.Equal(after, outcome.Packet.Mark);
    }

    [Theory]
    [InlineData("-A INPUT ! -s 10.42.0.0/16 -j DROP", "10.42.1.4", Verdict.Accept)]
    [InlineData("-A INPUT ! -s 10.42.0.0/16 -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -p udp -j DROP", "10.65.94.1", Verdict.Accept)]
    [InlineData("-A INPUT -p tcp -m tcp ! --dport 80 -j DROP", "10.65.94.1", Verdict.Accept)]
    [InlineData("-A INPUT -p tcp -m tcp --dport 1:1024 -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -p tcp -m multiport --dports 22,80:90 -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -i ens+ -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -o ens3 -j DROP", "10.65.94.1", Verdict.Accept)]
    [InlineData("-A INPUT -m addrtype --dst-type LOCAL -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -m addrtype --src-type LOCAL -j DROP", "10.65.94.1", Verdict.Accept)]
    [InlineData("-A INPUT -m conntrack --ctstate NEW -j REJECT", "10.65.94.1", Verdict.Reject)]
    [InlineData("-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -m physdev --physdev-is-bridged -j DROP", "10.65.94.1", Verdict.Accept)]
    [InlineData("-A INPUT -m mark --mark 0x4000/0x4000 -j DROP", "10.65.94.1", Verdict.Accept)]
    [InlineData("-A INPUT -m limit --limit 10/min --limit-burst 10 -j DROP", "10.65.94.1", Verdict.Drop)]
    [InlineData("-A INPUT -m comment --comment \"x y\" -j NFLOG --nflog-group 100", "10.65.94.1", Verdict.Accept)]
    public void Matches_and_negation(string rule, string source, Verdict verdict)
    {
        var rules = Table("filter", ":INPUT ACCEPT [0:0]", rule);
        var packet = Tcp(source, "10.65.94.199", 80) with { InInterface = "ens3" };
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "filter", "INPUT", packet, Node));
        Assert.Equal(verdict, outcome.Verdict);
    }

    [Fact]
    public void Return_from_a_goto_chain_resumes_after_the_rule_that_jumped_into_the_caller()
    {
        var rules = Table("filter", ":FORWARD DROP [0:0]", ":A - [0:0]", ":B - [0:0]",
            "-A FORWARD -j A", "-A FORWARD -j ACCEPT",
            "-A A -g B", "-A A -j REJECT",
            "-A B -j RETURN");
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "filter", "FORWARD", Tcp("1.1.1.1", "2.2.2.2", 80), Node));
        Assert.Equal(Verdict.Accept, outcome.Verdict);
        Assert.Equal(6, outcome.VerdictRule!.LineNumber);
        Assert.Equal("-A FORWARD -j ACCEPT", outcome.VerdictRule.Text);
    }

    [Fact]
    public void Built_in_chain_policy_decides_when_no_rule_does()
    {
        var rules = Table("filter", ":FORWARD DROP [0:0]", "-A FORWARD -s 10.0.0.0/8 -j ACCEPT");
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "filter", "FORWARD", Tcp("192.168.1.1", "2.2.2.2", 80), Node));
        Assert.Equal(Verdict.Drop, outcome.Verdict);
        Assert.Null(outcome.VerdictRule);
        Assert.Equal("end of FORWARD: policy DROP", outcome.Steps[^1].Description);
    }

    [Fact]
    public void Masquerade_uses_the_outgoing_interface_address()
    {
        var rules = Table("nat", ":POSTROUTING ACCEPT [0:0]", "-A POSTROUTING -s 10.42.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully");
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "nat", "POSTROUTING", Tcp("10.42.1.4", "1.1.1.1", 443) with { OutInterface = "ens3" }, Node));
        Assert.Equal("10.65.94.199", outcome.Packet.Source.ToString());
        Assert.True(outcome.Packet.SnatApplied);
    }

    [Fact]
    public void Unknown_match_is_reported_with_its_line_and_both_possibilities_are_followed()
    {
        var rules = Table("filter", ":FORWARD ACCEPT [0:0]", "-A FORWARD -m owner --uid-owner 1000 -j DROP");
        var outcomes = NetfilterEvaluator.RunChain(rules, "filter", "FORWARD", Tcp("1.1.1.1", "2.2.2.2", 80), Node);
        Assert.Equal([Verdict.Drop, Verdict.Accept], outcomes.Select(o => o.Verdict));
        Assert.Equal("unknown match owner in rule at line 3: assumed to match", Assert.Single(outcomes[0].Assumptions));
        Assert.Equal("unknown match owner in rule at line 3: assumed not to match", Assert.Single(outcomes[1].Assumptions));
        Assert.Contains(outcomes[0].Steps, s => s.Kind == StepKind.Unknown && s.Description.StartsWith("unknown match owner in rule at line 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Ipset_match_is_reported_as_unknown_but_listed()
    {
        var rules = Table("filter", ":FORWARD ACCEPT [0:0]", "-A FORWARD -m set --match-set KUBE-DST-ABC dst -j ACCEPT");
        var outcomes = NetfilterEvaluator.RunChain(rules, "filter", "FORWARD", Tcp("1.1.1.1", "2.2.2.2", 80), Node);
        Assert.Equal(2, outcomes.Count);
        Assert.StartsWith("unknown-but-listed match set \"KUBE-DST-ABC\" (dst) in rule at line 3", outcomes[0].Assumptions[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Affinity_recent_check_has_no_entry_on_the_first_packet()
    {
        var rules = Table("nat", ":PREROUTING ACCEPT [0:0]", ":SEP - [0:0]",
            "-A PREROUTING -m recent --rcheck --seconds 10800 --reap --name SEP --mask 255.255.255.255 --rsource -j SEP",
            "-A PREROUTING -j DNAT --to-destination 10.0.0.2:80",
            "-A SEP -m recent --set --name SEP --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.0.0.1:80");
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "nat", "PREROUTING", Tcp("1.1.1.1", "2.2.2.2", 80), Node));
        Assert.Equal("10.0.0.2", outcome.Packet.Destination.ToString());
        var set = Assert.Single(NetfilterEvaluator.RunChain(rules, "nat", "SEP", Tcp("1.1.1.1", "2.2.2.2", 80), Node));
        Assert.Equal("10.0.0.1", set.Packet.Destination.ToString());
        Assert.Contains(set.Steps, s => s.Kind == StepKind.Note && s.Description.Contains("recent --set --name SEP", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_target_is_reported_and_the_walk_continues()
    {
        var rules = Table("mangle", ":FORWARD ACCEPT [0:0]", "-A FORWARD -p tcp -j TCPMSS --clamp-mss-to-pmtu", "-A FORWARD -j DROP");
        var outcome = Assert.Single(NetfilterEvaluator.RunChain(rules, "mangle", "FORWARD", Tcp("1.1.1.1", "2.2.2.2", 80), Node));
        Assert.Equal(Verdict.Drop, outcome.Verdict);
        Assert.Contains(outcome.Steps, s => s.Description.StartsWith("unknown target TCPMSS at line 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Hook_runs_nat_only_for_a_new_connection()
    {
        var rules = Table("nat", ":PREROUTING ACCEPT [0:0]", "-A PREROUTING -j DNAT --to-destination 10.0.0.1:80");
        var established = Assert.Single(NetfilterEvaluator.RunHook(rules, Hooks.Prerouting, Tcp("1.1.1.1", "2.2.2.2", 80) with { State = ConnState.Established }, Node));
        Assert.Equal("2.2.2.2", established.Packet.Destination.ToString());
        var fresh = Assert.Single(NetfilterEvaluator.RunHook(rules, Hooks.Prerouting, Tcp("1.1.1.1", "2.2.2.2", 80), Node));
        Assert.Equal("10.0.0.1", fresh.Packet.Destination.ToString());
    }
}
