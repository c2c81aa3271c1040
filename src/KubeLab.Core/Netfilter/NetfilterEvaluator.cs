using System.Globalization;
using System.Net;

namespace KubeLab.Core.Netfilter;

/// <summary>
/// Walks a packet through parsed rules the way the kernel's x_tables do: rules in order, jump/goto/RETURN with a
/// call stack, the built-in chain's policy at the end. Where the kernel would pick at random (statistic) it
/// enumerates every branch with its probability instead.
/// </summary>
public static class NetfilterEvaluator
{
    private const int MaxDepth = 64;

    /// <summary>Runs every table registered at <paramref name="hook"/> in kernel order (nat only for a connection's first packet).</summary>
    public static IReadOnlyList<HookOutcome> RunHook(Ruleset ruleset, string hook, Packet packet, NetfilterContext context)
    {
        IReadOnlyList<HookOutcome> current =
        [
            new HookOutcome { Probability = 1, Steps = [], Packet = packet, Verdict = Verdict.Accept },
        ];
        foreach (var table in Hooks.TablesFor(hook))
        {
            if (ruleset.FindChain(table, hook) is null || (table == "nat" && packet.State != ConnState.New))
            {
                continue;
            }

            var next = new List<HookOutcome>();
            foreach (var partial in current)
            {
                if (partial.Verdict != Verdict.Accept)
                {
                    next.Add(partial);
                    continue;
                }

                foreach (var outcome in RunChain(ruleset, table, hook, partial.Packet, context))
                {
                    next.Add(outcome with
                    {
                        Probability = partial.Probability * outcome.Probability,
                        Steps = partial.Steps.Count == 0 ? outcome.Steps : [.. partial.Steps, .. outcome.Steps],
                        Assumptions = partial.Assumptions.Count == 0 ? outcome.Assumptions : [.. partial.Assumptions, .. outcome.Assumptions],
                    });
                }
            }

            current = next;
        }

        return current;
    }

    /// <summary>Walks one chain of one table (built-in or user) and returns every way the packet can leave it.</summary>
    public static IReadOnlyList<HookOutcome> RunChain(Ruleset ruleset, string table, string chain, Packet packet, NetfilterContext context)
    {
        var start = ruleset.FindChain(table, chain)
            ?? throw KubeLabException.NotFound($"{ruleset.Source ?? "iptables-save"}: chain \"{chain}\" not found in table \"{table}\"");
        var walker = new Walker(ruleset, table, context);
        walker.Walk(new Frame(start, 0, null, 0), packet, 1, null, null);
        return walker.Results;
    }

    private sealed record Frame(NetfilterChain Chain, int Index, Frame? Parent, int Depth);

    /// <summary>Persistent lists, so branches share the steps before they split (renderers rely on that).</summary>
    private sealed record Cons<T>(T Head, Cons<T>? Tail);

    private static IReadOnlyList<T> ToList<T>(Cons<T>? list)
    {
        var items = new List<T>();
        for (var c = list; c is not null; c = c.Tail)
        {
            items.Add(c.Head);
        }

        items.Reverse();
        return items;
    }

    private sealed class Walker(Ruleset ruleset, string table, NetfilterContext context)
    {
        public List<HookOutcome> Results { get; } = [];

