using System.CommandLine;
using System.Text;
using KubeLab.Core.Control;

namespace KubeLab.Cli.Commands;

internal static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("list", """
            List labs and their nodes, like `multipass list`.

            For each node: name, state, and every IPv4 address (the node's, flannel.1's 10.42.N.0 and cni0's 10.42.N.1); a lab
            made with `up --vm-ext` also lists vm-ext, which is no node.

            Examples:
              kubelab list
            """);
        command.SetAction(_ =>
        {
            var labs = context.Store.List();
            if (labs.Count == 0)
            {
                context.Err.WriteLine("No labs found. Create one with `kubelab up`.");
                return 0;
            }

            var damaged = 0;
            foreach (var name in labs)
            {
                ClusterState state;
                try
                {
                    state = context.Load(name);
                }
                catch (Core.KubeLabException e)
                {
                    // one damaged lab does not hide the others
                    context.Err.WriteLine($"Lab {name}: {e.Message}");
                    context.Err.WriteLine();
                    damaged++;
                    continue;
                }

                var driver = context.DriverOf(state);
                context.Out.WriteLine($"Lab {name} (driver {state.Config.Driver}, k3s {state.Config.K3sVersion})");
                if (LabHealth.Degraded(context, state) is { } degraded)
                {
                    context.Out.WriteLine($"Status: {degraded}");
                }

                context.Out.Write(Table(state, driver is Realize.Drivers.INodeInspector inspector ? inspector : null));
                context.Out.WriteLine();
            }

            return damaged > 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>multipass's table: Name 24, State 18, IPv4 17 columns, extra addresses on their own lines.</summary>
    internal static string Table(ClusterState state, Realize.Drivers.INodeInspector? inspector)
    {
        var text = new StringBuilder();
        text.Append("Name".PadRight(24)).Append("State".PadRight(18)).Append("IPv4".PadRight(17)).Append("Image\n");
        var podNodes = state.All<k8s.Models.V1Pod>().Select(p => p.Spec?.NodeName).ToHashSet();
        // multipass shows the VM's image; a netns node is a network namespace, a none node only a model
        var image = state.Config.Driver switch
        {
            "multipass" => "Ubuntu 22.04 LTS",
            "netns" => "netns (emulated)",
            _ => "model only",
        };
        foreach (var node in state.Config.Nodes)
        {
            var (nodeState, addresses) = inspector?.Inspect(state, node.Name)
                ?? ("Modelled", (IReadOnlyList<string>)[node.InternalIP.ToString(), node.PodCidr.BaseAddress.ToString(),
                    .. podNodes.Contains(node.Name) ? [Core.Model.IPMath.Add(node.PodCidr.BaseAddress, 1).ToString()] : Array.Empty<string>()]);
            var first = addresses.Count > 0 ? addresses[0] : "--";
            text.Append(node.Name.PadRight(24)).Append(nodeState.PadRight(18)).Append(first.PadRight(17)).Append(image).Append('\n');
            foreach (var extra in addresses.Skip(1))
            {
                text.Append(new string(' ', 42)).Append(extra).Append('\n');
            }
        }

        if (state.Config.ExternalVm)
        {
            // a VM of the host like the nodes, but no node: k3s never ran on it (`kubectl get nodes` does not list it)
            var (extState, extAddresses) = inspector?.Inspect(state, Core.Lab.NetnsNames.ExternalVmMachine)
                ?? ("Modelled", (IReadOnlyList<string>)[Core.Model.LabDefaults.ExternalVmIP.ToString()]);
            text.Append(Core.Lab.NetnsNames.ExternalVmMachine.PadRight(24)).Append(extState.PadRight(18))
                .Append((extAddresses.Count > 0 ? extAddresses[0] : "--").PadRight(17)).Append(image).Append(" (not a node)\n");
        }

        return text.ToString();
    }
}
