using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using KubeLab.Core;
using KubeLab.Realize.Netns;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// The real nginx for an nginx pod: <c>ip netns exec &lt;ns&gt; nginx -p DIR -c DIR/nginx.conf -e DIR/error.log -g 'daemon off;'</c>,
/// with its configuration, pid file, logs and page under a folder of the lab. `ip netns exec` execs nginx in place,
/// so the process we start is nginx's master; stopping sends it SIGTERM (fast shutdown, workers included).
/// </summary>
public sealed partial class NginxWorkload : IAsyncDisposable
{
    public const string DefaultBinary = "/usr/sbin/nginx";

    private readonly Process process;
    private readonly WorkloadLog log;
    private readonly string source;
    private int stopped;

    private NginxWorkload(Process process, string directory, WorkloadLog log, string source)
    {
        this.process = process;
        Directory = directory;
        this.log = log;
        this.source = source;
    }

    /// <summary>nginx's master process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>Where nginx.conf, nginx.pid, the logs and html/ live.</summary>
    public string Directory { get; }

    public static bool IsInstalled(string binary = DefaultBinary) => File.Exists(binary);

    /// <summary>Starts nginx in <paramref name="netns"/> and waits until it accepts connections on port 80 there.</summary>
    public static async Task<NginxWorkload> StartAsync(string netns, string podName, IPAddress podIP, string labFolder,
        WorkloadLog log, string binary = DefaultBinary, int port = 80, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!IsInstalled(binary))
        {
            throw KubeLabException.Host($"nginx is not installed ({binary} is missing): install it (apt-get install -y nginx-light) or let KubeLab serve the built-in page");
        }

        NetnsThread.WarmUpRuntime();
        var directory = Path.GetFullPath(Path.Combine(labFolder, "nginx", netns));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "html"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "temp"));
        await File.WriteAllTextAsync(Path.Combine(directory, "html", "index.html"), PodPage.Html(podName, podIP, "nginx"), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), Config(directory, podName, port), cancellationToken).ConfigureAwait(false);

        var start = new ProcessStartInfo("ip")
        {
            ArgumentList = { "netns", "exec", netns, binary, "-p", directory + "/", "-c", Path.Combine(directory, "nginx.conf"), "-e", Path.Combine(directory, "error.log"), "-g", "daemon off;" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var source = $"nginx {netns}";
        var process = Process.Start(start) ?? throw KubeLabException.Host($"could not start: ip netns exec {netns} {binary} -c {directory}/nginx.conf -g 'daemon off;'");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Write(source, e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Write(source, e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var workload = new NginxWorkload(process, directory, log, source);
        log.Write(source, $"started nginx (pid {process.Id}) for pod {podName} ({podIP}) in {directory}");

        try
        {
            await WaitUntilListeningAsync(netns, port, process, timeout ?? TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await workload.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return workload;
    }

    /// <summary>The configuration: everything nginx writes stays under <paramref name="directory"/>.</summary>
    public static string Config(string directory, string podName, int port) => $$"""
        # Written by KubeLab for pod {{podName}}.
        # Workers run as root, not as the nginx package's www-data: the lab folder is its owner's alone (0700),
        # so an unprivileged worker could not reach html/ or temp/ under it.
        user root root;
        worker_processes 1;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log notice;
        events {
            worker_connections 1024;
        }
        http {
            # the nginx image's access log format (its /etc/nginx/nginx.conf)
            log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                            '$status $body_bytes_sent "$http_referer" '
                            '"$http_user_agent" "$http_x_forwarded_for"';
            access_log {{directory}}/access.log main;
            client_body_temp_path {{directory}}/temp/client_body;
            proxy_temp_path {{directory}}/temp/proxy;
            fastcgi_temp_path {{directory}}/temp/fastcgi;
            uwsgi_temp_path {{directory}}/temp/uwsgi;
            scgi_temp_path {{directory}}/temp/scgi;
            types {
                text/html html;
            }
            default_type text/html;
            keepalive_requests 100000;
            server {
                listen {{port}};
                server_name localhost;
                root {{directory}}/html;
                index index.html;
            }
        }

        """;

    private static async Task WaitUntilListeningAsync(string netns, int port, Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw KubeLabException.Host($"nginx exited with code {process.ExitCode} in netns {netns}; see its error.log");
            }

            // Inside the pod's namespace only: never dial lab addresses from the root namespace.
            using (var probe = NetnsThread.CreateSocket(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                }
                catch (SocketException e)
                {
                    throw KubeLabException.Timeout($"nginx in netns {netns} did not listen on port {port} within {timeout.TotalSeconds:0} s: {e.Message}");
                }
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                _ = Kill(process.Id, 15); // SIGTERM: nginx's fast shutdown stops the workers too
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().ConfigureAwait(false);
                }
            }

            log.Write(source, $"stopped nginx (pid {process.Id}, exit code {process.ExitCode})");
        }
        finally
        {
            process.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