        public void Walk(Frame frame, Packet packet, double probability, Cons<RuleStep>? steps, Cons<string>? assumptions)
        {
            while (true)
            {
                var rules = frame.Chain.Rules;
                if (frame.Index >= rules.Count)
                {
                    if (frame.Parent is null)
                    {
                        var policy = frame.Chain.Policy;
                        if (policy is null)
                        {
                            // A user chain walked on its own (RunChain on KUBE-SVC-…): falling off its end returns.
                            Finish(packet, probability, Add(steps, new RuleStep(table, frame.Chain.Name, null, StepKind.Return, $"end of {frame.Chain.Name}: return")),
                                assumptions, Verdict.Accept, null, null);
                            return;
                        }

                        var verdict = policy == "DROP" ? Verdict.Drop : Verdict.Accept;
                        Finish(packet, probability, Add(steps, new RuleStep(table, frame.Chain.Name, null, StepKind.Policy, $"end of {frame.Chain.Name}: policy {policy}")),
                            assumptions, verdict, null, null);
                        return;
                    }

                    steps = Add(steps, new RuleStep(table, frame.Chain.Name, null, StepKind.Return, $"end of {frame.Chain.Name}: back to {frame.Parent.Chain.Name}"));
                    frame = frame.Parent;
                    continue;
                }

                var rule = rules[frame.Index];
                var notes = new List<string>();
                double matchProbability = 1;
                var unknown = new List<string>();
                var definite = true;
                foreach (var match in rule.Matches)
                {
                    var result = MatchEvaluator.Evaluate(match, rule, packet, context, notes);
                    if (result.Kind == MatchKind.False)
                    {
                        definite = false;
                        break;
                    }

                    if (result.Kind == MatchKind.Probabilistic)
                    {
                        matchProbability *= result.Probability;
                    }
                    else if (result.Kind == MatchKind.Unknown)
                    {
                        unknown.Add(result.Note!);
                    }
                }

                if (!definite)
                {
                    frame = frame with { Index = frame.Index + 1 };
                    continue;
                }

                if (matchProbability >= 1 && unknown.Count == 0)
                {
                    foreach (var note in notes)
                    {
                        steps = Add(steps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Note, note));
                    }

                    if (!ApplyTarget(rule, ref frame, ref packet, probability, ref steps, assumptions))
                    {
                        return;
                    }

                    continue;
                }

                if (Results.Count >= context.MaxOutcomes)
                {
                    steps = Add(steps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Unknown,
                        $"more than {context.MaxOutcomes} branches: the rule at line {rule.LineNumber} is taken as not matching"));
                    frame = frame with { Index = frame.Index + 1 };
                    continue;
                }

                // A fork: first the side where the rule matches (walked to the end), then the side where it does not.
                var takenSteps = steps;
                var takenAssumptions = assumptions;
                foreach (var note in unknown)
                {
                    takenSteps = Add(takenSteps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Unknown, note + ": assumed to match on this branch"));
                    takenAssumptions = new Cons<string>(note + ": assumed to match", takenAssumptions);
                }

