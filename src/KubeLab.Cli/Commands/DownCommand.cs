using System.CommandLine;
using KubeLab.Realize.Store;

namespace KubeLab.Cli.Commands;

internal static class DownCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var all = new Option<bool>("--all") { Description = "remove every lab" };
        var command = new Command("down", """
            Remove a lab and everything it made.

            Namespaces, links, /etc/netns entries, processes, VMs. Kernel objects are found by the lab's prefix
            (kl-<lab>.), so this works even if the lab's state was lost.

            Examples:
              kubelab down
              kubelab down --name demo
              kubelab down --all
            """)
        { lab, all };
        command.SetAction(parse =>
        {
            // --all: this home's labs, those whose folders are gone included (the netns labs it owns on this machine)
            var names = parse.GetValue(all)
                ? [.. context.Store.List().Union(OwnedNetnsLabs(context)).Order(StringComparer.Ordinal)]
                : new[] { parse.GetValue(lab)! };
            foreach (var name in names)
            {
                LabStore.ValidateName(name);
                using var agentUse = context.Store.AgentUse(name, exclusive: true);
                using var locked = context.Store.Lock(name);
                var steps = context.Steps();
                foreach (var driver in DriversOf(context, name))
                {
                    context.Drivers(driver).Down(name, steps);
                }

                var existed = context.Store.Exists(name);
                KubeconfigCommand.Unpublish(context, name);
                context.Store.Delete(name);
                context.Out.WriteLine(existed ? $"Deleted lab \"{name}\"." : $"Lab \"{name}\" did not exist; removed anything left of it.");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// The drivers whose leftovers to remove: the lab's own, else every driver that finds what it made by the lab's
    /// name alone. VMs are deleted only when the lab's readable record says it made them.
    /// </summary>
    private static IEnumerable<string> DriversOf(CliContext context, string name)
    {
        if (!context.Store.Exists(name))
        {
            return DriverRegistry.Names.Where(d => d != "multipass");
        }

        try
        {
            return [context.Store.DriverOf(name)];
        }
        catch (KubeLab.Core.KubeLabException e)
        {
            context.Err.WriteLine($"warning: {e.Message.Split("; remove the lab", 2)[0]}; removing what the lab made by its name alone (a multipass lab's VMs stay: delete them with `multipass delete --purge`)");
            // this home's lab cannot have built kernel objects under a name another home owns (up refuses): leave theirs
            var owner = context.Drivers("netns") is KubeLab.Realize.Netns.NetnsDriver netns ? netns.OtherOwner(name) : null;
            if (owner is not null)
            {
                context.Err.WriteLine($"note: the namespaces kl-{name}.… belong to the lab of that name in {owner}; they stay");
            }

            return DriverRegistry.Names.Where(d => d != "multipass" && !(d == "netns" && owner is not null));
        }
    }

    private static IEnumerable<string> OwnedNetnsLabs(CliContext context) =>
        context.Drivers("netns") is KubeLab.Realize.Netns.NetnsDriver netns ? netns.OwnedLabs() : [];
}
