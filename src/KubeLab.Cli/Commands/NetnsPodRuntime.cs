using System.Net;
using System.Net.Sockets;
using KubeLab.Core.Lab;
using KubeLab.Realize.Netns;
using KubeLab.Realize.Workloads;
using KubeLab.Server.Streaming;

namespace KubeLab.Cli.Commands;

/// <summary>The kubelet's and containerd's part of exec, port-forward and logs on a netns lab: the pods' namespaces on this kernel.</summary>
internal sealed class NetnsPodRuntime(string lab, string labDir) : IPodRuntime
{
    private string Netns(PodContainer container) => NetnsNames.Pod(lab, container.Namespace, container.Pod);

    public bool IsRunning(PodContainer container) => File.Exists(Path.Combine("/run/netns", Netns(container)));

    public IPodProcess Exec(PodContainer container, IReadOnlyList<string> command, bool tty, (int Width, int Height)? size)
    {
        var (exec, error) = PodExec.Start(Netns(container), container.Hostname, command, tty, size);
        return exec is null ? throw new ExecStartException(error!) : new Process(exec);
    }

    public async Task<Stream> ConnectAsync(PodContainer container, int port, CancellationToken cancel)
    {
        // containerd dials localhost inside the pod's namespace; never a lab address from the root namespace
        var socket = NetnsThread.CreateSocket(Netns(container), AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancel);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IPodLog OpenLog(PodContainer container)
    {
        var directory = NginxLog.DirectoryFor(labDir, Netns(container));
        // nginx pods have the real nginx's logs; other pods' emulated processes write nothing
        return new Log(Directory.Exists(directory) && container.Image?.Contains("nginx", StringComparison.Ordinal) != false ? new NginxLog(directory) : null);
    }

    private sealed class Log(NginxLog? nginx) : IPodLog
    {
        public IReadOnlyList<(DateTimeOffset Time, string Line)> ReadNew() => nginx?.ReadNew() ?? [];

        public void Dispose()
        {
        }
    }

    private sealed class Process(PodExec exec) : IPodProcess
    {
        public Stream Stdin => exec.Stdin;

        public Stream Stdout => exec.Stdout;

        public Stream? Stderr => exec.Stderr;

        public Task<int> Exited => exec.Exited;

        public void Resize(int width, int height) => exec.Resize(width, height);

        public ValueTask DisposeAsync()
        {
            exec.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
