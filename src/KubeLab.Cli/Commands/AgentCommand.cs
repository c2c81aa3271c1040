using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Realize.Netns;
using KubeLab.Server;

namespace KubeLab.Cli.Commands;

/// <summary>The lab agent's entry point (started by `up`, not by people): workloads and the API server.</summary>
internal static class AgentCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var dir = new Option<string>("--dir") { Description = "the lab's folder", Required = true };
        var command = new Command("agent", "Run a lab's agent: its Kubernetes API server and, on a netns lab, its workloads (DNS, HTTP); started by `kubelab up`.") { lab, dir };
        command.Hidden = true;
        command.SetAction((parse, cancel) =>
        {
            var name = parse.GetValue(lab)!;
            var folder = parse.GetValue(dir)!;
            // the lab's own store (its folder's parent), whatever KUBELAB_HOME the agent inherited
            var own = new CliContext { Store = new KubeLab.Realize.Store.LabStore(Path.GetDirectoryName(Path.GetFullPath(folder))!), Out = context.Out, Err = context.Err, Now = context.Now };
            var code = LabAgent.Run(name, folder, cancel, new ApiCompanion(name, folder, context.Now, new StoreWriter(own, name)));
            Environment.Exit(code); // the DNS library's socket threads must not hold the process open
            return Task.FromResult(code);
        });
        return command;
    }

    /// <summary>
    /// The API server beside the workloads: on 127.0.0.1 (the lab's port) and, on a netns lab, at the server node's
    /// address :6443 inside its namespace, where the kubernetes Service's endpoint points.
    /// </summary>
    private sealed class ApiCompanion(string lab, string labDir, Func<DateTimeOffset> clock, ILabWriter writer) : IAgentCompanion
    {
        private readonly ClusterFeed feed = new();
        private readonly List<Socket> sockets = [];
        private ApiServer? server;

        public async Task StartAsync(ClusterState state, CancellationToken stop)
        {
            var (pki, port) = LabApi.Prepare(labDir, state.Config, clock());
            var node = state.Config.Server;
            if (state.Config.Driver == "netns")
            {
                var socket = NetnsThread.CreateSocket(NetnsNames.Node(lab, node.Name), AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(node.InternalIP, LabApi.NodePort));
                socket.Listen(512);
                sockets.Add(socket);
            }

            var options = new ApiServerOptions(port, sockets, $"{node.InternalIP}:{LabApi.NodePort}");
            var pods = state.Config.Driver == "netns" ? new NetnsPodRuntime(lab, labDir) : null;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    server = await ApiServer.StartAsync(pki, feed, options, writer, Console.Out, clock, stop, pods);
                    break;
                }
                catch (IOException e) when (attempt < 5 && e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                {
                    Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [apiserver] port {port} was taken meanwhile: {e.Message}; choosing another");
                    port = LabApi.ChooseNewPort(labDir);
                    options = options with { LoopbackPort = port };
                }
            }

            Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [apiserver] serving {LabApi.ServerUrl(port)}{(sockets.Count > 0 ? $" and https://{node.InternalIP}:{LabApi.NodePort} in {NetnsNames.Node(lab, node.Name)}" : "")}");
        }

        public void Publish(ClusterState state) => feed.Publish(state);

        public async ValueTask DisposeAsync()
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>The API's writes go through the same locked, synced commit as `kubelab apply`.</summary>
    private sealed class StoreWriter(CliContext context, string lab) : ILabWriter
    {
        private static readonly Lock Serial = new();

        public ClusterState Commit(Func<ClusterState, ClusterState> change)
        {
            // one write at a time inside the agent too: the lab's lock is a file lock, which does not exclude threads
            lock (Serial)
            {
                return ApplyCommand.Commit(context, lab, new Rendering.SilentStepReporter(), state => new ApplyResult(change(state), [])).State;
            }
        }
    }
}
