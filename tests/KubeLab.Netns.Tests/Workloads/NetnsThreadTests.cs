using KubeLab.Realize.Netns;

namespace KubeLab.Netns.Tests.Workloads;

[Collection("netns")]
[Trait("Category", "Netns")]
public sealed class NetnsThreadTests
{
    [SkippableFact]
    public void Run_executes_inside_the_namespace_and_leaves_the_caller_where_it_was()
    {
        Requires.Root();
        using var net = new ScratchNetwork();
        var before = NetnsThread.CurrentThreadNetns();
        var inside = NetnsThread.Run(net.A, NetnsThread.CurrentThreadNetns);
        Assert.NotEqual(before, inside);
        Assert.Equal(inside, NetnsThread.NetnsIdentity(net.A));
        Assert.NotEqual(inside, NetnsThread.NetnsIdentity(net.B));
        Assert.Equal(before, NetnsThread.CurrentThreadNetns());
        // /proc/net is /proc/self/net: the MAIN thread's namespace. A namespace thread must read /proc/thread-self/net.
        var addresses = NetnsThread.Run(net.A, () => File.ReadAllText("/proc/thread-self/net/fib_trie"));
        Assert.Contains(net.AddressA.ToString(), addresses, StringComparison.Ordinal);
        Assert.DoesNotContain(net.AddressA.ToString(), NetnsThread.Run(net.A, () => File.ReadAllText("/proc/net/fib_trie")), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Census_sees_a_thread_that_inherited_a_pod_namespace()
    {
        Requires.Root();
        using var net = new ScratchNetwork();
        using var release = new ManualResetEventSlim();
        Thread? stray = null;
        NetnsThread.Run(net.A, () =>
        {
            // The trap the warm-up avoids: a thread started here lives in the pod's namespace.
            stray = new Thread(() => release.Wait()) { Name = "kl-stray", IsBackground = true };
            stray.Start();
        });
        try
        {
            var identity = NetnsThread.NetnsIdentity(net.A);
            Assert.Contains(NetnsThread.Census(), t => t.Name == "kl-stray" && t.Netns == identity);
        }
        finally
        {
            release.Set();
            stray!.Join();
        }
    }

    [SkippableFact]
    public void Unknown_namespace_is_a_clear_error()
    {
        Requires.Root();
        var error = Assert.Throws<KubeLab.Core.KubeLabException>(() => NetnsThread.Run("kl-tnosuch-x", () => 1));
        Assert.Contains("ip netns add kl-tnosuch-x", error.Message, StringComparison.Ordinal);
    }
}
