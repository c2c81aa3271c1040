using KubeLab.Core.Tests.Cli;

namespace KubeLab.Core.Tests.Multipass;

/// <summary>get/apply/delete through KubernetesClient against recorded k3s API responses on 127.0.0.1.</summary>
public sealed class LiveClusterTests : IDisposable
{
    private readonly RecordedApiServer server = new();
    private readonly CliHarness cli = new();
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kubelab-live-" + Guid.NewGuid().ToString("N")[..8]);

    public LiveClusterTests() => Directory.CreateDirectory(folder);

    public void Dispose()
    {
        server.Dispose();
        cli.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private string Kubeconfig => server.Kubeconfig(folder);

    [Fact]
    public void Get_nodes_reads_the_api_servers_nodes()
    {
        var output = cli.Ok("get", "nodes", "--kubeconfig", Kubeconfig);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$", lines[0]);
        Assert.Matches(@"^vm1\s+Ready\s+control-plane,master\s+\S+\s+v1\.29\.5\+k3s1$", lines[1]);
        Assert.Matches(@"^vm3\s+Ready\s+<none>\s+\S+\s+v1\.29\.5\+k3s1$", lines[3]);
        Assert.Contains(server.Requests, r => r is ("GET", "/api/v1/nodes", _));
    }

    [Fact]
    public void Get_pods_and_services_show_the_real_addresses()
    {
        var pods = cli.Ok("get", "pods", "-o", "wide", "--kubeconfig", Kubeconfig);
        var services = cli.Ok("get", "svc", "-A", "--kubeconfig", Kubeconfig);

        Assert.Matches(@"(?m)^test-pod\s+1/1\s+Running\s+0\s+\S+\s+10\.42\.1\.4\s+vm2\s", pods);
        Assert.DoesNotContain("coredns", pods, StringComparison.Ordinal); // other namespaces only with -A
        Assert.Matches(@"(?m)^kube-system\s+kube-dns\s+ClusterIP\s+10\.43\.0\.10\s+<none>\s+53/UDP,53/TCP,9153/TCP\s", services);
        Assert.Matches(@"(?m)^default\s+nginx-service\s+ClusterIP\s+10\.43\.180\.238\s", services);
    }

    [Fact]
    public void Apply_creates_then_patches_what_changed_and_delete_deletes()
    {
        var manifest = Path.Combine(folder, "pod.yaml");
        File.WriteAllText(manifest, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
              - name: web
                image: nginx
            """);

        // as kubectl apply: created with its last-applied configuration, unchanged when the file is, then patched three-way
        Assert.Equal("pod/web created\n", cli.Ok("apply", "-f", manifest, "--kubeconfig", Kubeconfig));
        Assert.Equal("pod/web unchanged\n", cli.Ok("apply", "-f", manifest, "--kubeconfig", Kubeconfig));
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("image: nginx", "image: nginx:1.27", StringComparison.Ordinal));
        Assert.Equal("pod/web configured\n", cli.Ok("apply", "-f", manifest, "--kubeconfig", Kubeconfig));
        Assert.Equal("pod \"web\" deleted\n", cli.Ok("delete", "pod", "web", "--kubeconfig", Kubeconfig));

        var writes = server.Requests.Where(r => r.Method != "GET").Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.Equal(["POST /api/v1/namespaces/default/pods", "PATCH /api/v1/namespaces/default/pods/web", "DELETE /api/v1/namespaces/default/pods/web"], writes);
        Assert.StartsWith("""{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":""", server.Requests.Single(r => r.Method == "PATCH").Body, StringComparison.Ordinal);
        Assert.EndsWith("""},"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}""", server.Requests.Single(r => r.Method == "PATCH").Body, StringComparison.Ordinal);
        Assert.Empty(cli.Store.List()); // no lab was made or needed
    }

    [Fact]
    public void A_kubeconfig_that_does_not_parse_is_a_clear_error()
    {
        var path = Path.Combine(folder, "broken");
        File.WriteAllText(path, "clusters: [ this is : not yaml\n");

        var (code, _, error) = cli.Run("get", "pods", "--kubeconfig", path);

        Assert.Equal(1, code);
        Assert.Contains($"--kubeconfig: {path} is not a usable kubeconfig", error, StringComparison.Ordinal);
        Assert.Empty(cli.Store.List());
    }

    [Fact]
    public void A_server_that_does_not_answer_is_a_clear_error_and_nothing_is_changed()
    {
        var closed = RecordedApiServer.FreePort(); // nothing listens there: connection refused on loopback
        File.WriteAllText(Path.Combine(folder, "closed"), File.ReadAllText(server.Kubeconfig(folder)).Replace(server.Url, $"http://127.0.0.1:{closed}", StringComparison.Ordinal));
        cli.Ok("up", "--driver", "none", "--name", "model", "--disable", "servicelb");
        var before = cli.Store.Export("model");

        var (code, _, error) = cli.Run("apply", "-f", "seed", "--name", "model", "--kubeconfig", Path.Combine(folder, "closed"));

        Assert.Equal(1, code);
        Assert.Contains($"the API server at http://127.0.0.1:{closed} does not answer", error, StringComparison.Ordinal);
        Assert.Equal(before, cli.Store.Export("model"));
    }

    [Fact]
    public void Pod_exec_goes_through_the_api_servers_exec_websocket()
    {
        using var pods = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "live", "pods.json")));
        var testPod = pods.RootElement.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("metadata").GetProperty("name").GetString() == "test-pod");
        server.Existing["/api/v1/namespaces/default/pods/test-pod"] = testPod.GetRawText();
        using var live = Realize.Live.LiveCluster.FromKubeconfig(Kubeconfig);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();

        var code = live.Exec("default", "test-pod", ["cat", "/etc/resolv.conf"], stdout, stderr);
        var failed = live.Exec("default", "test-pod", ["false"], Stream.Null, stderr);

        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "live", "test-pod.resolv.conf")), System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(1, failed);
        var exec = server.Requests.First(r => r.Method == "EXEC");
        Assert.Equal("/api/v1/namespaces/default/pods/test-pod/exec", exec.Path);
        Assert.Contains("command=cat&command=/etc/resolv.conf", exec.Body, StringComparison.Ordinal);
        Assert.Contains("container=test-pod", exec.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_from_the_api_servers_objects_are_the_seed_labs_rules()
    {
        // the recorded cluster (Golden/live) has none of k3s's add-ons
        cli.Ok("up", "--driver", "none", "--name", "seed", "--disable", "servicelb,traefik,metrics-server,local-storage");
        cli.Ok("apply", "-f", "seed", "--name", "seed");

        var live = cli.Ok("rules", "--node", "vm1", "--component", "kube-proxy", "--kubeconfig", Kubeconfig);
        var modelled = cli.Ok("rules", "--node", "vm1", "--component", "kube-proxy", "--name", "seed");

        Assert.Contains("-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.0.8:80\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-LNMZPQ2U2A5TEEGP", live, StringComparison.Ordinal);
        Assert.Equal(modelled, live);
    }

    [Fact]
    public void Rules_live_on_a_cluster_kubelab_did_not_make_reads_the_node_through_a_short_lived_privileged_pod()
    {
        var output = cli.Ok("rules", "--node", "vm2", "--live", "--kubeconfig", Kubeconfig);

        Assert.Equal(RecordedApiServer.NodeIptables, output);
        var created = server.Requests.Single(r => r is ("POST", "/api/v1/namespaces/default/pods", _));
        using var pod = System.Text.Json.JsonDocument.Parse(created.Body);
        var spec = pod.RootElement.GetProperty("spec");
        Assert.Equal("vm2", spec.GetProperty("nodeName").GetString());
        Assert.True(spec.GetProperty("hostNetwork").GetBoolean());
        Assert.True(spec.GetProperty("hostPID").GetBoolean());
        Assert.True(spec.GetProperty("containers")[0].GetProperty("securityContext").GetProperty("privileged").GetBoolean());
        var name = pod.RootElement.GetProperty("metadata").GetProperty("name").GetString();
        Assert.Contains(server.Requests, r => r.Method == "DELETE" && r.Path == $"/api/v1/namespaces/default/pods/{name}");
        Assert.Empty(server.Existing); // the reader pod is gone
    }

    [Fact]
    public void Trace_on_a_cluster_kubelab_did_not_make_reads_objects_from_the_api_and_nodes_through_reader_pods()
    {
        var output = cli.Ok("trace", "test-pod", "http://nginx-service:80/", "--kubeconfig", Kubeconfig);

        Assert.Contains("query A    nginx-service.default.svc.cluster.local. → 10.43.180.238", output, StringComparison.Ordinal);
        Assert.Contains("KUBE-SVC-V2OKYYMBY3REGZOG", output, StringComparison.Ordinal);
        Assert.Matches(@"branch \d/3 \(33\.33%\): KUBE-SEP-LNMZPQ2U2A5TEEGP", output);
        Assert.Equal(3, server.Requests.Count(r => r is ("POST", "/api/v1/namespaces/default/pods", _)));
        Assert.Empty(server.Existing); // every reader pod is gone
    }
}
