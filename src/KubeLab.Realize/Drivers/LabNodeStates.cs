using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Core.Model;
using KubeLab.Core.NodeRules;
using KubeLab.Core.Trace;
using KubeLab.Realize.Netns;

namespace KubeLab.Realize.Drivers;

/// <summary>
/// What the tracer reads for each node of a KubeLab lab: the kernel's own iptables-save, routes, neighbours and FDB
/// when the driver can read them (netns), else the rules and tables k3s would write (model-only labs).
/// `kubelab trace` and `kubelab ui` both read nodes through here.
/// </summary>
public static class LabNodeStates
{
    public static IReadOnlyDictionary<string, NodeState> Read(ClusterState state, ClusterSnapshot model, ILabDriver driver) =>
        model.Nodes.ToDictionary(n => n.Name, n =>
        {
            if (driver is INodeStateReader reader)
            {
                var texts = reader.ReadNode(state, n.Name);
                return NodeState.FromTexts(n.Name, texts.IptablesSave, texts.Routes, texts.Neighbours, texts.Fdb, texts.Addresses, n, deferRules: true);
            }

            return NodeState.FromTexts(n.Name, NodeRuleset.Generate(model, n.Name, NodeRulesSource.ConfigFor(model, n.Name)),
                NodeTables.Routes(model, n.Name) + NodeTables.LocalTableRoutes(model, n.Name), NodeTables.Neighbours(model, n.Name), NodeTables.Fdb(model, n.Name), NodeTables.Addresses(model, n.Name), n);
        });
}
