using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Lab;
using KubeLab.Realize.Netns;

namespace KubeLab.Cli.Commands;

internal static class ExecCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var ns = CommonOptions.Namespace();
        var target = new Argument<string>("TARGET") { Description = "a pod (in --namespace), a node (vm1, vm2, ...), or on netns labs the host or vm-ext" };
        var args = new Argument<string[]>("COMMAND") { Description = "the command to run, after --", Arity = ArgumentArity.OneOrMore };
        var interactive = new Option<bool>("--stdin", "-i") { Description = "accepted for kubectl habits; stdin is always passed through" };
        var tty = new Option<bool>("--tty", "-t") { Description = "accepted for kubectl habits" };
        var kubeconfig = LiveOptions.Kubeconfig();
        var kubeContext = LiveOptions.Context();
        var command = new Command("exec", """
            Run a command in a pod or on a node.

            netns labs: in the pod's or node's network namespace, with the pod's resolv.conf and hosts (the host's
            tools play the image). `host` is the machine the VMs live on (the underlay's namespace with mpqemubr0
            10.65.94.1, never this machine's own network), `vm-ext` the external VM of `up --vm-ext`.
            multipass labs: through multipass / the API server.

            Examples:
              kubelab exec test-pod -- curl -s http://nginx-service:80/
              kubelab exec test-pod -- cat /etc/resolv.conf
              kubelab exec vm1 -- ip route show
              kubelab exec vm1 -- iptables -t nat -L KUBE-SVC-V2OKYYMBY3REGZOG -n
              kubelab exec host -- curl -s http://10.65.94.199:30000/
            """)
        { lab, ns, interactive, tty, kubeconfig, kubeContext, target, args };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(target)!;
            using var live = LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext));
            var podNamespace = parse.GetValue(ns) ?? live?.DefaultNamespace ?? "default";
            var external = parse.GetValue(kubeconfig) is not null;
            if (live is not null && (external || !context.Load(parse.GetValue(lab)!).Config.Nodes.Any(n => n.Name == name)))
            {
                // A pod of a real cluster: the API server's exec (a node of a cluster KubeLab did not make is not reachable yet).
                context.Out.Flush();
                using var stdout = Console.OpenStandardOutput();
                using var stderr = Console.OpenStandardError();
                return live.Exec(podNamespace, name, parse.GetValue(args)!, stdout, stderr);
            }

            var state = context.Load(parse.GetValue(lab)!);
            // machines come before pods, as nodes do: the nodes, then (netns) the host and vm-ext
            var isMachine = state.Config.Nodes.Any(n => n.Name == name)
                || (state.Config.Driver == "netns" && NetnsDriver.MachineNamespace(state.Config, name) is not null);
            if (!isMachine && state.Config.Driver != "multipass" && state.Find("Pod", podNamespace, name) is null)
            {
                var machines = state.Config.Nodes.Select(n => n.Name).ToList();
                if (state.Config.Driver == "netns")
                {
                    machines.Add(NetnsNames.HostMachine);
                    if (state.Config.ExternalVm)
                    {
                        machines.Add(NetnsNames.ExternalVmMachine);
                    }
                }

                var hint = name == NetnsNames.ExternalVmMachine && state.Config.Driver == "netns" ? "; this lab has no vm-ext: `kubelab down` and `kubelab up --vm-ext` make one" : "";
                throw KubeLabException.NotFound($"Error from server (NotFound): pods \"{name}\" not found in namespace \"{podNamespace}\" (machines: {string.Join(", ", machines)}){hint}");
            }

            context.Out.Flush();
            return context.DriverOf(state).Exec(state, isMachine ? name : $"{podNamespace}/{name}", parse.GetValue(args)!);
        });
        return command;
    }
}
