using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubeLab.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/KubeLab.Bench -- api PATH/TO/kubelab [PODS]</c>: a model-only lab's API server
/// (the agent process), measured from a client on this machine without kubectl's own start-up: pods created per second
/// (POST, 4 clients at once), list latency for PODS pods as JSON and as a Table, one object read, 50 watchers woken by
/// one write, and the agent's resident memory. The lab is made in a private KUBELAB_HOME and removed afterwards.
/// </summary>
public static class ApiBenchmark
{
    private static readonly int WatcherCount = int.TryParse(Environment.GetEnvironmentVariable("WATCHERS"), out var n) ? n : 50;

    public static int Run(string kubelab, int pods)
    {
        var inv = CultureInfo.InvariantCulture;
        var home = Path.Combine(Path.GetTempPath(), "kubelab-bench-api-" + Guid.NewGuid().ToString("N")[..8]);
        const string lab = "benchapi";
        Directory.CreateDirectory(home);
        try
        {
            var up = Stopwatch.StartNew();
            Kubelab(kubelab, home, "up", "--driver", "none", "--name", lab);
            Console.WriteLine(string.Create(inv, $"up --driver none (agent + API server ready): {up.ElapsedMilliseconds} ms"));
            var labDir = Path.Combine(home, lab);
            using var http = Client(labDir);
            var pid = int.Parse(File.ReadAllText(Path.Combine(labDir, "agent.pid")).Trim(), inv);
            Console.WriteLine(string.Create(inv, $"agent RSS, empty lab: {Rss(pid)} MiB"));

            // creation rate: PODS pods, 4 clients at once
            var created = Stopwatch.StartNew();
            Parallel.For(0, pods, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                var body = $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench-{{{i}}}","labels":{"app":"bench"}},"spec":{"containers":[{"name":"c","image":"nicolaka/netshoot"}]}}""";
                using var response = http.PostAsync("/api/v1/namespaces/default/pods", new StringContent(body, Encoding.UTF8, "application/json")).Result;
                if ((int)response.StatusCode != 201)
                {
                    throw new InvalidOperationException($"create bench-{i}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
                }
            });
            Console.WriteLine(string.Create(inv, $"created {pods} pods in {created.Elapsed.TotalSeconds:F1} s: {pods / created.Elapsed.TotalSeconds:F1} pods/s"));
            Console.WriteLine(string.Create(inv, $"agent RSS with {pods} pods: {Rss(pid)} MiB"));

            Latency(http, "list pods (JSON)", "/api/v1/namespaces/default/pods", null, 200);
            Latency(http, "list pods (Table)", "/api/v1/namespaces/default/pods", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", 200);
            Latency(http, "get one pod", "/api/v1/namespaces/default/pods/bench-0", null, 500);
            Watchers(http, WatcherCount);
            Console.WriteLine(string.Create(inv, $"agent RSS at the end: {Rss(pid)} MiB"));
            return 0;
        }
        finally
        {
            Kubelab(kubelab, home, "down", "--name", lab);
            Directory.Delete(home, recursive: true);
        }
    }

    private static void Latency(HttpClient http, string what, string path, string? accept, int runs)
    {
        // the body is read into one reused buffer: a new 2 MB array per request would put the client's own
        // large-object collections into the figures (kubectl decodes as it reads, it does not hold the text)
        var buffer = new byte[1 << 16];
        var times = new List<double>();
        for (var i = 0; i < runs + 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }

            var watch = Stopwatch.StartNew();
            using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            using (var body = response.Content.ReadAsStream())
            {
                while (body.Read(buffer) > 0)
                {
                }
            }

            if (i >= 10)
            {
                times.Add(watch.Elapsed.TotalMilliseconds); // the first 10 warm the JIT and the connection
            }
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: p50 {times[times.Count / 2]:F2} ms, p99 {times[(int)(times.Count * 0.99) - 1]:F2} ms, max {times[^1]:F2} ms ({runs} requests)"));
    }

    /// <summary>N watches on config maps; one create; the time until every watcher has its ADDED event.</summary>
    private static void Watchers(HttpClient http, int count)
    {
        var list = http.GetStringAsync("/api/v1/namespaces/default/configmaps").Result;
        var rv = System.Text.Json.JsonDocument.Parse(list).RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ready = new CountdownEvent(count);
        var woke = new List<double>();
        var clock = new Stopwatch();
        var watchers = Enumerable.Range(0, count).Select(_ => Task.Run(async () =>
        {
            using var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}", HttpCompletionOption.ResponseHeadersRead, stop.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            ready.Signal();
            var line = await reader.ReadLineAsync(stop.Token);
            lock (woke)
            {
                woke.Add(clock.Elapsed.TotalMilliseconds);
            }

            return line;
        })).ToList();
        ready.Wait(stop.Token);
        clock.Start();
        using var created = http.PostAsync("/api/v1/namespaces/default/configmaps", new StringContent("""{"metadata":{"name":"wake"},"data":{"a":"1"}}""", Encoding.UTF8, "application/json")).Result;
        Task.WaitAll(watchers.ToArray(), stop.Token);
        woke.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} watchers: all woken {woke[^1]:F1} ms after the create was sent (first {woke[0]:F1} ms; the create itself took part of that)"));
    }

    private static HttpClient Client(string labDir)
    {
        var pki = Path.Combine(labDir, "pki");
        var serverCa = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pki, "server-ca.crt"));
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "client-admin.crt"), Path.Combine(pki, "client-admin.key"));
        var admin = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                ClientCertificates = [admin],
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(serverCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate!));
                },
            },
            MaxConnectionsPerServer = 64,
        };
        var port = File.ReadAllText(Path.Combine(labDir, "apiserver.port")).Trim();
        var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private static long Rss(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).FirstOrDefault();

    private static void Kubelab(string kubelab, string home, params string[] args)
    {
        var info = kubelab.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") : new ProcessStartInfo(kubelab);
        if (kubelab.EndsWith(".dll", StringComparison.Ordinal))
        {
            info.ArgumentList.Add(kubelab);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBELAB_HOME"] = home;
        info.Environment["KUBECONFIG"] = Path.Combine(home, "kubeconfig");
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubelab {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        }
    }
}
