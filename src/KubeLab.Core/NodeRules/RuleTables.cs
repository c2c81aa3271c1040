using System.Text;

namespace KubeLab.Core.NodeRules;

/// <summary>How a program puts its jump into a built-in chain.</summary>
internal enum JumpMode
{
    /// <summary>iptables -C, and -I (top) only if missing: kubelet and kube-proxy (EnsureRule Prepend).</summary>
    InsertIfMissing,
    /// <summary>iptables -A if missing: flannel.</summary>
    AppendIfMissing,
    /// <summary>Moved to position 1 on every sync: kube-router's ensureRuleAtPosition.</summary>
    EnsureFirst,
    /// <summary>
    /// If missing, inserted right after the last rule whose `iptables -S` line contains "KUBE" (at the top when
    /// there is none): k3s's kube-router fork, ensureExplicitAccept (k3s-io/kube-router v2.1.2).
    /// </summary>
    InsertAfterLastKube,
}

/// <summary>One jump from a built-in chain, as the program ensures it.</summary>
internal sealed record Jump(string Table, string Chain, string Spec, JumpMode Mode);

/// <summary>
/// Accumulates one node's tables: chain declarations and rules per table (in first-declared order) and the
/// built-in chains' jumps, replayed in the order the programs start so that the final order is the one a
/// real node ends up with.
/// </summary>
internal sealed class RuleTables
{
    private static readonly Dictionary<string, string[]> BuiltIns = new(StringComparer.Ordinal)
    {
        ["filter"] = ["INPUT", "FORWARD", "OUTPUT"],
        ["nat"] = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        ["mangle"] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    };

