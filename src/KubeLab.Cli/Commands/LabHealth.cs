using KubeLab.Core.Control;
using KubeLab.Realize.Drivers;

namespace KubeLab.Cli.Commands;

/// <summary>
/// Whether a lab's agent runs. The agent hosts the lab's API server (and on a netns lab CoreDNS and nginx), so when it
/// is dead nothing is left to report it: `kubelab list` and `kubelab get` read the state file and say so themselves.
/// </summary>
internal static class LabHealth
{
    /// <summary>"Degraded (agent not running: …)" with what to do, or null for a lab whose agent runs (or has none).</summary>
    public static string? Degraded(CliContext context, ClusterState state) =>
        context.DriverOf(state) is IAgentHealth health && health.AgentProblem(state.Config.Name) is { } problem
            ? $"lab \"{state.Config.Name}\" is Degraded (agent not running: {problem}): its API server{(state.Config.Driver == "netns" ? ", CoreDNS and nginx are" : " is")} down and its nodes are NotReady; `kubelab up --name {state.Config.Name}` restarts the agent"
            : null;
}
