namespace KubeLab.Server.Streaming;

/// <summary>A pod's container as the runtime knows it: what exec, logs and port-forward act on.</summary>
public sealed record PodContainer(string Namespace, string Pod, string Container, string Hostname, string? Image);

/// <summary>
/// What the kubelet and the container runtime do for the API's streaming subresources, on the machine that runs the
/// lab's pods. The API server checks the request (pod, container, options) and speaks the wire protocols; this runs
/// the processes, opens the sockets and reads the logs.
/// </summary>
public interface IPodRuntime
{
    /// <summary>Whether the container runs here (false: a model-only lab, or a pod with no sandbox yet).</summary>
    bool IsRunning(PodContainer container);

    /// <summary>
    /// Starts <paramref name="command"/> in the container (with a terminal of <paramref name="size"/> when
    /// <paramref name="tty"/>); <see cref="ExecStartException"/> when it cannot start.
    /// </summary>
    IPodProcess Exec(PodContainer container, IReadOnlyList<string> command, bool tty, (int Width, int Height)? size);

    /// <summary>A connection to localhost:<paramref name="port"/> inside the pod's network namespace, as containerd makes for port-forward.</summary>
    Task<Stream> ConnectAsync(PodContainer container, int port, CancellationToken cancel);

    /// <summary>The container's log (what its process writes to stdout and stderr), read as it grows.</summary>
    IPodLog OpenLog(PodContainer container);
}

/// <summary>A container's log being read.</summary>
public interface IPodLog : IDisposable
{
    /// <summary>The complete lines written since the last call (the first call: all of them), oldest first, with their times.</summary>
    IReadOnlyList<(DateTimeOffset Time, string Line)> ReadNew();
}

/// <summary>A running exec: its standard streams, its exit code, and its terminal size when it has a terminal.</summary>
public interface IPodProcess : IAsyncDisposable
{
    Stream Stdin { get; }

    Stream Stdout { get; }

    /// <summary>Null with a terminal (the terminal merges stderr into stdout).</summary>
    Stream? Stderr { get; }

    Task<int> Exited { get; }

    void Resize(int width, int height);
}

/// <summary>The runtime could not start the command (runc's reason, e.g. `exec: "x": executable file not found in $PATH`).</summary>
public sealed class ExecStartException(string reason) : Exception(reason);
