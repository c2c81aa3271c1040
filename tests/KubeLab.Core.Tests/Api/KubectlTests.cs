using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Tests.Api;

/// <summary>The real kubectl (1.29, what the dispatcher picks for a v1.29 server, and 1.33) against a lab's API server.</summary>
public sealed class KubectlTests(ApiLab lab) : IClassFixture<ApiLab>
{
    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Kubectl_reports_the_k3s_server_version(string version)
    {
        ApiLab.RequireKubectl(version);
        var output = lab.KubectlOk(version, "version");
        Assert.Contains("Server Version: v1.29.5+k3s1", output, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Kubectl_lists_the_seed_labs_nodes_pods_and_services(string version)
    {
        ApiLab.RequireKubectl(version);
        var nodes = lab.KubectlOk(version, "get", "nodes", "-o", "name");
        Assert.Equal("node/vm1\nnode/vm2\nnode/vm3\n", nodes);
        var pods = lab.KubectlOk(version, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.podIP} {.spec.nodeName}{\"\\n\"}{end}");
        Assert.Contains("test-pod 10.42.1.4 vm2\n", pods, StringComparison.Ordinal);
        Assert.Equal(3, pods.Split('\n').Count(l => l.StartsWith("nginx-deployment-", StringComparison.Ordinal)));
        var services = lab.KubectlOk(version, "get", "svc", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.spec.clusterIP} {end}");
        Assert.Matches(@"^default/kubernetes=10\.43\.0\.1 default/nginx-service=10\.43\.180\.238 kube-system/kube-dns=10\.43\.0\.10 kube-system/metrics-server=10\.43\.\d+\.\d+ kube-system/traefik=10\.43\.\d+\.\d+ $", services);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Label_and_field_selectors_filter_on_the_server(string version)
    {
        ApiLab.RequireKubectl(version);
        var nginx = lab.KubectlOk(version, "get", "pods", "-l", "app=nginx", "-o", "name");
        Assert.Equal(3, nginx.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(nginx.Split('\n', StringSplitOptions.RemoveEmptyEntries), n => Assert.StartsWith("pod/nginx-deployment-", n, StringComparison.Ordinal));
        Assert.Equal("pod/test-pod\n", lab.KubectlOk(version, "get", "pods", "--field-selector", "spec.nodeName=vm2,metadata.name=test-pod", "-o", "name"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Exec_logs_and_port_forward_on_a_model_only_lab_say_it_runs_no_containers(string version)
    {
        ApiLab.RequireKubectl(version);
        const string why = "Error from server (NotFound): container not found (\"test-pod\"): this lab runs no containers (--driver none); exec, attach, logs and port-forward need a netns lab\n";
        var exec = lab.Kubectl(version, "exec", "test-pod", "--", "true");
        Assert.Equal((1, why), (exec.Code, exec.Err));
        var logs = lab.Kubectl(version, "logs", "test-pod");
        Assert.Equal((1, why), (logs.Code, logs.Err));
        var missing = lab.Kubectl(version, "exec", "no-such-pod", "--", "true");
        Assert.Equal((1, "Error from server (NotFound): pods \"no-such-pod\" not found\n"), (missing.Code, missing.Err));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_configmap_over_the_request_limit_is_refused_as_the_api_server_refuses_it(string version)
    {
        ApiLab.RequireKubectl(version);
        var file = Path.Combine(lab.Cli.Home, $"big-{version}.txt");
        File.WriteAllText(file, new string('x', 4 * 1024 * 1024));
        var (code, _, error) = lab.Kubectl(version, "create", "configmap", $"big-{version.Replace('.', '-')}", $"--from-file={file}");
        Assert.Equal((1, "error: failed to create configmap: Request entity too large: limit is 3145728\n"), (code, error));
    }

    [SkippableFact]
    public void Discovery_lists_the_pods_streaming_subresources_as_the_api_server_does()
    {
        ApiLab.RequireKubectl("1.29");
        var resources = lab.KubectlOk("1.29", "get", "--raw", "/api/v1");
        foreach (var (name, kind, verbs) in new[] { ("pods/attach", "PodAttachOptions", "[\"create\",\"get\"]"), ("pods/exec", "PodExecOptions", "[\"create\",\"get\"]"), ("pods/log", "Pod", "[\"get\"]"), ("pods/portforward", "PodPortForwardOptions", "[\"create\",\"get\"]") })
        {
            Assert.Contains($"{{\"name\":\"{name}\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"{kind}\",\"verbs\":{verbs}}}", resources, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public void Run_create_scale_label_expose_and_delete_change_the_lab()
    {
        ApiLab.RequireKubectl("1.29");
        Assert.Equal("pod/probe created\n", lab.KubectlOk("1.29", "run", "probe", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity"));
        Assert.Equal("Running", lab.KubectlOk("1.29", "get", "pod", "probe", "-o", "jsonpath={.status.phase}"));
        Assert.Equal("deployment.apps/web created\n", lab.KubectlOk("1.29", "create", "deployment", "web", "--image=nginx", "--replicas=2"));
        Assert.Equal("deployment.apps/web scaled\n", lab.KubectlOk("1.29", "scale", "deployment", "web", "--replicas=4"));
        Assert.Equal(4, lab.KubectlOk("1.29", "get", "pods", "-l", "app=web", "-o", "name").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("pod/probe labeled\n", lab.KubectlOk("1.29", "label", "pod", "probe", "tier=debug"));
        Assert.Equal("pod/probe\n", lab.KubectlOk("1.29", "get", "pods", "-l", "tier=debug", "-o", "name"));
        Assert.Equal("service/web exposed\n", lab.KubectlOk("1.29", "expose", "deployment", "web", "--port=80"));
        var endpoints = lab.KubectlOk("1.29", "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[0].endpoints[*].addresses[0]}");
        Assert.Equal(4, endpoints.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("pod \"probe\" deleted\n", lab.KubectlOk("1.29", "delete", "pod", "probe", "--grace-period=1")); // kubectl waits for the grace period (sleep ignores SIGTERM)
        var (code, _, error) = lab.Kubectl("1.29", "get", "pod", "probe");
        Assert.Equal(1, code);
        Assert.Equal("Error from server (NotFound): pods \"probe\" not found\n", error);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Apply_creates_then_configures_and_strict_validation_refuses_unknown_fields(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "applied-" + ApiLab.Suffix(version);
        var manifest = $"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: nginx\n  ports:\n  - port: 8080\n    targetPort: 80\n";
        Assert.Equal($"service/{name} created\n", Apply(version, manifest).Out);
        Assert.Equal($"service/{name} unchanged\n", Apply(version, manifest).Out);
        Assert.Equal($"service/{name} configured\n", Apply(version, manifest.Replace("8080", "8081", StringComparison.Ordinal)).Out);
        Assert.Equal("8081", lab.KubectlOk(version, "get", "svc", name, "-o", "jsonpath={.spec.ports[0].port}"));
        var bad = Apply(version, manifest.Replace("  selector:", "  prots: 5\n  selector:", StringComparison.Ordinal));
        Assert.Equal(1, bad.Code);
        Assert.Contains("strict decoding error: unknown field \"spec.prots\"", bad.Err, StringComparison.Ordinal);
        // a value of the wrong type is the JSON decoder's error, whatever the validation mode
        var typed = manifest.Replace("port: 8080", "port: \"8080\"", StringComparison.Ordinal);
        foreach (var validate in new[] { "--validate=strict", "--validate=false" })
        {
            var wrong = lab.KubectlWithInput(version, typed, "apply", validate, "-f", "-");
            Assert.Equal(1, wrong.Code);
            Assert.Contains($"Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32", wrong.Err, StringComparison.Ordinal);
        }

        Assert.Equal("8081", lab.KubectlOk(version, "get", "svc", name, "-o", "jsonpath={.spec.ports[0].port}"));
    }

    private (int Code, string Out, string Err) Apply(string version, string manifest) => lab.KubectlWithInput(version, manifest, "apply", "-f", "-");

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Server_side_apply_creates_records_the_managers_fields_and_removes_what_it_no_longer_applies(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "ssa-" + ApiLab.Suffix(version);
        var manifest = $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    tier: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n        ports:\n        - containerPort: 80\n";
        var first = lab.KubectlWithInput(version, manifest, "apply", "--server-side", "-f", "-");
        Assert.Equal($"deployment.apps/{name} serverside-applied\n", first.Out);
        // the manager's fields as kube-apiserver's field manager records them (FieldsV1)
        var managed = JsonNode.Parse(lab.KubectlOk(version, "get", "deploy", name, "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields}"))!.AsArray();
        // (Apply entries first; the deployment controller writes the status as k3s)
        Assert.Equal(["kubectl Apply ", "k3s Update status"], managed.Select(e => $"{e!["manager"]} {e["operation"]} {e["subresource"]}"));
        var entry = managed[0]!;
        Assert.Equal(("kubectl", "Apply", "apps/v1", "FieldsV1"), ((string?)entry["manager"], (string?)entry["operation"], (string?)entry["apiVersion"], (string?)entry["fieldsType"]));
        var container = entry["fieldsV1"]!["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"nginx\"}"]!;
        Assert.NotNull(container["f:ports"]!["k:{\"containerPort\":80,\"protocol\":\"TCP\"}"]!["."]);
        Assert.NotNull(entry["fieldsV1"]!["f:metadata"]!["f:labels"]!["f:tier"]);
        Assert.Equal(2, lab.KubectlOk(version, "get", "pods", "-l", $"app={name}", "-o", "name").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // applied again without the label and the ports, with 3 replicas: what the manager dropped is removed
        var second = manifest.Replace("  labels:\n    tier: web\n", "", StringComparison.Ordinal).Replace("        ports:\n        - containerPort: 80\n", "", StringComparison.Ordinal).Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal);
        Assert.Equal($"deployment.apps/{name} serverside-applied\n", lab.KubectlWithInput(version, second, "apply", "--server-side", "-f", "-").Out);
        Assert.Equal("3||", lab.KubectlOk(version, "get", "deploy", name, "-o", "jsonpath={.spec.replicas}|{.metadata.labels.tier}|{.spec.template.spec.containers[0].ports}"));
    }

    [SkippableFact]
    public void Creating_an_object_that_exists_is_a_conflict_in_the_api_servers_words()
    {
        ApiLab.RequireKubectl("1.29");
        var (code, _, error) = lab.KubectlWithInput("1.29", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test-pod\nspec:\n  containers:\n  - name: c\n    image: busybox\n", "create", "-f", "-");
        Assert.Equal(1, code);
        Assert.Equal("Error from server (AlreadyExists): error when creating \"STDIN\": pods \"test-pod\" already exists\n", error);
    }

    [SkippableFact]
    public void An_invalid_object_is_refused_with_its_field_and_nothing_changes()
    {
        ApiLab.RequireKubectl("1.29");
        var before = lab.KubectlOk("1.29", "get", "svc", "-o", "name");
        var (code, _, error) = lab.KubectlWithInput("1.29", "apiVersion: v1\nkind: Service\nmetadata:\n  name: badport\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 80\n", "create", "-f", "-");
        Assert.Equal(1, code);
        Assert.Contains("The Service \"badport\" is invalid: spec.ports[0].nodePort: Invalid value: 80", error, StringComparison.Ordinal);
        Assert.Equal(before, lab.KubectlOk("1.29", "get", "svc", "-o", "name"));
    }

    [SkippableFact]
    public void A_watch_shows_a_new_pod_as_it_is_created()
    {
        ApiLab.RequireKubectl("1.29");
        using var watch = lab.StartKubectl("1.29", "get", "pods", "--watch", "-o", "name", "--request-timeout=20s");
        // the list comes first; the pod is created only once kubectl has printed it, so it can only arrive as a watch event
        Assert.True(ApiLab.ReadUntil(watch, "pod/test-pod", TimeSpan.FromSeconds(15)), "kubectl printed no initial list");
        lab.KubectlOk("1.29", "run", "watched", "--image=busybox", "--", "sleep", "3600");
        Assert.True(ApiLab.ReadUntil(watch, "pod/watched", TimeSpan.FromSeconds(15)), "the new pod never arrived on the watch");
    }

    [Fact]
    public void A_request_without_a_client_certificate_is_unauthorized_as_k3s_answers_it()
    {
        var port = int.Parse(File.ReadAllText(Path.Combine(lab.LabDir, "apiserver.port")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var serverCa = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(lab.LabDir, "pki", "server-ca.crt"));
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(serverCa);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate!);
            },
        };
        using var client = new HttpClient(handler);
        var response = client.GetAsync($"https://127.0.0.1:{port}/api/v1/pods").Result;
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""",
            response.Content.ReadAsStringAsync().Result.Trim());
    }

    [Fact]
    public void The_server_certificate_names_what_k3s_names_and_is_signed_by_the_labs_ca()
    {
        var port = int.Parse(File.ReadAllText(Path.Combine(lab.LabDir, "apiserver.port")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var tcp = new TcpClient("127.0.0.1", port);
        X509Certificate2? seen = null;
        using var serverCa = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(lab.LabDir, "pki", "server-ca.crt"));
        using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, chain, _) =>
        {
            seen = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(serverCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(seen);
        });
        tls.AuthenticateAsClient("kubernetes.default.svc");
        var san = seen!.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", "vm1"], san.EnumerateDnsNames());
        Assert.Equal(["127.0.0.1", "::1", "10.65.94.238", "10.43.0.1"], san.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.StartsWith("CN=k3s-server-ca@", seen.Issuer, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_labs_kubeconfig_is_merged_as_the_current_context_and_private()
    {
        var merged = File.ReadAllText(lab.Kubeconfig);
        Assert.Contains($"current-context: kubelab-{lab.Name}", merged, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lab.Kubeconfig));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(lab.LabDir, "pki", "client-admin.key")));
        var printed = lab.Cli.Ok("kubeconfig", "--name", lab.Name);
        Assert.Contains("client-key-data: ", printed, StringComparison.Ordinal);
    }
}
