using System.CommandLine;
using KubeLab.Core;

namespace KubeLab.Cli.Commands;

internal static class ExecCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var ns = CommonOptions.Namespace();
        var target = new Argument<string>("TARGET") { Description = "a pod (in --namespace) or a node (vm1, vm2, ...)" };
        var args = new Argument<string[]>("COMMAND") { Description = "the command to run, after --", Arity = ArgumentArity.OneOrMore };
        var interactive = new Option<bool>("--stdin", "-i") { Description = "accepted for kubectl habits; stdin is always passed through" };
        var tty = new Option<bool>("--tty", "-t") { Description = "accepted for kubectl habits" };
        var command = new Command("exec", """
            Run a command in a pod or on a node.

            netns labs: in the pod's or node's network namespace, with the pod's resolv.conf and hosts (the host's
            tools play the image). multipass labs: through multipass / the API server.

            Examples:
              kubelab exec test-pod -- curl -s http://nginx-service:80/
              kubelab exec test-pod -- cat /etc/resolv.conf
              kubelab exec vm1 -- ip route show
              kubelab exec vm1 -- iptables -t nat -L KUBE-SVC-V2OKYYMBY3REGZOG -n
            """)
        { lab, ns, interactive, tty, target, args };
        command.SetAction(parse =>
        {
            var state = context.Load(parse.GetValue(lab)!);
            var name = parse.GetValue(target)!;
            var isNode = state.Config.Nodes.Any(n => n.Name == name);
            var podNamespace = parse.GetValue(ns) ?? "default";
            if (!isNode && state.Find("Pod", podNamespace, name) is null)
            {
                throw KubeLabException.NotFound($"Error from server (NotFound): pods \"{name}\" not found in namespace \"{podNamespace}\" (nodes: {string.Join(", ", state.Config.Nodes.Select(n => n.Name))})");
            }

            context.Out.Flush();
            return context.DriverOf(state).Exec(state, isNode ? name : $"{podNamespace}/{name}", parse.GetValue(args)!);
        });
        return command;
    }
}
