using System.CommandLine;
using KubeLab.Cli.Rendering;
using KubeLab.Core.Api;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Realize.Drivers;

namespace KubeLab.Cli.Commands;

internal static class ApplyCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var files = CommonOptions.Files();
        var kubeconfig = LiveOptions.Kubeconfig();
        var kubeContext = LiveOptions.Context();
        var command = new Command("apply", """
            Create or update objects from standard Kubernetes YAML.

            Kinds: the built-in kinds the lab serves (Deployment, Pod, Service, ConfigMap, Secret, RBAC, CRDs, MetalLB's
            pools, …) and the custom resources of its CRDs. All objects of the input are checked first (a custom resource
            against its CRD's schema): if any is invalid, nothing is applied.

            Examples:
              kubelab apply -f seed                   # built-in scenario (see `kubelab scenarios`)
              kubelab apply -f app.yaml -f svc.yaml
              kubectl create deploy web --image=nginx --dry-run=client -o yaml | kubelab apply -f -
            """)
        { lab, files, kubeconfig, kubeContext };
        command.SetAction(parse =>
        {
            var documents = ManifestSources.Read(parse.GetValue(files) ?? [], context.In, strict: true, custom: true);
            using var live = LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext));
            if (live is not null)
            {
                foreach (var line in live.Apply(documents, Warn(context)))
                {
                    context.Out.WriteLine(line);
                }

                return 0;
            }

            using var api = LiveOptions.LabApi(context, parse.GetValue(lab)!);
            if (api is not null)
            {
                // every object is checked against the lab as it is before any is sent: a file with an invalid object
                // applies nothing, and says where (file, line, field), as kubelab's apply always did
                Validate(context, parse.GetValue(lab)!, documents);
                foreach (var line in api.Apply(documents, Warn(context)))
                {
                    context.Out.WriteLine(line);
                }

                return 0;
            }

            foreach (var line in Apply(context, parse.GetValue(lab)!, documents, context.Steps()))
            {
                context.Out.WriteLine(line);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// Checks documents against the lab's current state with the control plane that will store them (nothing is
    /// written): the first invalid one is an error naming its file, line and field, before anything is sent.
    /// </summary>
    internal static void Validate(CliContext context, string lab, IReadOnlyList<ManifestDocument> documents)
    {
        var state = context.Load(lab);
        ControlPlane.Apply(state, [.. CustomResources.Admit(state, documents).Select(d => d with { Object = KubeObjects.Clone(d.Object) })], context.Now());
    }

    /// <summary>Prints a warning as kubectl prints the API server's: "Warning: " and the text, on standard error.</summary>
    internal static Action<string> Warn(CliContext context) => warning => context.Err.WriteLine("Warning: " + warning);

    /// <summary>Applies under the lab's lock; the data plane is synced before the new state is written.</summary>
    internal static IReadOnlyList<string> Apply(CliContext context, string lab, IReadOnlyList<ManifestDocument> documents, IStepReporter steps) =>
        Change(context, lab, steps, state => ControlPlane.Apply(state, CustomResources.Admit(state, documents), context.Now()));

    internal static IReadOnlyList<string> Change(CliContext context, string lab, IStepReporter steps, Func<ClusterState, ApplyResult> change)
    {
        ClusterState? before = null;
        var result = Commit(context, lab, steps, state =>
        {
            before = state;
            return change(state);
        });
        // No container runtime: a new pod whose image is not emulated is Running and serves nothing; say so.
        foreach (var warning in SnapshotBuilder.NotEmulatedWarnings(before!, result.State))
        {
            Warn(context)(warning);
        }

        return result.Messages;
    }

    /// <summary>
    /// A change under the lab's lock: the data plane is synced before the new state is written, and brought back if
    /// the sync fails (then nothing is written). Used by kubelab's own verbs and by the lab's API server.
    /// </summary>
    internal static ApplyResult Commit(CliContext context, string lab, IStepReporter steps, Func<ClusterState, ApplyResult> change) =>
        context.Store.Update(lab, stored =>
        {
            // first, under the lock: a change that was killed after the data plane and the agent took it but before
            // this state was written is completed (see AgentLauncher.RollForward); then this change is computed
            var before = Realize.Netns.AgentLauncher.RollForward(context.Store.LabDir(lab), stored);
            var result = change(before);
            // the Events the control plane recorded are stored with the change that made them
            result = result with { State = ClusterEvents.Store(result.State, result.Events, context.Now()), Events = [] };
            var driver = context.DriverOf(before);
            // before anything is synced: a lab whose agent died is degraded, and only `up` restarts the agent
            if (driver is IAgentHealth { ChangesNeedAgent: true } health && health.AgentProblem(lab) is { } problem)
            {
                throw Realize.Netns.AgentLauncher.AgentDown(lab, problem);
            }

            try
            {
                driver.Sync(before, result.State, steps);
            }
            catch
            {
                try
                {
                    driver.Sync(result.State, before, new SilentStepReporter());
                }
                catch (Exception rollback)
                {
                    context.Err.WriteLine($"warning: could not undo a partial change ({rollback.Message}); `kubelab up --name {lab}` converges the lab again");
                }

                throw;
            }

            return (result.State, result);
        });
}
