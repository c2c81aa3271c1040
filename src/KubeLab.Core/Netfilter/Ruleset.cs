using System.Net;

namespace KubeLab.Core.Netfilter;

/// <summary>A parsed <c>iptables-save</c> dump: every table, chain and rule, with the rule's original text and line.</summary>
public sealed class Ruleset
{
    internal Ruleset(IReadOnlyDictionary<string, NetfilterTable> tables, string? source)
    {
        Tables = tables;
        Source = source;
    }

    public IReadOnlyDictionary<string, NetfilterTable> Tables { get; }

    /// <summary>Where the text came from (a file name), used in messages.</summary>
    public string? Source { get; }

    public int RuleCount => Tables.Values.Sum(t => t.Chains.Values.Sum(c => c.RuleCount));

    public NetfilterTable? FindTable(string name) => Tables.GetValueOrDefault(name);

    public NetfilterChain? FindChain(string table, string chain) => FindTable(table)?.Chains.GetValueOrDefault(chain);

    /// <summary>
    /// Parses a dump. Every rule is checked now, so a malformed line fails here with its line number. With
    /// <paramref name="deferRules"/> only the structure (tables, chains, <c>-A CHAIN</c>) is checked and each rule's
    /// matches and target are read the first time they are used (a 10,000-service node's tracer touches a few hundred
    /// of its 320,000 rules); a malformed rule then fails at that point, still with its line number.
    /// </summary>
    public static Ruleset Parse(string text, string? source = null, bool deferRules = false) => IptablesSaveParser.Parse(text, source, deferRules);

    /// <summary>Reads every rule not read yet (after a deferred parse); throws on the first malformed one.</summary>
    public void Validate()
    {
        foreach (var rule in Tables.Values.SelectMany(t => t.Chains.Values).SelectMany(c => c.Rules))
        {
            _ = rule.Matches;
        }
    }
}

public sealed class NetfilterTable
{
    internal NetfilterTable(string name, int line)
    {
        Name = name;
        LineNumber = line;
    }

    public string Name { get; }

    public int LineNumber { get; }

    /// <summary>Chains in the order the dump declared them.</summary>
    public IReadOnlyDictionary<string, NetfilterChain> Chains => ChainMap;

    internal readonly Dictionary<string, NetfilterChain> ChainMap = new(StringComparer.Ordinal);
}

public sealed class NetfilterChain
{
    internal NetfilterChain(string table, string name, string? policy, int line)
    {
        Table = table;
        Name = name;
        Policy = policy;
        LineNumber = line;
    }

    public string Table { get; }

    public string Name { get; }

    /// <summary>ACCEPT/DROP for built-in chains; null for user chains (<c>:NAME - [0:0]</c>).</summary>
    public string? Policy { get; }

    public bool IsBuiltin => Policy is not null;

    public int LineNumber { get; }

    /// <summary>The chain's rules in order (a deferred parse makes their objects on the chain's first use).</summary>
    public IReadOnlyList<NetfilterRule> Rules => LazyInitializer.EnsureInitialized(ref rules, Materialise);

    /// <summary>How many rules the chain has, without making them.</summary>
    public int RuleCount => rules?.Count ?? pending.Count;

    private List<NetfilterRule>? rules;

    // A deferred parse's rules as where they are in the dump: a 10,000-Service node has 320,000 rules, and objects for
    // all of them, promoted through the GC's generations, cost more than the parse; a trace reads a few chains.
    private readonly List<(int Offset, int Length, int Line)> pending = [];
    private string dump = "";
    private string where = "";

    internal void Add(NetfilterRule rule) => (rules ??= []).Add(rule);

    internal void AddDeferred(string text, string source, int offset, int length, int line)
    {
        (dump, where) = (text, source);
        pending.Add((offset, length, line));
    }

    private List<NetfilterRule> Materialise()
    {
        var made = new List<NetfilterRule>(pending.Count);
        foreach (var (offset, length, line) in pending)
        {
            made.Add(new NetfilterRule(Table, Name, line, dump, offset, length, where) { Position = made.Count + 1 });
        }

        return made;
    }
}

/// <summary>One option of a match module, e.g. <c>! --mark 0x4000/0x4000</c>.</summary>
public sealed record MatchOption(string Name, bool Negated, IReadOnlyList<string> Values)
{
    public string Value => Values.Count > 0 ? Values[0] : "";

    /// <summary>The -s/-d value parsed once (the evaluator scans long KUBE-SERVICES chains for every trace).</summary>
    internal IPNetwork[]? Networks { get; set; }

    public override string ToString() =>
        (Negated ? "! " : "") + "--" + Name + (Values.Count > 0 ? " " + string.Join(' ', Values) : "");
}

/// <summary>
/// A match: either a basic one (<c>-s</c>, <c>-d</c>, <c>-i</c>, <c>-o</c>, <c>-p</c>, <c>-f</c>: Module is "" and there is one
/// option) or a module loaded with <c>-m NAME</c> and its options.
/// </summary>
public sealed record RuleMatch(string Module, IReadOnlyList<MatchOption> Options)
{
    public bool IsBasic => Module.Length == 0;

    public MatchOption? Find(string option) => Options.FirstOrDefault(o => o.Name == option);

    public override string ToString() => IsBasic
        ? Options[0].ToString().Replace("--", "-", StringComparison.Ordinal)
        : "-m " + Module + (Options.Count > 0 ? " " + string.Join(' ', Options) : "");
}

public sealed class NetfilterRule
{
    private IptablesSaveParser.RuleBody? body;

    private readonly string dump;
    private readonly int offset;
    private readonly int length;
    private string? text;

    internal NetfilterRule(string table, string chain, int line, string dump, int offset, int length, string where)
    {
        Table = table;
        Chain = chain;
        LineNumber = line;
        this.dump = dump;
        this.offset = offset;
        this.length = length;
        Where = where;
    }

    internal void Check(IptablesSaveParser.Words words) => IptablesSaveParser.ParseBody(text ?? dump.Substring(offset, length), Where, LineNumber, words);

    private IptablesSaveParser.RuleBody Body => body ??= IptablesSaveParser.ParseBody(Text, Where, LineNumber);

    /// <summary>The dump's name for messages ("vm2: iptables-save").</summary>
    internal string Where { get; }

    public string Table { get; }

    public string Chain { get; }

    /// <summary>1-based line in the dump.</summary>
    public int LineNumber { get; }

    /// <summary>The rule exactly as the dump printed it (<c>-A CHAIN ...</c>).</summary>
    public string Text => text ??= dump.Substring(offset, length);

    public IReadOnlyList<RuleMatch> Matches => Body.Matches;

    /// <summary>The <c>-j</c>/<c>-g</c> target; null for a rule without one (it only counts packets).</summary>
    public string? Target => Body.Target;

    public IReadOnlyList<MatchOption> TargetOptions => Body.TargetOptions;

    public bool IsGoto => Body.IsGoto;

    /// <summary>Index of this rule inside its chain, 1-based (what <c>iptables -L --line-numbers</c> shows).</summary>
    public int Position { get; internal set; }

    public string? TargetOption(string name) => TargetOptions.FirstOrDefault(o => o.Name == name)?.Value;

    public string? Comment => Matches.FirstOrDefault(m => m.Module == "comment")?.Find("comment")?.Value;

    public override string ToString() => Text;
}
