namespace KubeLab.Core.Netfilter;

public enum Verdict { Accept, Drop, Reject, Queue }

public enum StepKind
{
    /// <summary>A rule matched and its target jumped to (or went to) another chain.</summary>
    Jump,
    /// <summary>A rule matched and its target decided the packet's fate in this table.</summary>
    Terminal,
    /// <summary>A rule matched and changed the packet (MARK, DNAT, SNAT, MASQUERADE).</summary>
    Modify,
    /// <summary>A statistic (or other probabilistic) match: this branch took it or did not.</summary>
    Branch,
    /// <summary>The evaluator could not evaluate something and says so.</summary>
    Unknown,
    /// <summary>RETURN, or the end of a user chain.</summary>
    Return,
    /// <summary>The end of a built-in chain: its policy.</summary>
    Policy,
    /// <summary>LOG/NFLOG, or a rule with no target: counted, nothing else.</summary>
    Log,
    Note,
}

/// <summary>One thing that happened while walking the rules.</summary>
public sealed record RuleStep(string Table, string Chain, NetfilterRule? Rule, StepKind Kind, string Description)
{
    public Packet? Before { get; init; }
    public Packet? After { get; init; }
    /// <summary>For Branch steps: the probability of this side, relative to reaching the rule.</summary>
    public double? BranchProbability { get; init; }
}

/// <summary>One way a packet can go through a chain or hook, with the probability of that way.</summary>
public sealed record HookOutcome
{
    public required double Probability { get; init; }
    public required IReadOnlyList<RuleStep> Steps { get; init; }
    public required Packet Packet { get; init; }
    public required Verdict Verdict { get; init; }
    /// <summary>The rule that decided the verdict (null when a policy or the default did).</summary>
    public NetfilterRule? VerdictRule { get; init; }
    public string? RejectWith { get; init; }
    /// <summary>Things taken as given on this branch (unknown matches assumed to match or not).</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = [];
}
