using System.Net.Sockets;
using System.Runtime.InteropServices;
using KubeLab.Core;

namespace KubeLab.Realize.Netns;

/// <summary>
/// Runs code inside a network namespace from this process: a fresh thread calls setns(CLONE_NEWNET) on
/// /var/run/netns/&lt;name&gt;, runs a SYNCHRONOUS function and ends. Sockets keep the namespace they were created in,
/// so a socket made there serves that namespace from any thread afterwards.
/// The trap (docs: reference/spike-netns-dotnet.md): threads inherit the namespace of the thread that creates them,
/// and the runtime creates its threads lazily (sockets' epoll thread, thread-pool workers, the signal handler).
/// Call <see cref="WarmUpRuntime"/> once at startup, pass no async code here, and check with <see cref="Census"/>.
/// </summary>
public static partial class NetnsThread
{
    public const string NetnsDirectory = "/var/run/netns";
    private const int CloneNewNet = 0x40000000;
    private const int SockCloexec = 0x80000;

    private static int warmedUp;

    /// <summary>Runs <paramref name="function"/> on a new thread inside <paramref name="netns"/> and returns its result.</summary>
    public static T Run<T>(string netns, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var path = Path.Combine(NetnsDirectory, netns);
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                if (SetNs((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    throw KubeLabException.Host($"setns({path}, CLONE_NEWNET) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); does `ip netns list` show {netns}, and are we root?");
                }

                // The thread ends here and is never reused, so it need not switch back.
                result = function();
            }
            catch (FileNotFoundException e)
            {
                error = KubeLabException.NotFound($"network namespace \"{netns}\" not found ({path}); create it with `ip netns add {netns}`: {e.Message}");
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        {
            IsBackground = true,
            Name = $"netns:{netns}",
        };
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        return result;
    }

    public static void Run(string netns, Action action) => Run(netns, () =>
    {
        action();
        return 0;
    });

    /// <summary>
    /// A socket that lives in <paramref name="netns"/>: only the socket(2) call runs on the namespace thread; the fd is
    /// wrapped in a <see cref="Socket"/> here, so no runtime machinery starts inside the namespace.
    /// </summary>
    public static Socket CreateSocket(string netns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        var domain = family switch
        {
            AddressFamily.InterNetwork => 2,
            AddressFamily.InterNetworkV6 => 10,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "only IPv4 and IPv6 sockets"),
        };
        var kind = type switch
        {
            SocketType.Stream => 1,
            SocketType.Dgram => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "only stream and datagram sockets"),
        };
        var fd = Run(netns, () =>
        {
            var created = SocketSyscall(domain, kind | SockCloexec, (int)protocol);
            return created >= 0 ? created : -Marshal.GetLastPInvokeError();
        });
        if (fd < 0)
        {
            throw KubeLabException.Host($"socket() in network namespace \"{netns}\" failed: {Marshal.GetPInvokeErrorMessage(-fd)} (errno {-fd})");
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    /// <summary>
    /// Starts, in the current (root) namespace, the threads the runtime would otherwise create lazily on a namespace
    /// thread: the sockets engine, the console's signal handling, and enough thread-pool workers. Call once, early,
    /// from the main thread. Idempotent.
    /// </summary>
    public static void WarmUpRuntime(int minThreads = 8)
    {
        if (Interlocked.Exchange(ref warmedUp, 1) == 1)
        {
            return;
        }

        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, minThreads), Math.Max(io, minThreads));

        // The sockets engine thread starts with the first asynchronous socket operation.
        using (var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            a.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            var pending = a.ReceiveFromAsync(new byte[1], SocketFlags.None, new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
            a.Close();
            try
            {
                pending.Wait(TimeSpan.FromSeconds(1));
            }
            catch (AggregateException)
            {
                // cancelled by Close: expected
            }
        }

        _ = Console.Out;
        _ = Console.IsOutputRedirected;
        using var registration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => { });
        Task.WaitAll(Enumerable.Range(0, minThreads).Select(_ => Task.Run(() => Thread.Sleep(20))).ToArray());
        _ = Task.Delay(1).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>The namespace of the calling thread, as <c>net:[4026531833]</c>.</summary>
    public static string CurrentThreadNetns() => ReadLink("/proc/thread-self/ns/net") ?? "";

    /// <summary>The namespace of the process's main thread (/proc/self/ns/net): the root namespace when KubeLab runs normally.</summary>
    public static string MainThreadNetns() => ReadLink("/proc/self/ns/net") ?? "";

    /// <summary>The identity (<c>net:[inode]</c>) of a named namespace, comparable with <see cref="Census"/> entries.</summary>
    public static string NetnsIdentity(string netns) => Run(netns, CurrentThreadNetns);

    /// <summary>Every thread of this process with its name and network namespace (/proc/self/task/*/ns/net).</summary>
    public static IReadOnlyList<ThreadNetns> Census()
    {
        var threads = new List<ThreadNetns>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            var ns = ReadLink(Path.Combine(task, "ns", "net"));
            if (ns is null)
            {
                continue; // the thread ended while we looked
            }

            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            }
            catch (IOException)
            {
                continue;
            }

            threads.Add(new ThreadNetns(int.Parse(Path.GetFileName(task), System.Globalization.CultureInfo.InvariantCulture), name, ns));
        }

        return threads;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: false)?.ToString() is { } target ? Path.GetFileName(target) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketSyscall(int domain, int type, int protocol);
}

/// <summary>One thread and its network namespace (<c>net:[4026531833]</c>).</summary>
public sealed record ThreadNetns(int Tid, string Name, string Netns);