                foreach (var note in notes)
                {
                    takenSteps = Add(takenSteps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Note, note));
                }

                var notTaken = unknown.Count > 0 && matchProbability >= 1 ? 1 : 1 - matchProbability;
                if (matchProbability < 1)
                {
                    takenSteps = Add(takenSteps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Branch,
                        $"statistic: taken with probability {Format(matchProbability)}")
                    { BranchProbability = matchProbability });
                }

                var takenFrame = frame;
                var takenPacket = packet;
                if (matchProbability > 0 && ApplyTarget(rule, ref takenFrame, ref takenPacket, probability * matchProbability, ref takenSteps, takenAssumptions))
                {
                    Walk(takenFrame, takenPacket, probability * matchProbability, takenSteps, takenAssumptions);
                }

                if (notTaken <= 0)
                {
                    return;
                }

                foreach (var note in unknown)
                {
                    steps = Add(steps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Unknown, note + ": assumed not to match on this branch"));
                    assumptions = new Cons<string>(note + ": assumed not to match", assumptions);
                }

                if (matchProbability < 1)
                {
                    steps = Add(steps, new RuleStep(table, frame.Chain.Name, rule, StepKind.Branch,
                        $"statistic: not taken with probability {Format(notTaken)}")
                    { BranchProbability = notTaken });
                }

                probability *= notTaken;
                frame = frame with { Index = frame.Index + 1 };
            }
        }

        /// <summary>Applies a matched rule's target. Returns false when the walk of this branch ended (verdict recorded).</summary>
        private bool ApplyTarget(NetfilterRule rule, ref Frame frame, ref Packet packet, double probability, ref Cons<RuleStep>? steps, Cons<string>? assumptions)
        {
            var chainName = frame.Chain.Name;
            var target = rule.Target;
            var next = frame with { Index = frame.Index + 1 };
            if (target is null)
            {
                steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Log, "matched (no target: counted only)"));
                frame = next;
                return true;
            }

            if (ruleset.FindChain(table, target) is { IsBuiltin: false } userChain)
            {
                // The kernel refuses a ruleset whose jumps form a loop (iptables-restore fails with "Too many levels
                // of symbolic links"), so such a dump never ran on a node; walking it would branch without end.
                for (var f = (Frame?)frame; f is not null; f = f.Parent)
                {
                    if (f.Chain.Name == target)
                    {
                        throw KubeLabException.Invalid(
                            $"{rule.Where}:{rule.LineNumber}: the rule in chain {chainName} jumps to {target}, which is already being walked (a loop); the kernel refuses such rules (iptables-restore: \"Too many levels of symbolic links\"): fix the dump");
                    }
                }

                if (frame.Depth >= MaxDepth)
                {
                    Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Unknown, $"more than {MaxDepth} nested jumps at line {rule.LineNumber}: a loop?")),
                        assumptions, Verdict.Drop, rule, null);
                    return false;
                }

                steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Jump, (rule.IsGoto ? "goto " : "jump to ") + target));
                frame = new Frame(userChain, 0, rule.IsGoto ? frame.Parent : next, frame.Depth + 1);
                return true;
            }

            switch (target)
            {
                case "ACCEPT":
                    Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Terminal, "ACCEPT")), assumptions, Verdict.Accept, rule, null);
                    return false;
                case "DROP":
                    Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Terminal, "DROP")), assumptions, Verdict.Drop, rule, null);
                    return false;
                case "REJECT":
                    var with = rule.TargetOption("reject-with") ?? "icmp-port-unreachable";
                    Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Terminal, $"REJECT with {with}")), assumptions, Verdict.Reject, rule, with);
                    return false;
                case "QUEUE" or "NFQUEUE":
                    Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Terminal, $"{target}: handed to a userspace program")), assumptions, Verdict.Queue, rule, null);
                    return false;
                case "RETURN":
                    if (frame.Parent is null)
                    {
                        var policy = frame.Chain.Policy ?? "ACCEPT";
                        Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Policy, $"RETURN from built-in {chainName}: policy {policy}")),
                            assumptions, policy == "DROP" ? Verdict.Drop : Verdict.Accept, rule, null);
                        return false;
                    }

                    steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Return, $"RETURN to {frame.Parent.Chain.Name}"));
                    frame = frame.Parent;
                    return true;
                case "MARK":
                    var before = packet;
                    packet = packet with { Mark = NewMark(rule, packet.Mark) };
                    steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Modify, $"mark 0x{before.Mark:x} → 0x{packet.Mark:x}") { Before = before, After = packet });
                    frame = next;
                    return true;
                case "LOG" or "NFLOG":
                    steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Log, target == "NFLOG"
                        ? $"NFLOG to group {rule.TargetOption("nflog-group") ?? "0"} (logged, continues)"
                        : $"LOG \"{rule.TargetOption("log-prefix")}\" (logged, continues)"));
                    frame = next;
                    return true;
                case "DNAT" or "SNAT" or "MASQUERADE" or "REDIRECT":
                    return Nat(rule, target, chainName, ref packet, probability, ref steps, assumptions);
                default:
                    if (!LooksLikeTarget(target))
                    {
                        steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Unknown,
                            $"target {target} at line {rule.LineNumber} is neither a chain of table {table} nor a known target: the rule is skipped (iptables-restore would have refused it)"));
                    }
                    else
                    {
                        steps = Add(steps, new RuleStep(table, chainName, rule, StepKind.Unknown,
                            $"unknown target {target} at line {rule.LineNumber}: its effect is not modelled; the walk continues with the next rule"));
                    }

                    frame = next;
                    return true;
            }
        }

        private static bool LooksLikeTarget(string target) => target.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_');

        private bool Nat(NetfilterRule rule, string target, string chainName, ref Packet packet, double probability, ref Cons<RuleStep>? steps, Cons<string>? assumptions)
        {
            var before = packet;
            string description;
            switch (target)
            {
                case "DNAT":
                    {
                        var to = rule.TargetOption("to-destination")
                            ?? throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, "DNAT without --to-destination");
                        var (address, port) = ParseNatTarget(to, rule);
                        packet = packet with { Destination = address, DestinationPort = port ?? packet.DestinationPort, DnatApplied = true };
                        description = $"DNAT {Packet.Endpoint(before.Destination, before.DestinationPort)} → {Packet.Endpoint(packet.Destination, packet.DestinationPort)}";
                        break;
                    }

                case "REDIRECT":
                    {
                        var local = context.InterfaceAddress(packet.InInterface ?? "lo") ?? IPAddress.Loopback;
                        var ports = rule.TargetOption("to-ports");
                        var port = ports is null ? packet.DestinationPort : (int)MatchEvaluator.ParseNumber(ports.Split('-')[0], rule);
                        packet = packet with { Destination = local, DestinationPort = port, DnatApplied = true };
                        description = $"REDIRECT to {Packet.Endpoint(local, port)}";
                        break;
                    }

                case "SNAT":
                    {
                        var to = rule.TargetOption("to-source")
                            ?? throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, "SNAT without --to-source");
                        var (address, port) = ParseNatTarget(to, rule);
                        packet = packet with { Source = address, SourcePort = port ?? packet.SourcePort, SnatApplied = true };
                        description = $"SNAT {Packet.Endpoint(before.Source, before.SourcePort)} → {Packet.Endpoint(packet.Source, packet.SourcePort)}";
                        break;
                    }

                default:
                    {
                        var outInterface = packet.OutInterface;
                        var address = outInterface is null ? null : context.InterfaceAddress(outInterface);
                        if (address is null)
                        {
                            Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Unknown,
                                $"MASQUERADE at line {rule.LineNumber}: no address known for outgoing interface {outInterface ?? "(none)"}")), assumptions, Verdict.Accept, rule, null);
                            return false;
                        }

                        packet = packet with { Source = address, SnatApplied = true };
                        var fully = rule.TargetOptions.Any(o => o.Name == "random-fully") ? " (--random-fully: source port picked at random)" : "";
                        description = $"MASQUERADE {before.Source} → {address} (address of {outInterface}){fully}";
                        break;
                    }
            }

            // A NAT target is final for the nat table (NF_ACCEPT); the mapping is stored in conntrack.
            Finish(packet, probability, Add(steps, new RuleStep(table, chainName, rule, StepKind.Modify, description) { Before = before, After = packet }),
                assumptions, Verdict.Accept, rule, null);
            return false;
        }

        private (IPAddress Address, int? Port) ParseNatTarget(string to, NetfilterRule rule)
        {
            // ip[-ip][:port[-port]]; a range is reported by its first address/port.
            string host = to;
            int? port = null;
            if (to.StartsWith('['))
            {
                var close = to.IndexOf(']', StringComparison.Ordinal);
                host = to[1..close];
                if (close + 1 < to.Length && to[close + 1] == ':')
                {
                    port = (int)MatchEvaluator.ParseNumber(to[(close + 2)..].Split('-')[0], rule);
                }
            }
            else if (to.Count(c => c == ':') == 1)
            {
                var colon = to.IndexOf(':', StringComparison.Ordinal);
                host = to[..colon];
                port = (int)MatchEvaluator.ParseNumber(to[(colon + 1)..].Split('-')[0], rule);
            }

            host = host.Split('-')[0];
            return IPAddress.TryParse(host, out var address)
                ? (address, port)
                : throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"\"{to}\" is not an address[:port]");
        }

        private static uint NewMark(NetfilterRule rule, uint mark)
        {
            foreach (var option in rule.TargetOptions)
            {
                switch (option.Name)
                {
                    case "set-xmark":
                        {
                            var (value, mask) = MatchEvaluator.ParseMark(option.Value, rule);
                            return (mark & ~mask) ^ value;
                        }

                    case "set-mark":
                        {
                            var (value, mask) = MatchEvaluator.ParseMark(option.Value, rule);
                            return (mark & ~mask) | value;
                        }

                    case "or-mark":
                        return mark | MatchEvaluator.ParseNumber(option.Value, rule);
                    case "xor-mark":
                        return mark ^ MatchEvaluator.ParseNumber(option.Value, rule);
                    case "and-mark":
                        return mark & MatchEvaluator.ParseNumber(option.Value, rule);
                }
            }

            throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, "MARK without --set-xmark, --set-mark, --or-mark, --xor-mark or --and-mark");
        }

        private void Finish(Packet packet, double probability, Cons<RuleStep>? steps, Cons<string>? assumptions, Verdict verdict, NetfilterRule? rule, string? rejectWith)
        {
            var list = ToList(assumptions);
            Results.Add(new HookOutcome
            {
                Probability = probability,
                Steps = ToList(steps),
                Packet = packet,
                Verdict = verdict,
                VerdictRule = rule,
                RejectWith = rejectWith,
                Assumptions = list,
            });
        }

        private static Cons<RuleStep> Add(Cons<RuleStep>? list, RuleStep step) => new(step, list);
    }

    /// <summary>Probabilities as iptables-save prints them: 11 decimals.</summary>
    public static string Format(double probability) => probability.ToString("0.00000000000", CultureInfo.InvariantCulture);
}
