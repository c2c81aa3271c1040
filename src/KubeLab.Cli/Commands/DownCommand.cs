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
            var names = parse.GetValue(all) ? context.Store.List() : [parse.GetValue(lab)!];
            foreach (var name in names)
            {
                LabStore.ValidateName(name);
                var steps = context.Steps();
                var drivers = context.Store.Exists(name)
                    ? [context.Store.DriverOf(name)]
                    : DriverRegistry.Names;
                foreach (var driver in drivers)
                {
                    if (driver == "multipass" && !context.Store.Exists(name))
                    {
                        continue; // VMs are deleted only when the lab's own record says it made them
                    }

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
}
