using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Model;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Store;

namespace KubeLab.Cli.Commands;

internal static class UpCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var driver = new Option<string>("--driver")
        {
            Description = "where the data plane lives: netns (this kernel, root), multipass (VMs + k3s), none (model only)",
            DefaultValueFactory = _ => "netns",
        };
        driver.AcceptOnlyFromAmong([.. DriverRegistry.Names]);
        var nodes = new Option<int>("--nodes") { Description = "number of nodes (vm1 is the k3s server)", DefaultValueFactory = _ => 3 };
        var scenario = new Option<string[]>("--scenario", "-f")
        {
            Description = "apply these manifests or built-in scenarios once the lab is up (e.g. seed)",
            HelpName = "FILE",
        };
        var retain = new Option<bool>("--retain") { Description = "keep what was made if up fails (for debugging)" };
        var command = new Command("up", """
            Create a lab and wait until it is ready.

            The default lab is the seed's: vm1 (server) 10.65.94.238, vm2 10.65.94.199, vm3 10.65.94.95, pod CIDRs
            10.42.N.0/24, services in 10.43.0.0/16, CoreDNS at 10.42.0.2 behind kube-dns 10.43.0.10. Running `up`
            again on an existing lab converges it (recreates whatever is missing).

            Examples:
              sudo kubelab up                              # netns lab on this kernel
              kubelab up --driver none --name model        # model only: get, rules, trace; no root needed
              sudo kubelab up -f seed                      # lab plus the seed scenario
              kubelab up --driver multipass --nodes 3      # real VMs with k3s
            """)
        {
            lab, driver, nodes, scenario, retain,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(lab)!;
            LabStore.ValidateName(name);
            var driverName = parse.GetValue(driver)!;
            var count = parse.GetValue(nodes);
            var documents = parse.GetValue(scenario) is { Length: > 0 } sources ? ManifestSources.Read(sources, context.In) : null;
            var steps = context.Steps();
            if (context.Store.Exists(name))
            {
                var existing = context.Load(name);
                if (existing.Config.Driver != driverName)
                {
                    throw KubeLabException.Conflict(
                        $"lab \"{name}\" already exists with driver \"{existing.Config.Driver}\"; use `--driver {existing.Config.Driver}`, or `kubelab down --name {name}` first");
                }

                var driverOfLab = context.Drivers(driverName);

                if (existing.Config.Nodes.Count != count && parse.GetResult(nodes) is not null)
                {
                    throw KubeLabException.Conflict($"lab \"{name}\" already exists with {existing.Config.Nodes.Count} nodes; `kubelab down --name {name}` first to change its size");
                }

                driverOfLab.Preflight(existing.Config);
                steps.Info($"Lab \"{name}\" exists; converging it ...");
                driverOfLab.Up(existing, steps);
                if (documents is not null)
                {
                    ApplyCommand.Apply(context, name, documents, steps);
                }

                context.Out.WriteLine($"Lab \"{name}\" is ready ({driverName}, {existing.Config.Nodes.Count} nodes).");
                return 0;
            }

            var implementation = context.Drivers(driverName);
            var config = LabConfig.Default(name, count, driverName, context.Now());
            implementation.Preflight(config);
            var state = ControlPlane.Bootstrap(config, context.Now());
            steps.Info($"Creating lab \"{name}\" ({driverName}, {count} nodes, k3s {config.K3sVersion}) ...");
            context.Store.Create(state);
            try
            {
                implementation.Up(state, steps);
                if (documents is not null)
                {
                    ApplyCommand.Apply(context, name, documents, steps);
                }
            }
            catch when (!parse.GetValue(retain))
            {
                try
                {
                    implementation.Down(name, new PlainStepReporterSilent());
                }
                finally
                {
                    context.Store.Delete(name);
                }

                throw;
            }

            context.Out.WriteLine($"Lab \"{name}\" is ready. Try:");
            context.Out.WriteLine($"  kubelab get nodes{NameFlag(name)}");
            if (documents is null)
            {
                context.Out.WriteLine($"  kubelab apply -f seed{NameFlag(name)}");
            }

            context.Out.WriteLine($"  kubelab tour{NameFlag(name)}");
            return 0;
        });
        return command;
    }

    internal static string NameFlag(string name) => name == CliContext.DefaultLabName() ? "" : $" --name {name}";

    /// <summary>Clean-up after a failed up reports nothing of its own.</summary>
    private sealed class PlainStepReporterSilent : IStepReporter
    {
        public T Step<T>(string title, Func<T> action) => action();

        public void Info(string line)
        {
        }
    }
}
