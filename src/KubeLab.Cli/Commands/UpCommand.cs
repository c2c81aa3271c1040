using System.CommandLine;
using KubeLab.Cli.Rendering;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Core.Model;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Multipass;
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
        var vmExt = new Option<bool>("--vm-ext")
        {
            Description = "netns: add the later cheat sheet's external VM vm-ext (10.123.123.4) on VLAN 100, with the nodes on ens3.100 (10.123.123.1-3)",
        };
        var disable = new Option<string[]>("--disable")
        {
            Description = $"k3s's flag: do not deploy these packaged components ({string.Join(", ", K3sAddons.Items)}); repeatable, or comma-separated. Default: all of them run, as on a default k3s server; with -f seed: servicelb, as the cheat sheet's cluster",
            HelpName = "ITEM",
        };
        var upstreamDns = new Option<bool>("--upstream-dns")
        {
            Description = "netns: let CoreDNS forward names outside the cluster to this machine's resolver (off: they get NXDOMAIN, as from an offline resolver)",
        };
        var retain = new Option<bool>("--retain") { Description = "keep what was made if up fails (for debugging)" };
        var defaults = new MultipassOptions();
        var cpus = new Option<int?>("--cpus") { Description = $"multipass: CPUs per VM (default {defaults.Cpus})" };
        var memory = new Option<string?>("--memory") { Description = $"multipass: memory per VM, bytes or K/M/G (default {defaults.Memory}, minimum 128M)", HelpName = "SIZE" };
        var disk = new Option<string?>("--disk") { Description = $"multipass: disk per VM, bytes or K/M/G (default {defaults.Disk}, minimum 512M)", HelpName = "SIZE" };
        var image = new Option<string?>("--image") { Description = $"multipass: the Ubuntu image (default {defaults.Image})" };
        var k3sVersion = new Option<string?>("--k3s-version") { Description = $"multipass: the k3s release to install (default {defaults.K3sVersion})", HelpName = "VERSION" };
        var sshKey = new Option<string?>("--ssh-key") { Description = "multipass: the SSH public key for user ubuntu (default ~/.ssh/id_ed25519.pub or id_rsa.pub)", HelpName = "PATH" };
        var dryRun = new Option<bool>("--dry-run") { Description = "multipass: print the plan (cloud-init and every command) without running anything" };
        var merge = new Option<bool>("--kubeconfig-merge") { Description = "multipass: also add the lab to ~/.kube/config (or $KUBECONFIG) as context kubelab-<lab>" };
        var command = new Command("up", """
            Create a lab and wait until it is ready.

            The default lab is the seed's: vm1 (server) 10.65.94.238, vm2 10.65.94.199, vm3 10.65.94.95, pod CIDRs
            10.42.N.0/24, services in 10.43.0.0/16, CoreDNS at 10.42.0.2 behind kube-dns 10.43.0.10. Running `up`
            again on an existing lab converges it (recreates whatever is missing).

            Examples:
              sudo kubelab up                              # netns lab on this kernel
              kubelab up --driver none --name model        # model only: get, rules, trace; no root needed
              sudo kubelab up -f seed                      # lab plus the seed scenario
              sudo kubelab up --vm-ext -f metallb-l2       # vm-ext on VLAN 100 and MetalLB in L2 mode
              sudo kubelab up --disable traefik,metrics-server   # k3s without those add-ons
              kubelab up --driver multipass --nodes 3      # real VMs with k3s
              kubelab up --driver multipass --dry-run      # the VMs' cloud-init and every multipass command
              kubelab up --driver multipass --cpus 2 --memory 4G --disk 20G --kubeconfig-merge
            """)
        {
            lab, driver, nodes, scenario, vmExt, disable, upstreamDns, retain, cpus, memory, disk, image, k3sVersion, sshKey, dryRun, merge,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(lab)!;
            LabStore.ValidateName(name);
            var driverName = parse.GetValue(driver)!;
            var count = parse.GetValue(nodes);
            var documents = parse.GetValue(scenario) is { Length: > 0 } sources ? ManifestSources.Read(sources, context.In, strict: true) : null;
            // k3s's --disable values as given; without any, the k3s flags of the scenarios' own cluster (the seed's
            // cheat sheet ran `k3s server --disable servicelb`)
            var disabled = parse.GetResult(disable) is { Implicit: false }
                ? parse.GetValue(disable) ?? []
                : (parse.GetValue(scenario) ?? []).SelectMany(Core.Manifests.Scenarios.DisabledBy).Distinct().ToArray();
            K3sAddons.Parse(disabled);
            var multipassOnly = new Option[] { cpus, memory, disk, image, k3sVersion, sshKey, dryRun, merge }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (driverName != "multipass" && multipassOnly.Count > 0)
            {
                throw KubeLabException.Usage($"{string.Join(", ", multipassOnly)}: only for `--driver multipass` (this lab's driver is {driverName})");
            }

            void Configure(ILabDriver chosen)
            {
                if (chosen is MultipassDriver multipass)
                {
                    multipass.Options = new MultipassOptions
                    {
                        Cpus = parse.GetValue(cpus) ?? defaults.Cpus,
                        Memory = parse.GetValue(memory) ?? defaults.Memory,
                        Disk = parse.GetValue(disk) ?? defaults.Disk,
                        Image = parse.GetValue(image) ?? defaults.Image,
                        K3sVersion = parse.GetValue(k3sVersion) ?? defaults.K3sVersion,
                    };
                    multipass.SshKeyPath = parse.GetValue(sshKey);
                    multipass.MergeKubeconfigInto = parse.GetValue(merge) ? DefaultKubeconfig() : null;
                }
            }

            if (parse.GetValue(dryRun))
            {
                var planned = context.Drivers(driverName) as MultipassDriver ?? throw KubeLabException.Usage("--dry-run: only for `--driver multipass`");
                Configure(planned);
                planned.Options.Validate();
                var plannedConfig = LabConfig.Default(name, count, driverName, context.Now()) with { K3sVersion = planned.Options.K3sVersion };
                context.Out.Write(planned.Plan(plannedConfig));
                return 0;
            }

            var steps = context.Steps();
            // the lab's lock for the whole of up, as apply holds it for a change: concurrent ups, or up beside apply,
            // build and sync the lab one at a time (one agent, one set of namespaces)
            using var agentUse = context.Store.AgentUse(name, exclusive: true); // no kubelab client is mid-request to an agent up replaces
            using var locked = context.Store.Lock(name);
            if (context.Store.Exists(name))
            {
                var existing = context.Store.Load(name);
                // a change killed after the agent took it and before its state write is completed first (as apply does)
                if (Realize.Netns.AgentLauncher.RollForward(context.Store.LabDir(name), existing) is var served && served != existing)
                {
                    existing = context.Store.Update(name, _ => (served, served));
                }

                if (existing.Config.Driver != driverName)
                {
                    throw KubeLabException.Conflict(
                        $"lab \"{name}\" already exists with driver \"{existing.Config.Driver}\"; use `--driver {existing.Config.Driver}`, or `kubelab down --name {name}` first");
                }

                var driverOfLab = context.Drivers(driverName);
                Configure(driverOfLab);

                if (parse.GetResult(disable) is { Implicit: false } && !disabled.SequenceEqual(existing.Config.Disable))
                {
                    throw KubeLabException.Conflict($"lab \"{name}\" already exists with {(existing.Config.Disable.Count == 0 ? "no --disable" : "--disable " + string.Join(",", existing.Config.Disable))}; `kubelab down --name {name}` first to change k3s's packaged components");
                }

                if (parse.GetValue(vmExt) && !existing.Config.ExternalVm)
                {
                    throw KubeLabException.Conflict($"lab \"{name}\" already exists without vm-ext; `kubelab down --name {name}` first, then `kubelab up --vm-ext`");
                }

                if (existing.Config.Nodes.Count != count && parse.GetResult(nodes) is not null)
                {
                    throw KubeLabException.Conflict($"lab \"{name}\" already exists with {existing.Config.Nodes.Count} nodes; `kubelab down --name {name}` first to change its size");
                }

                driverOfLab.Preflight(existing.Config);
                steps.Info($"Lab \"{name}\" exists; converging it ...");
                var rootCa = PrepareApi(context, driverOfLab, existing.Config);
                driverOfLab.Up(existing, steps);
                if (rootCa is not null && existing.Config.RootCaCertificate != rootCa)
                {
                    // a lab made before the kube-root-ca.crt ConfigMaps: published through its agent, as a change
                    ApplyCommand.Commit(context, name, new SilentStepReporter(), s => new ApplyResult(ControlPlane.PublishRootCa(s, rootCa, context.Now()), []));
                }

                if (driverOfLab is not MultipassDriver && !existing.Objects.Any(o => o.Kind == "ClusterRole" && o.Name == "cluster-admin"))
                {
                    // a lab made before the RBAC objects: k3s's API server and deploy controller write them when it starts
                    ApplyCommand.Commit(context, name, new SilentStepReporter(), s => new ApplyResult(ControlPlane.RestoreStartupObjects(s, context.Now()), []));
                }
                if (documents is not null)
                {
                    ApplyCommand.Apply(context, name, documents, steps);
                }

                if (driverOfLab.ServesApi)
                {
                    KubeconfigCommand.Publish(context, existing.Config);
                }

                context.Out.WriteLine($"Lab \"{name}\" is ready ({driverName}, {existing.Config.Nodes.Count} nodes).");
                return 0;
            }

            var implementation = context.Drivers(driverName);
            Configure(implementation);
            var config = LabConfig.Default(name, count, driverName, context.Now()) with
            {
                ExternalVm = parse.GetValue(vmExt),
                Disable = disabled,
                UpstreamDns = parse.GetValue(upstreamDns),
            };
            if (config.ExternalVm && driverName != "netns")
            {
                throw KubeLabException.Usage($"--vm-ext: the external VM is made by the netns driver only (driver \"{driverName}\")");
            }

            if (config.ExternalVm && count > LabConfig.MaxExternalNodes)
            {
                throw KubeLabException.Usage($"--vm-ext: Invalid value: {count} nodes: VLAN 100 has addresses for at most {LabConfig.MaxExternalNodes} nodes below the MetalLB pool 10.123.123.64/26");
            }

            if (implementation is MultipassDriver configured)
            {
                config = config with { K3sVersion = configured.Options.K3sVersion };
            }

            implementation.Preflight(config);
            var state = ControlPlane.Bootstrap(config, context.Now());
            // An emulated lab takes the manifests into its state before anything is built: bad input fails here,
            // with nothing made, and the lab is built once. A multipass lab applies them to its API server after up.
            IReadOnlyList<string> applied = [];
            if (documents is not null && implementation is not MultipassDriver)
            {
                var result = ControlPlane.Apply(state, documents, context.Now());
                (state, applied) = (ClusterEvents.Store(result.State, result.Events, context.Now()), result.Messages);
            }

            steps.Info($"Creating lab \"{name}\" ({driverName}, {count} nodes, k3s {config.K3sVersion}) ...");
            context.Store.Create(state);
            try
            {
                if (PrepareApi(context, implementation, config) is { } rootCa)
                {
                    // the API server's CA exists now: kube-root-ca.crt in every namespace before the agent serves them
                    state = context.Store.Update(name, s => ControlPlane.PublishRootCa(s, rootCa, context.Now()) is var published ? (published, published) : default);
                }

                implementation.Up(state, steps);
                if (documents is not null && implementation is MultipassDriver)
                {
                    applied = ApplyCommand.Apply(context, name, documents, steps);
                }
            }
            catch when (!parse.GetValue(retain))
            {
                try
                {
                    implementation.Down(name, new SilentStepReporter());
                }
                finally
                {
                    context.Store.Delete(name);
                }

                throw;
            }

            foreach (var line in applied)
            {
                context.Out.WriteLine(line);
            }

            if (implementation.ServesApi)
            {
                KubeconfigCommand.Publish(context, config);
            }

            context.Out.WriteLine($"Lab \"{name}\" is ready. Try:");
            context.Out.WriteLine(implementation.ServesApi ? $"  kubectl get nodes --context {KubeLab.Server.LabApi.ContextName(name)}" : $"  kubelab get nodes{NameFlag(name)}");
            if (documents is null)
            {
                // the seed's pinned addresses are the svclb pods' on a lab that runs ServiceLB
                context.Out.WriteLine(K3sAddons.Enabled(config, K3sAddons.ServiceLB)
                    ? $"  kubelab apply -f nginx-svc -f test-pod{NameFlag(name)}"
                    : $"  kubelab apply -f seed{NameFlag(name)}");
            }

            context.Out.WriteLine($"  kubelab tour{NameFlag(name)}");
            return 0;
        });
        return command;
    }

    /// <summary>The lab's certificates and API port, before the agent that serves them starts; the server CA's PEM.</summary>
    private static string? PrepareApi(CliContext context, ILabDriver driver, LabConfig config)
    {
        if (!driver.ServesApi)
        {
            return null;
        }

        var (pki, _) = KubeLab.Server.LabApi.Prepare(context.Store.LabDir(config.Name), config, context.Now());
        return File.ReadAllText(pki.ServerCaCertificate);
    }

    /// <summary>kubectl's: the first file in $KUBECONFIG, else ~/.kube/config.</summary>
    internal static string DefaultKubeconfig() =>
        Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } paths
            ? paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");

    internal static string NameFlag(string name) => name == CliContext.DefaultLabName() ? "" : $" --name {name}";
}
