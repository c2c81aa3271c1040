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

    private NginxWorkload(Process process, string directory, string served, WorkloadLog log, string source)
    {
        this.process = process;
        Directory = directory;
        Served = served;
        this.log = log;
        this.source = source;
    }

    /// <summary>nginx's master process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>Where nginx.conf, nginx.pid and the logs live (the master's alone, in the 0700 lab folder).</summary>
    public string Directory { get; }

    /// <summary>What the workers read and write: html/ and temp/ (see <see cref="ServedFolder"/>).</summary>
    public string Served { get; }

    /// <summary>Where the workers' files of every lab's nginx pods live: outside the lab folders, which are 0700.</summary>
    public const string ServedRoot = "/run/kubelab/nginx";

    /// <summary>
    /// The pod's html/ and temp/: the workers run as www-data (as Debian's nginx package runs them) and cannot pass
    /// the 0700 lab folder, so these live under <see cref="ServedRoot"/>, one folder per pod namespace (machine-wide
    /// unique), root:www-data 0750 with the page 0640: the workers and root read them, other users do not. The
    /// master (root) keeps the config, pid file and logs in the lab folder; it opens the logs before the workers start.
    /// </summary>
    public static string ServedFolder(string netns) => Path.Combine(ServedRoot, netns);

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task PrepareServedFolderAsync(string served, WorkerUser worker, string page, CancellationToken cancellationToken)
    {
        const UnixFileMode Shared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        // /run/kubelab and its nginx/ 0755 (the agent's umask 077 would make them 0700): the workers pass through them
        foreach (var folder in new[] { Path.GetDirectoryName(ServedRoot)!, ServedRoot })
        {
            System.IO.Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, File.GetUnixFileMode(folder) | Shared | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        foreach (var folder in new[] { served, Path.Combine(served, "html"), Path.Combine(served, "temp") })
        {
            System.IO.Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, Shared);
            worker.GiveGroup(folder);
        }

        var index = Path.Combine(served, "html", "index.html");
        await File.WriteAllTextAsync(index, page, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(index, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        worker.GiveGroup(index);
    }

    /// <summary>Removes a pod's served folder (its nginx has stopped, or its lab is being removed).</summary>
    public static void RemoveServedFolder(string served)
    {
        try
        {
            System.IO.Directory.Delete(served, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

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
        System.IO.Directory.CreateDirectory(directory);
        var worker = WorkerUser.Find();
        var served = ServedFolder(netns);
        if (OperatingSystem.IsWindows())
        {
            throw KubeLabException.Usage("nginx pods need Linux (network namespaces)");
        }

        await PrepareServedFolderAsync(served, worker, PodPage.Html(podName, podIP, "nginx"), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), Config(directory, served, worker.Name, podName, port), cancellationToken).ConfigureAwait(false);

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
        var workload = new NginxWorkload(process, directory, served, log, source);
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

    /// <summary>
    /// The configuration: the master's files (pid, logs) under <paramref name="directory"/>, the workers' (html, temp)
    /// under <paramref name="served"/>, workers as <paramref name="user"/> (Debian's nginx.conf: `user www-data;`).
    /// </summary>
    public static string Config(string directory, string served, string user, string podName, int port) => $$"""
        # Written by KubeLab for pod {{podName}}.
        user {{user}};
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
            client_body_temp_path {{served}}/temp/client_body;
            proxy_temp_path {{served}}/temp/proxy;
            fastcgi_temp_path {{served}}/temp/fastcgi;
            uwsgi_temp_path {{served}}/temp/uwsgi;
            scgi_temp_path {{served}}/temp/scgi;
            types {
                text/html html;
            }
            default_type text/html;
            keepalive_requests 100000;
            server {
                listen {{port}};
                server_name localhost;
                root {{served}}/html;
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
            RemoveServedFolder(Served);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>The user nginx's workers run as: www-data as Debian's package has it, else nobody (nginx's own default).</summary>
internal sealed record WorkerUser(string Name, int Uid, int Gid)
{
    public static WorkerUser Find()
    {
        foreach (var name in new[] { "www-data", "nobody" })
        {
            var entry = File.Exists("/etc/passwd")
                ? File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 3 && f[0] == name)
                : null;
            if (entry is not null && int.TryParse(entry[2], System.Globalization.CultureInfo.InvariantCulture, out var uid)
                && int.TryParse(entry[3], System.Globalization.CultureInfo.InvariantCulture, out var gid))
            {
                // nginx's `user NAME;` takes the group of the same name; name the user's own group when that differs
                var group = File.ReadLines("/etc/group").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 2 && f[2] == entry[3])?[0] ?? name;
                return new WorkerUser(group == name ? name : $"{name} {group}", uid, gid);
            }
        }

        throw KubeLabException.Host("neither www-data nor nobody is a user on this machine: nginx's workers need an unprivileged user (Debian's nginx package uses www-data)");
    }

    /// <summary>root:&lt;the worker's group&gt;, so the workers read what the mode gives the group.</summary>
    public void GiveGroup(string path)
    {
        if (LibC.Chown(path, 0, Gid) != 0)
        {
            throw KubeLabException.Host($"chown root:{Gid} {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }
}
