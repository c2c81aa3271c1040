using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;

namespace KubeLab.Core.Tests.Api;

/// <summary>Clients other than kubectl: Debian's python3-kubernetes, KubernetesClient's watch, and many writers at once.</summary>
public sealed class OtherClientsTests(ApiLab lab) : IClassFixture<ApiLab>
{
    private const string Python = "/usr/bin/python3";

    [SkippableFact]
    public void The_python_client_lists_pods_and_creates_a_config_map()
    {
        Skip.IfNot(File.Exists(Python) && Run(Python, "-c", "import kubernetes").Code == 0,
            "NOT RUN: Debian's python3-kubernetes is not installed (`apt-get install python3-kubernetes`; .ci/run installs it)");
        var script = $$"""
            from kubernetes import client, config
            config.load_kube_config(config_file="{{lab.Kubeconfig}}")
            v1 = client.CoreV1Api()
            pods = v1.list_namespaced_pod("default", label_selector="app=nginx")
            print(sorted(p.status.pod_ip for p in pods.items))
            cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="from-python"), data={"greeting": "hello"})
            created = v1.create_namespaced_config_map("default", cm)
            print(created.metadata.name, created.metadata.resource_version != "")
            try:
                v1.read_namespaced_pod("missing", "default")
            except client.exceptions.ApiException as e:
                print(e.status, e.reason)
            """;
        var (code, output, error) = Run(Python, "-c", script);
        Assert.True(code == 0, error);
        Assert.Equal("['10.42.0.8', '10.42.1.2', '10.42.2.2']\nfrom-python True\n404 Not Found\n", output);
    }

    [Fact]
    public async Task A_kubernetes_client_watch_sees_objects_added_and_deleted()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(lab.Kubeconfig));
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        var seen = new List<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, map) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stop.Token))
            {
                seen.Add($"{type} {map.Metadata.Name}");
                if (type == WatchEventType.Deleted && map.Metadata.Name == "watched")
                {
                    return;
                }
            }
        });
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "watched" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default");
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"2"}}""", V1Patch.PatchType.MergePatch), "watched", "default");
        await client.CoreV1.DeleteNamespacedConfigMapAsync("watched", "default");
        await watching.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["Added watched", "Modified watched", "Deleted watched"], seen.Where(s => s.EndsWith(" watched", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_watch_answers_with_its_headers_before_any_event_arrives()
    {
        // client-go's Watch() returns only once the headers are in; the API server flushes them at once
        using var http = lab.AdminHttp(out var port);
        var list = await http.GetStringAsync($"https://127.0.0.1:{port}/api/v1/namespaces/kube-public/configmaps");
        var rv = System.Text.Json.JsonDocument.Parse(list).RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        using var response = await http.GetAsync($"https://127.0.0.1:{port}/api/v1/namespaces/kube-public/configmaps?watch=true&resourceVersion={rv}", HttpCompletionOption.ResponseHeadersRead)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_over_three_mebibytes_is_refused_with_413_in_the_api_servers_words_and_nothing_is_stored()
    {
        using var http = lab.AdminHttp(out var port);
        var big = new string('x', 4 * 1024 * 1024);
        using var body = new StringContent("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"too-big"},"data":{"x":""" + "\"" + big + "\"}}", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps", body);
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","details":{},"code":413}""", (await response.Content.ReadAsStringAsync()).Trim());
        using var get = await http.GetAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps/too-big");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_body_in_an_unknown_media_type_is_refused_with_415()
    {
        using var http = lab.AdminHttp(out var port);
        using var body = new StringContent("name: x", System.Text.Encoding.UTF8, "text/plain");
        using var response = await http.PostAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps", body);
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("UnsupportedMediaType", status.GetProperty("reason").GetString());
        Assert.StartsWith("the body of the request was in an unknown format - accepted media types include:", status.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_concurrent_writers_lose_nothing()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(lab.Kubeconfig));
        var writers = Enumerable.Range(0, 10).Select(i => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"writer-{i}" }, Data = new Dictionary<string, string> { ["i"] = i.ToString(CultureInfo.InvariantCulture) } }, "default"));
        var created = await Task.WhenAll(writers);
        Assert.Equal(10, created.Select(c => c.Metadata.ResourceVersion).Distinct().Count()); // each its own revision
        var maps = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"writer-{i}"), maps.Items.Select(m => m.Metadata.Name).Where(n => n.StartsWith("writer-", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stale_update_is_a_conflict_and_changes_nothing()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(lab.Kubeconfig));
        var map = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "versioned" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, "default");
        var stale = map.Metadata.ResourceVersion;
        map.Data["v"] = "2";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "versioned", "default");
        map.Data["v"] = "3";
        map.Metadata.ResourceVersion = stale;
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "versioned", "default"));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("the object has been modified; please apply your changes to the latest version and try again", error.Response.Content, StringComparison.Ordinal);
        Assert.Equal("2", (await client.CoreV1.ReadNamespacedConfigMapAsync("versioned", "default")).Data["v"]);
    }

    private static (int Code, string Out, string Err) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromSeconds(60));
        return (process.ExitCode, output.Result, error.Result);
    }
}
