using KubeLab.Core.Model;
using KubeLab.Core.Trace;

namespace KubeLab.Ui;

/// <summary>
/// Everything the UI reads from a lab. <see cref="Snapshot"/> is the one place the lab's objects come from: today the
/// lab's state file (LabStore + SnapshotBuilder), later the lab's API server; nothing else in the UI knows.
/// </summary>
public interface ILabSource
{
    string Lab { get; }

    /// <summary>The resolved cluster: nodes, pods, services, endpoint slices.</summary>
    ClusterSnapshot Snapshot();

    /// <summary>
    /// The snapshot with each node's rules, routes, neighbours and FDB as the tracer reads them (the same as
    /// `kubelab trace`), read together so they agree.
    /// </summary>
    (ClusterSnapshot Snapshot, IReadOnlyDictionary<string, NodeState> Nodes) TraceInputs();

    /// <summary>
    /// The node's ruleset as <c>iptables-save -c</c> prints it, with the kernel's packet counters when the lab has a
    /// kernel (Live); for a model-only lab, the rules k3s would write, without counters.
    /// </summary>
    NodeRulesText Rules(string node);
}

/// <summary>A node's iptables-save text, whether its counters are the kernel's, and the command that printed it.</summary>
public sealed record NodeRulesText(string Text, bool Live, string Command);
