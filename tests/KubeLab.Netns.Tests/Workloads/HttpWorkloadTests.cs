using KubeLab.Realize.Workloads;

namespace KubeLab.Netns.Tests.Workloads;

[Collection("netns")]
[Trait("Category", "Netns")]
public sealed class HttpWorkloadTests
{
    private const string Pod = "nginx-deployment-7c79c4bf97-gk7cj";

    [SkippableFact]
    public async Task Built_in_server_serves_a_page_naming_the_pod_and_its_IP()
    {
        Requires.Root();
        using var net = new ScratchNetwork();
        await using var http = HttpWorkload.Start(net.A, Pod, net.AddressA, WorkloadLog.Null);

        var page = ScratchNetwork.Exec(net.B, "curl", "-s", "--max-time", "5", $"http://{net.AddressA}/");
        Assert.Equal(0, page.ExitCode);
        Assert.Contains(PodPage.ServedBy(Pod, net.AddressA), page.Stdout, StringComparison.Ordinal);
        Assert.Contains("<title>Welcome to nginx!</title>", page.Stdout, StringComparison.Ordinal);

        // Keep-alive: two requests on one connection, and HEAD.
        var two = ScratchNetwork.Exec(net.B, "curl", "-s", "--max-time", "5", $"http://{net.AddressA}/", $"http://{net.AddressA}/x");
        Assert.Equal(2, two.Stdout.Split(PodPage.ServedBy(Pod, net.AddressA)).Length - 1);
        var head = ScratchNetwork.Exec(net.B, "curl", "-sI", "--max-time", "5", $"http://{net.AddressA}/");
        Assert.StartsWith("HTTP/1.1 200 OK", head.Stdout, StringComparison.Ordinal);
        Assert.True(http.Requests >= 4);
    }

    [SkippableFact]
    public async Task Built_in_server_answers_a_thousand_requests_on_one_connection_and_fifty_on_new_ones()
    {
        Requires.Root();
        using var net = new ScratchNetwork();
        await using var http = HttpWorkload.Start(net.A, Pod, net.AddressA, WorkloadLog.Null);
        var keepAlive = ScratchNetwork.Exec(net.B, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\n", "--max-time", "15", $"http://{net.AddressA}/[1-1000]");
        Assert.Equal(1000, keepAlive.Stdout.Split('\n').Count(l => l == "200"));
        var fresh = ScratchNetwork.Exec(net.B, "sh", "-c",
            $"for i in $(seq 50); do curl -s -o /dev/null -w '%{{http_code}}\\n' --max-time 5 http://{net.AddressA}/; done");
        Assert.Equal(50, fresh.Stdout.Split('\n').Count(l => l == "200"));
        Assert.Equal(1050, http.Requests);
    }

    [SkippableFact]
    public async Task Stopped_server_refuses_connections()
    {
        Requires.Root();
        using var net = new ScratchNetwork();
        var http = HttpWorkload.Start(net.A, Pod, net.AddressA, WorkloadLog.Null);
        await http.DisposeAsync();
        var result = ScratchNetwork.Exec(net.B, "curl", "-s", "--max-time", "5", $"http://{net.AddressA}/");
        Assert.Equal(7, result.ExitCode); // couldn't connect
    }

    [SkippableFact]
    public async Task Real_nginx_runs_in_the_pod_namespace_and_stops_by_its_pid()
    {
        Requires.Root();
        Requires.Tool(NginxWorkload.DefaultBinary, "nginx-light");
        using var net = new ScratchNetwork();
        var folder = Directory.CreateTempSubdirectory("kubelab-nginx-test-");
        var log = new StringWriter();
        try
        {
            var nginx = await NginxWorkload.StartAsync(net.A, Pod, net.AddressA, folder.FullName, new WorkloadLog(log));
            int pid;
            try
            {
                pid = nginx.ProcessId;
                var page = ScratchNetwork.Exec(net.B, "curl", "-s", "-i", "--max-time", "5", $"http://{net.AddressA}/");
                Assert.Equal(0, page.ExitCode);
                Assert.Contains("Server: nginx", page.Stdout, StringComparison.Ordinal);
                Assert.Contains(PodPage.ServedBy(Pod, net.AddressA), page.Stdout, StringComparison.Ordinal);
                Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(nginx.Directory, "nginx.pid")).Trim());
                // nginx logs a request after it has answered it: poll, with a deadline
                var accessLog = Path.Combine(nginx.Directory, "access.log");
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (!File.ReadAllText(accessLog).Contains("GET / HTTP/1.1", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(10);
                }

                Assert.Contains("GET / HTTP/1.1", File.ReadAllText(accessLog), StringComparison.Ordinal);
            }
            finally
            {
                await nginx.DisposeAsync();
            }

            Assert.False(Directory.Exists($"/proc/{pid}"), $"nginx {pid} still runs");
            Assert.DoesNotContain("nginx", ScratchNetwork.Exec(net.A, "ss", "-ltnp").Stdout, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
