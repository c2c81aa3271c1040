using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Model;
using KubeLab.Core.NodeRules;
using KubeLab.Core.Trace;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Netns;
using KubeLab.Realize.Store;

namespace KubeLab.Ui;

/// <summary>A KubeLab lab read through its state file, as the CLI reads it; the driver reads the nodes' kernels.</summary>
public sealed class StoreLabSource(LabStore store, string lab, Func<ClusterState, ILabDriver> driverOf) : ILabSource
{
    public string Lab => lab;

    public ClusterSnapshot Snapshot() => SnapshotBuilder.FromState(store.Load(lab));

    public (ClusterSnapshot Snapshot, IReadOnlyDictionary<string, NodeState> Nodes) TraceInputs()
    {
        var state = store.Load(lab);
        var model = SnapshotBuilder.FromState(state);
        return (model, LabNodeStates.Read(state, model, driverOf(state)));
    }

    public NodeRulesText Rules(string node)
    {
        var state = store.Load(lab);
        var model = SnapshotBuilder.FromState(state);
        model.GetNode(node);
        var command = new TraceJson.Exec(lab, null, null).In(node, "iptables-save", "-c");
        if (driverOf(state) is INodeStateReader reader)
        {
            var (code, output, error) = reader.Capture(state, node, ["iptables-save", "-c"]);
            return code == 0
                ? new NodeRulesText(output, Live: true, command)
                : throw KubeLabException.Host($"`{command}` failed ({code}): {error.Trim()}");
        }

        return new NodeRulesText(NodeRuleset.Generate(model, node, NodeRulesSource.ConfigFor(model, node)), Live: false, $"kubelab rules --node {node}{(lab == LabStore.DefaultLab ? "" : " --name " + lab)}");
    }
}
