namespace KubeLab.Core.Tests.Cli;

public class GetTests
{
    private static readonly DateTimeOffset Created = new(2024, 6, 10, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Seed_lab_prints_the_seeds_tables_byte_for_byte()
    {
        using var cli = new CliHarness(() => Created);
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        cli.Now = () => Created.AddHours(22).AddMinutes(5);

        Assert.Equal("""
            NAME   STATUS   ROLES                  AGE   VERSION
            vm1    Ready    control-plane,master   22h   v1.29.5+k3s1
            vm2    Ready    <none>                 22h   v1.29.5+k3s1
            vm3    Ready    <none>                 22h   v1.29.5+k3s1

            """, cli.Ok("get", "nodes"));
        Assert.Equal("""
            NAME            TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)   AGE   SELECTOR
            kubernetes      ClusterIP   10.43.0.1       <none>        443/TCP   22h   <none>
            nginx-service   ClusterIP   10.43.180.238   <none>        80/TCP    22h   app=nginx

            """, cli.Ok("get", "svc", "-o", "wide"));
        var pods = cli.Ok("get", "pods", "-o", "wide").Split('\n');
        Assert.Equal("NAME                                READY   STATUS    RESTARTS   AGE   IP          NODE   NOMINATED NODE   READINESS GATES", pods[0]);
        Assert.Matches(@"^nginx-deployment-[a-z0-9]{1,10}-[a-z0-9]{5} +1/1     Running   0          22h   10\.42\.0\.8   vm1    <none>           <none>$", pods[1]);
        Assert.EndsWith("1/1     Running   0          22h   10.42.1.4   vm2    <none>           <none>", pods[4], StringComparison.Ordinal);
        // the cheat sheet's line from NAME to PORT(S), byte for byte: its NAME column is as wide as metrics-server and its
        // TYPE column as LoadBalancer (traefik, <pending> with --disable servicelb); its NAMESPACE and PORT(S) columns are
        // wider than the lab's, for objects the cheat sheet cut ("[...]")
        Assert.Contains("kube-system   kube-dns         ClusterIP      10.43.0.10      <none>        53/UDP,53/TCP,9153/TCP       22h", cli.Ok("get", "svc", "-A"), StringComparison.Ordinal);
        Assert.Contains("kube-dns         ClusterIP      10.43.0.10      <none>        53/UDP,53/TCP,9153/TCP", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "seed", "kubectl-get-svc-A.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public void Node_yaml_shows_what_k3s_kubelet_and_flannel_write()
    {
        using var cli = new CliHarness(() => Created);
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");

        var yaml = cli.Ok("get", "node", "vm2", "-o", "yaml");

        Assert.Contains("    k3s.io/hostname: vm2\n    k3s.io/internal-ip: 10.65.94.199\n    k3s.io/node-args: '[\"agent\"]'\n", yaml, StringComparison.Ordinal);
        Assert.Matches(@"\n    k3s\.io/node-config-hash: [A-Z2-7]{52}====\n    node\.alpha\.kubernetes\.io/ttl: ""0""\n    volumes\.kubernetes\.io/controller-managed-attach-detach: ""true""\n", yaml);
        Assert.Contains("    flannel.alpha.coreos.com/public-ip: 10.65.94.199\n", yaml, StringComparison.Ordinal);
        Assert.Contains("  finalizers:\n  - wrangler.cattle.io/node\n", yaml, StringComparison.Ordinal);
        Assert.Contains("  capacity:\n    cpu: \"4\"\n", yaml, StringComparison.Ordinal);
        Assert.Matches(@"\n  allocatable:\n(    .*\n)*    pods: ""110""\n", yaml);
        foreach (var (type, reason) in new[] { ("MemoryPressure", "KubeletHasSufficientMemory"), ("DiskPressure", "KubeletHasNoDiskPressure"), ("PIDPressure", "KubeletHasSufficientPID"), ("Ready", "KubeletReady") })
        {
            Assert.Matches($@"\n    reason: {reason}\n    status: ""?(True|False)""?\n    type: {type}\n", yaml);
        }

        Assert.Contains("    message: kubelet is posting ready status. AppArmor enabled\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    containerRuntimeVersion: containerd://1.7.15-k3s1\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    kernelVersion: 5.15.0-107-generic\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    osImage: Ubuntu 22.04.4 LTS\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    k3s.io/node-args: '[\"server\",\"--disable\",\"servicelb\"]'\n", cli.Ok("get", "node", "vm1", "-o", "yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_flow_prints_four_pods_spread_over_the_nodes()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        Assert.Equal("pod/test-pod created\n", cli.Ok("run", "test-pod", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity"));
        cli.Ok("apply", "-f", "nginx-svc");
        var rows = cli.Ok("get", "pods", "-o", "wide").TrimEnd('\n').Split('\n').Skip(1).Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.StartsWith($"10.42.{int.Parse(r[6][2..], System.Globalization.CultureInfo.InvariantCulture) - 1}.", r[5], StringComparison.Ordinal));
        Assert.Equal(["vm1", "vm2", "vm3"], rows.Where(r => r[0].StartsWith("nginx-", StringComparison.Ordinal)).Select(r => r[6]).Order());
        var svc = cli.Ok("get", "svc", "-o", "wide");
        Assert.Matches(@"kubernetes      ClusterIP   10\.43\.0\.1 +<none>        443/TCP", svc);
        Assert.Matches(@"nginx-service   ClusterIP   10\.43\.\d+\.\d+ +<none>        80/TCP    \S+ +app=nginx", svc);
    }

    [Fact]
    public void Output_yaml_and_json_are_kubectl_shaped()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var yaml = cli.Ok("get", "svc", "nginx-service", "-o", "yaml");
        Assert.StartsWith("apiVersion: v1\nkind: Service\nmetadata:\n", yaml, StringComparison.Ordinal);
        Assert.Contains("  clusterIP: 10.43.180.238\n", yaml, StringComparison.Ordinal);
        var list = cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "json");
        var doc = System.Text.Json.JsonDocument.Parse(list).RootElement;
        Assert.Equal("List", doc.GetProperty("kind").GetString());
        // services and slices: kubernetes, kube-dns, metrics-server, traefik, nginx-service; nodes; pods: the seed's 4,
        // coredns, local-path-provisioner, metrics-server, traefik and the two helm-install Jobs' pods
        Assert.Equal(5 + 5 + 3 + 10, doc.GetProperty("items").GetArrayLength());
        Assert.Equal("pod/test-pod\n", cli.Ok("get", "pods", "test-pod", "-o", "name"));
    }

    [Fact]
    public void Get_output_reads_back_through_apply_and_rules_input()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var yaml = cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "yaml");
        var documents = KubeLab.Core.Manifests.ManifestReader.Read(yaml, "dump.yaml");
        var snapshot = KubeLab.Core.Control.SnapshotBuilder.FromObjects(null, null, documents.Select(d => d.Object));
        Assert.Equal(["vm1", "vm2", "vm3"], snapshot.Nodes.Select(n => n.Name));
        Assert.Equal("10.42.1.0/24", snapshot.GetNode("vm2").PodCidr.ToString());
        Assert.Equal(10, snapshot.Pods.Count);
        Assert.Contains(snapshot.EndpointSlices, s => s.ServiceName == "nginx-service" && s.Endpoints.Count == 3);
    }

    [Fact]
    public void Missing_lab_is_a_clear_error()
    {
        using var cli = new CliHarness();
        var (code, _, error) = cli.Run("get", "pods", "--name", "nope");
        Assert.Equal(2, code);
        Assert.Contains("lab \"nope\" not found", error, StringComparison.Ordinal);
        Assert.Contains("kubelab up --name nope", error, StringComparison.Ordinal);
    }
}
