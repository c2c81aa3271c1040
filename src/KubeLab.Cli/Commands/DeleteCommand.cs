using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Api;
using KubeLab.Core.Control;

namespace KubeLab.Cli.Commands;

internal static class DeleteCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var files = CommonOptions.Files();
        var ns = CommonOptions.Namespace();
        var ignore = new Option<bool>("--ignore-not-found") { Description = "treat a missing object as deleted" };
        var wait = new Option<bool>("--wait")
        {
            Description = "wait until the objects are gone, as kubectl delete does (a pod terminates first: up to its grace period, 30 s for a process that ignores SIGTERM)",
            DefaultValueFactory = _ => true,
        };
        var type = new Argument<string?>("TYPE") { Description = "pod, service, deployment, replicaset, endpointslice, configmap, namespace, … (a lab whose agent runs: every resource its API server serves)", Arity = ArgumentArity.ZeroOrOne };
        var names = new Argument<string[]>("NAME") { Description = "the objects' names", Arity = ArgumentArity.ZeroOrMore };
        var kubeconfig = LiveOptions.Kubeconfig();
        var kubeContext = LiveOptions.Context();
        var command = new Command("delete", """
            Delete objects by file or by type and name.

            Objects are deleted as kubectl deletes them, through the lab's API server: a pod is Terminating until its
            containers stop, a Deployment's ReplicaSets and pods go with it (in the background), and the command waits
            until the objects are gone unless --wait=false.

            Examples:
              kubelab delete -f seed
              kubelab delete pod test-pod
              kubelab delete svc nginx-service -n default
            """)
        { lab, files, ns, ignore, wait, type, names, kubeconfig, kubeContext };
        command.SetAction(parse =>
        {
            using var live = LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext))
                ?? LiveOptions.LabApi(context, parse.GetValue(lab)!);
            var targets = new List<(string ApiVersion, ObjectRef Object)>();
            var fileList = parse.GetValue(files) ?? [];
            IReadOnlyList<Core.Manifests.ManifestDocument> documents = [];
            if (fileList.Length > 0)
            {
                // In the reverse order of apply, so that a file's Namespace goes after the objects in it (and a
                // Deployment before the ConfigMap it uses): otherwise deleting the Namespace first takes its
                // objects with it and the file's next objects are NotFound.
                var read = ManifestSources.Read(fileList, context.In, custom: true);
                live?.EnsureServed(read);
                documents = [.. read.Reverse()];
                targets.AddRange(documents.Select(d => (d.ApiVersion, new ObjectRef(d.Kind, string.IsNullOrEmpty(d.Namespace) ? live?.DefaultNamespace ?? "default" : d.Namespace, d.Name))));
            }
            else
            {
                var typeName = parse.GetValue(type)
                    ?? throw KubeLabException.Usage("You must provide one or more resources by argument or filename (e.g. `kubelab delete pod test-pod` or `kubelab delete -f seed`)");
                var objectNames = parse.GetValue(names) ?? [];
                if (objectNames.Length == 0)
                {
                    throw KubeLabException.Usage($"resource(s) were provided, but no name was specified (e.g. `kubelab delete {typeName} NAME`)");
                }

                // through an API server, any resource it serves (found in its discovery, as kubectl finds the type)
                var resource = live?.DiscoveredOrNone() is { Count: > 0 } served ? GetThroughApi.Resolve(served, typeName) : null;
                var kind = resource?.Kind ?? ResourceTypes.Kind(typeName);
                var apiVersion = resource?.GroupVersion ?? Core.Api.ApiResources.ForKind(kind)?.GroupVersion ?? "v1";
                targets.AddRange(objectNames.Select(n => (apiVersion, new ObjectRef(kind, parse.GetValue(ns) ?? live?.DefaultNamespace ?? "default", n))));
            }

            var lines = live is not null
                ? live.Delete([.. targets.Select(t => (t.ApiVersion, t.Object.Kind, t.Object.Namespace, t.Object.Name))], parse.GetValue(ignore), parse.GetValue(wait) ? TimeSpan.FromMinutes(2) : null)
                : ApplyCommand.Change(context, parse.GetValue(lab)!, context.Steps(),
                // the lab's store keys a custom resource by its kind and group, and a cluster-scoped one by no namespace
                state => ControlPlane.Delete(state, documents.Count > 0 ? [.. documents.Select(d => CustomResources.Target(state, d))] : [.. targets.Select(t => t.Object)],
                    context.Now(), parse.GetValue(ignore)));
            foreach (var line in lines)
            {
                context.Out.WriteLine(line);
            }

            return 0;
        });
        return command;
    }
}
