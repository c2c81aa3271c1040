using KubeLab.Core.Control;

namespace KubeLab.Realize.Netns;

/// <summary>Starts, updates and stops a lab's agent process (the workloads: DNS, HTTP).</summary>
public interface IAgentLauncher
{
    bool IsRunning(string labDir);

    /// <summary>Why the agent is not running (its pid and log), or null when it runs.</summary>
    string? Problem(string labDir);

    /// <summary>Starts the agent for <paramref name="state"/> and waits until it serves it.</summary>
    void Start(string labDir, string lab, ClusterState state);

    /// <summary>Hands the agent a new state and waits until it serves it.</summary>
    void Update(string labDir, string lab, ClusterState state);

    /// <summary>Stops the agent and every process it started, by their process ids.</summary>
    void Stop(string labDir, string lab);
}
