using System.CommandLine;
using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;

namespace KubeLab.Cli.Commands;

internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var ns = CommonOptions.Namespace();
        var image = new Option<string>("--image") { Description = "the container image (emulated in a netns lab: the host's tools run in the pod's network namespace)", Required = true };
        var asCommand = new Option<bool>("--command") { Description = "the arguments after -- are the command, not arguments to the image's entrypoint" };
        var port = new Option<int?>("--port") { Description = "the port the container exposes" };
        var labels = new Option<string?>("--labels", "-l") { Description = "labels, e.g. app=web,tier=front (default run=NAME)" };
        var name = new Argument<string>("NAME") { Description = "the pod's name" };
        var args = new Argument<string[]>("ARGS") { Description = "command or arguments, after --", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("run", """
            Create a pod, as `kubectl run` does.


            Examples:
              kubelab run test-pod --image=nicolaka/netshoot --command -- sleep infinity
              kubelab run web --image=nginx --port=80
            """)
        { lab, ns, image, asCommand, port, labels, name, args };
        command.SetAction(parse =>
        {
            var podName = parse.GetValue(name)!;
            var podLabels = string.IsNullOrEmpty(parse.GetValue(labels))
                ? new Dictionary<string, string> { ["run"] = podName }
                : parse.GetValue(labels)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2))
                    .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "", StringComparer.Ordinal);
            var rest = parse.GetValue(args) ?? [];
            var container = new V1Container { Name = podName, Image = parse.GetValue(image) };
            if (rest.Length > 0)
            {
                if (parse.GetValue(asCommand))
                {
                    container.Command = rest;
                }
                else
                {
                    container.Args = rest;
                }
            }

            if (parse.GetValue(port) is { } p)
            {
                container.Ports = [new V1ContainerPort { ContainerPort = p }];
            }

            var pod = new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta { Name = podName, NamespaceProperty = parse.GetValue(ns) ?? "default", Labels = podLabels },
                Spec = new V1PodSpec { Containers = [container], RestartPolicy = "Always", DnsPolicy = "ClusterFirst" },
            };
            var document = new ManifestDocument("kubelab run", 1, "v1", "Pod", pod);
            using var api = LiveOptions.LabApi(context, parse.GetValue(lab)!);
            if (api is not null)
            {
                // the lab's API server creates it, as for `kubectl run` (manager kubectl-run, no last-applied annotation);
                // it answers AlreadyExists for a pod of that name
                context.Out.WriteLine(api.Create(pod, "v1", "Pod", "kubectl-run", ApplyCommand.Warn(context)));
                return 0;
            }

            var lines = ApplyCommand.Change(context, parse.GetValue(lab)!, context.Steps(), state =>
            {
                if (state.Find("Pod", pod.Metadata.NamespaceProperty, podName) is not null)
                {
                    throw KubeLab.Core.KubeLabException.Conflict($"Error from server (AlreadyExists): pods \"{podName}\" already exists");
                }

                // kubectl run creates the pod as its manager "kubectl-run", with no last-applied-configuration
                return ControlPlane.Apply(state, [document], context.Now(), recordLastApplied: false, manager: _ => "kubectl-run");
            });
            foreach (var line in lines)
            {
                context.Out.WriteLine(line);
            }

            return 0;
        });
        return command;
    }
}
