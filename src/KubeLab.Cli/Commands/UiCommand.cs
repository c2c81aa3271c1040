using System.CommandLine;
using System.Diagnostics;
using KubeLab.Core;
using KubeLab.Ui;

namespace KubeLab.Cli.Commands;

internal static class UiCommand
{
    public const int DefaultPort = 8001;

    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var port = new Option<int>("--port") { Description = $"the port on 127.0.0.1 (default {DefaultPort}; 0 takes a free one)", DefaultValueFactory = _ => DefaultPort, HelpName = "N" };
        var open = new Option<bool>("--open") { Description = "also open the page in the desktop's browser (xdg-open), when there is a desktop" };
        var command = new Command("ui", """
            Serve the lab in a browser, on 127.0.0.1 only.

            Topology: the host bridge, each node's ens3, flannel.1 and cni0, the pods with their veths and IPs, the
            Services with their ClusterIPs and endpoints, and the VXLAN mesh; it follows the lab as objects change.
            Trace: a request's path hop by hop over the topology (the same as `kubelab trace -o json`), each hop with
            the command that shows it. Rules: a node's nat and filter chains as a graph with the kernel's counters.

            Examples:
              kubelab ui
              kubelab ui --name demo --port 0 --open
              # then http://127.0.0.1:8001/trace?from=test-pod&to=http://nginx-service/
            """)
        { lab, port, open };
        command.SetAction(async (parse, cancellation) =>
        {
            var name = parse.GetValue(lab)!;
            var number = parse.GetValue(port);
            if (number is < 0 or > 65535)
            {
                throw KubeLabException.Usage($"--port: Invalid value: {number}: a port is 0 (any free port) to 65535");
            }

            var state = context.Load(name);
            await using var server = await UiServer.StartAsync(SourceFor(context, name), state.Config.Driver, number, cancellation: cancellation);
            context.Out.WriteLine($"KubeLab UI for lab \"{name}\" ({state.Config.Driver}): {server.Url}");
            context.Out.WriteLine($"  trace: {server.Url}trace?from=test-pod&to=http://nginx-service/");
            context.Out.WriteLine("  listening on 127.0.0.1 only; Ctrl+C stops it");
            if (parse.GetValue(open))
            {
                context.Out.WriteLine(OpenBrowser(server.Url));
            }

            context.Out.Flush();
            try
            {
                await server.WaitForShutdownAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }

    /// <summary>The lab's data for the page; the one place to point at the lab's API server instead.</summary>
    internal static ILabSource SourceFor(CliContext context, string lab) => new StoreLabSource(context.Store, lab, context.DriverOf);

    private static string OpenBrowser(Uri url)
    {
        if (Environment.GetEnvironmentVariable("DISPLAY") is not { Length: > 0 } && Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is not { Length: > 0 })
        {
            return "--open: no desktop here (neither DISPLAY nor WAYLAND_DISPLAY is set); open the URL in a browser yourself";
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo("xdg-open", [url.ToString()]) { UseShellExecute = false });
            return $"opened {url} with xdg-open";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "--open: xdg-open is not installed (apt-get install xdg-utils); open the URL in a browser yourself";
        }
    }
}
