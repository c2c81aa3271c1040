using KubeLab.Core.Control;
using KubeLab.Core.Model;
using KubeLab.Realize.Netns;
using KubeLab.Realize.Store;

namespace KubeLab.Realize.Drivers;

/// <summary>Shows long steps as they run (a spinner on a terminal, plain lines otherwise).</summary>
public interface IStepReporter
{
    T Step<T>(string title, Func<T> action);

    void Info(string line);
}

public static class StepReporterExtensions
{
    public static void Step(this IStepReporter steps, string title, Action action) =>
        steps.Step(title, () =>
        {
            action();
            return 0;
        });
}

/// <summary>Where a lab's data plane lives: nowhere (none), the local kernel (netns), or VMs (multipass).</summary>
public interface ILabDriver
{
    string Name { get; }

    /// <summary>True when the lab agent serves the lab's Kubernetes API (netns and none labs); multipass labs have k3s's own.</summary>
    bool ServesApi => false;

    /// <summary>Checks, before anything is made, that this driver can run here (root, tools).</summary>
    void Preflight(LabConfig config);

    /// <summary>Builds the lab for <paramref name="state"/>; converges if parts exist already.</summary>
    void Up(ClusterState state, IStepReporter steps);

    /// <summary>Brings the realised lab from <paramref name="before"/> to <paramref name="after"/>.</summary>
    void Sync(ClusterState before, ClusterState after, IStepReporter steps);

    /// <summary>Removes everything the lab made, found by the lab's name even if its state is gone.</summary>
    void Down(string lab, IStepReporter steps);

    /// <summary>Runs a command in a pod's or node's context with the caller's stdio; returns its exit code.</summary>
    int Exec(ClusterState state, string target, IReadOnlyList<string> command);
}

/// <summary>
/// The model-only lab: nothing is realised; get, rules and trace work from the model, and the lab agent (started
/// without workloads, no root needed) serves the model over the Kubernetes API. Without an agent launcher
/// (<paramref name="agents"/> null) there is no API server: the model lives in the state file alone.
/// </summary>
public sealed class NoneDriver(LabStore? store = null, IAgentLauncher? agents = null) : ILabDriver, IAgentHealth
{
    public string Name => "none";

    public bool ServesApi => agents is not null && store is not null;

    public void Preflight(LabConfig config)
    {
    }

    public void Up(ClusterState state, IStepReporter steps)
    {
        if (ServesApi)
        {
            steps.Step("Starting the lab agent (the Kubernetes API server)", () => agents!.Start(store!.LabDir(state.Config.Name), state.Config.Name, state));
        }
    }

    public void Sync(ClusterState before, ClusterState after, IStepReporter steps)
    {
        // a lab made without an agent (or whose agent is gone) stays a model in its state file; `up` starts the agent
        if (ServesApi && agents!.IsRunning(store!.LabDir(after.Config.Name)))
        {
            agents.Update(store.LabDir(after.Config.Name), after.Config.Name, after);
        }
    }

    public void Down(string lab, IStepReporter steps)
    {
        if (ServesApi)
        {
            agents!.Stop(store!.LabDir(lab), lab);
        }
    }

    public string? AgentProblem(string lab) => ServesApi ? agents!.Problem(store!.LabDir(lab)) : null;

    public bool ChangesNeedAgent => false;

    public int Exec(ClusterState state, string target, IReadOnlyList<string> command) =>
        throw KubeLab.Core.KubeLabException.Usage(
            $"lab \"{state.Config.Name}\" uses the driver \"none\" (a model without a data plane): there is nothing to exec into; create a lab with `kubelab up --driver netns` (Linux, root)");
}

/// <summary>
/// A driver whose lab runs an agent: the lab's API server and, on a netns lab, its kubelet's work (CoreDNS, nginx).
/// When the agent is dead the lab is degraded, and `kubelab list` and `kubelab get` say so themselves (the API server
/// that would say it is gone with the agent); `kubelab up` restarts it, and nothing else does.
/// </summary>
public interface IAgentHealth
{
    /// <summary>Why the lab's agent is not running (e.g. "process 1234 has exited; its log: …"), or null when it runs.</summary>
    string? AgentProblem(string lab);

    /// <summary>
    /// True when a change cannot be realised without the agent (netns: it is the kubelet that starts the new pods'
    /// CoreDNS and nginx), so a change to a lab whose agent died is refused rather than restarting it behind the
    /// user's back; false when the state file alone holds the change (none: `up` hands it to the next agent).
    /// </summary>
    bool ChangesNeedAgent { get; }
}

/// <summary>A driver that can read a node's live state and addresses (for `kubelab list`).</summary>
public interface INodeInspector
{
    (string State, IReadOnlyList<string> IPv4) Inspect(ClusterState state, string node);
}

/// <summary>A node's state as its tools print it: what `trace` and `rules --live` interpret.</summary>
public sealed record NodeTexts(string IptablesSave, string Routes, string Neighbours, string Fdb, string? Addresses)
{
    private const string Marker = "----kubelab-node-state----";

    /// <summary>One shell command that prints all of a node's state, for readers that can run just one command.</summary>
    public static string Script =>
        $"iptables-save; echo {Marker}; ip route show; ip route show table local type unicast; echo {Marker}; ip neigh show; echo {Marker}; bridge fdb show; echo {Marker}; ip -o addr show";

    /// <summary>Splits the output of <see cref="Script"/>.</summary>
    public static NodeTexts Parse(string output)
    {
        var parts = output.Split(Marker + "\n");
        return parts.Length == 5
            ? new NodeTexts(parts[0], parts[1], parts[2], parts[3], string.IsNullOrWhiteSpace(parts[4]) ? null : parts[4])
            : throw KubeLab.Core.KubeLabException.Host($"unexpected node state output ({parts.Length} parts instead of 5)");
    }
}

/// <summary>A driver that can read each node's real iptables, routes, neighbours and FDB.</summary>
public interface INodeStateReader
{
    NodeTexts ReadNode(ClusterState state, string node);

    /// <summary>Runs a command in a pod's or node's context and returns its exit code and output.</summary>
    (int ExitCode, string Output, string Error) Capture(ClusterState state, string target, IReadOnlyList<string> command);
}
