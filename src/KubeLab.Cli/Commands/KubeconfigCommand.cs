using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Model;
using KubeLab.Realize.Multipass;
using KubeLab.Server;

namespace KubeLab.Cli.Commands;

/// <summary>`kubelab kubeconfig`: the lab's kubeconfig (like `kind get kubeconfig`), and how up and down keep $KUBECONFIG.</summary>
internal static class KubeconfigCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var command = new Command("kubeconfig", """
            Print the lab's kubeconfig (context kubelab-<lab>), as `kind get kubeconfig` does.

            `kubelab up` already merges it into $KUBECONFIG (default ~/.kube/config) and makes it the current context;
            `kubelab down` removes it again. The file holds the admin's private key: keep it to yourself.

            Examples:
              kubelab kubeconfig > lab.yaml && kubectl --kubeconfig lab.yaml get nodes
              kubectl get pods -A --context kubelab-kubelab
            """)
        { lab };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(lab)!;
            var state = context.Load(name);
            var file = state.Config.Driver == "multipass"
                ? Path.Combine(context.Store.LabDir(name), "kubeconfig")
                : LabApi.KubeconfigFile(context.Store.LabDir(name));
            if (!File.Exists(file))
            {
                throw KubeLabException.NotFound($"lab \"{name}\" has no kubeconfig yet ({file}); `kubelab up --name {name}` makes it");
            }

            context.Out.Write(File.ReadAllText(file));
            return 0;
        });
        return command;
    }

    /// <summary>Writes the lab's kubeconfig (0600) and merges it into the user's as the current context.</summary>
    internal static void Publish(CliContext context, LabConfig config)
    {
        var labDir = context.Store.LabDir(config.Name);
        var port = LabApi.ReadPort(labDir) ?? throw KubeLabException.Host($"lab \"{config.Name}\" has no API port ({Path.Combine(labDir, LabApi.PortFileName)})");
        var name = LabApi.ContextName(config.Name);
        var text = KubeLab.Server.Pki.LabPki.At(labDir).Kubeconfig(name, LabApi.ServerUrl(port));
        SecretFile.Write(LabApi.KubeconfigFile(labDir), text);
        var target = context.Kubeconfig();
        Kubeconfig.Merge(target, text, name, makeCurrent: true);
        context.Out.WriteLine($"Set kubectl context to \"{name}\" ({target}).");
    }

    /// <summary>Removes the lab's context, cluster and user from the user's kubeconfig.</summary>
    internal static void Unpublish(CliContext context, string lab)
    {
        var target = context.Kubeconfig();
        if (Kubeconfig.Remove(target, LabApi.ContextName(lab)))
        {
            context.Out.WriteLine($"Removed context \"{LabApi.ContextName(lab)}\" from {target}.");
        }
    }
}