    private readonly List<string> _tableOrder = [];
    private readonly Dictionary<string, List<string>> _chains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _chainSet = new(StringComparer.Ordinal);
    // Rules as UTF-8, the encoding iptables-restore reads (kube-proxy's blocks arrive so; they are written out as they are).
    private readonly Dictionary<string, List<ReadOnlyMemory<byte>>> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Table, string Chain), List<string>> _builtInRules = [];

    /// <summary>Tables are written filter, nat, mangle (kube-proxy's filter-then-nat, then kubelet's mangle).</summary>
    public RuleTables()
    {
        Table("filter");
        Table("nat");
        Table("mangle");
    }

    /// <summary>Room for this many more chains and rule blocks in a table (a 10,000-Service node's kube-proxy declares 110,000 chains): no regrowing.</summary>
    public void Reserve(string table, int chains, int blocks)
    {
        Table(table);
        _chains[table].EnsureCapacity(_chains[table].Count + chains);
        _chainSet[table].EnsureCapacity(_chainSet[table].Count + chains);
        _rules[table].EnsureCapacity(_rules[table].Count + blocks);
    }

    public void Chain(string table, string chain)
    {
        Table(table);
        if (_chainSet[table].Add(chain))
        {
            _chains[table].Add(chain);
        }
    }

    public bool HasChain(string table, string chain) => _chainSet.TryGetValue(table, out var set) && set.Contains(chain);

    /// <summary>Whether a rule (one line, without its newline) is among the table's rules or blocks of rules.</summary>
    public bool HasRule(string table, string rule)
    {
        if (!_rules.TryGetValue(table, out var rules))
        {
            return false;
        }

        ReadOnlySpan<byte> wanted = Encoding.UTF8.GetBytes(rule);
        foreach (var entry in rules)
        {
            var text = entry.Span;
            if (text.Length > 0 && text[^1] == '\n')
            {
                // A block of whole lines: the rule must be one of them.
                for (var from = 0; from < text.Length;)
                {
                    var at = text[from..].IndexOf(wanted);
                    if (at < 0)
                    {
                        break;
                    }

                    var start = from + at;
                    var end = start + wanted.Length;
                    if ((start == 0 || text[start - 1] == '\n') && end < text.Length && text[end] == '\n')
                    {
                        return true;
                    }

                    from = start + 1;
                }
            }
            else if (text.SequenceEqual(wanted))
            {
                return true;
            }
        }

        return false;
    }

    public void Rule(string table, string rule)
    {
        Table(table);
        _rules[table].Add(Encoding.UTF8.GetBytes(rule));
    }

    /// <summary>Several rules at once: whole lines in UTF-8, each ending in a newline (a block of kube-proxy's restore text).</summary>
    public void Rules(string table, ReadOnlyMemory<byte> lines)
    {
        Table(table);
        if (lines.Length > 0)
        {
            _rules[table].Add(lines);
        }
    }

    /// <summary>Applies one program's jump the way that program does it (see <see cref="JumpMode"/>).</summary>
    public void Apply(Jump jump)
    {
        Table(jump.Table);
        var key = (jump.Table, jump.Chain);
        if (!_builtInRules.TryGetValue(key, out var rules))
        {
            _builtInRules[key] = rules = [];
        }

        var index = rules.IndexOf(jump.Spec);
        switch (jump.Mode)
        {
            case JumpMode.InsertIfMissing when index < 0:
                rules.Insert(0, jump.Spec);
                break;
            case JumpMode.AppendIfMissing when index < 0:
                rules.Add(jump.Spec);
                break;
            case JumpMode.EnsureFirst:
                if (index >= 0)
                {
                    rules.RemoveAt(index);
                }

                rules.Insert(0, jump.Spec);
                break;
            case JumpMode.InsertAfterLastKube when index < 0:
                rules.Insert(rules.FindLastIndex(r => $"-A {jump.Chain} {r}".Contains("KUBE", StringComparison.Ordinal)) + 1, jump.Spec);
                break;
        }
    }

    /// <summary>
    /// iptables-restore input: per table the built-in chains that carry jumps (policy ACCEPT, which a fresh
    /// namespace has), the user chains, the built-in chains' rules in their final order as -A lines, then the
    /// components' rules.
    /// </summary>
    public string Render()
    {
        using var output = new MemoryStream();
        Render(output);
        return Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length);
    }

    /// <summary>
    /// The same text written to a writer piece by piece (a 10,000-Service node's 32 MB are never one string): a UTF-8
    /// StreamWriter gets the bytes on its stream as they are, any other writer the text.
    /// </summary>
    public void Render(TextWriter output)
    {
        if (output is StreamWriter { Encoding: UTF8Encoding } writer && writer.Encoding.Preamble.Length == 0)
        {
            writer.Flush();
            // Not disposed: that would close the writer's stream (standard output).
            var buffered = new BufferedStream(writer.BaseStream, 1 << 16);
            Render(buffered);
            buffered.Flush();
            return;
        }

        using var bytes = new MemoryStream();
        Render(bytes);
        output.Write(Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length));
    }

    private const int FlushChars = 1 << 14;

    /// <summary>The text in UTF-8, piece by piece.</summary>
    public void Render(Stream output)
    {
        // Everything but kube-proxy's blocks (table and chain lines, built-in chains' jumps) goes through one small writer.
        // Flushed at 16 K chars, encoded through one reused buffer: no string or byte array as large as the
        // large-object heap's threshold (a 10,000-Service node declares 110,000 chains), whose budget starts full collections.
        var head = new StringBuilder();
        var encoded = new byte[1 << 16];
        var encoder = Encoding.UTF8.GetEncoder(); // keeps a surrogate pair split between chunks whole
        void Flush()
        {
            foreach (var chunk in head.GetChunks())
            {
                var chars = chunk.Span;
                bool completed;
                do
                {
                    encoder.Convert(chars, encoded, flush: false, out var used, out var written, out completed);
                    output.Write(encoded, 0, written);
                    chars = chars[used..];
                }
                while (!completed);
            }

            head.Clear();
        }

        foreach (var table in _tableOrder)
        {
            var usedBuiltIns = BuiltIns.TryGetValue(table, out var names)
                ? names.Where(b => _builtInRules.TryGetValue((table, b), out var r) && r.Count > 0).ToList()
                : [];
            if (usedBuiltIns.Count == 0 && _chains[table].Count == 0 && _rules[table].Count == 0)
            {
                continue;
            }

            head.Append('*').Append(table).Append('\n');
            foreach (var builtIn in usedBuiltIns)
            {
                head.Append(':').Append(builtIn).Append(" ACCEPT [0:0]\n");
            }

            foreach (var chain in _chains[table])
            {
                head.Append(':').Append(chain).Append(" - [0:0]\n");
                if (head.Length > FlushChars)
                {
                    Flush();
                }
            }

            foreach (var builtIn in usedBuiltIns)
            {
                foreach (var spec in _builtInRules[(table, builtIn)])
                {
                    head.Append("-A ").Append(builtIn).Append(' ').Append(spec).Append('\n');
                }
            }

            Flush();
            foreach (var rule in _rules[table])
            {
                output.Write(rule.Span);
                if (rule.Span is not [.., (byte)'\n'])
                {
                    output.WriteByte((byte)'\n');
                }
            }

            head.Append("COMMIT\n");
        }

        Flush();
    }

    private void Table(string table)
    {
        if (_chains.ContainsKey(table))
        {
            return;
        }

        _tableOrder.Add(table);
        _chains[table] = [];
        _chainSet[table] = new HashSet<string>(StringComparer.Ordinal);
        _rules[table] = [];
    }
}
