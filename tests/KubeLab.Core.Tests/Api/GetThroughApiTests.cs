namespace KubeLab.Core.Tests.Api;

/// <summary>
/// `kubelab get` on a lab that serves the API is its client, as kubectl get is: the same discovery, lists, selectors
/// and server Tables, so the real kubectl judges its output line for line (tables, -o yaml/json/name/jsonpath,
/// custom-columns, errors), for every kind the server serves, custom resources too.
/// </summary>
public sealed class GetThroughApiTests(ApiLab lab) : IClassFixture<ApiLab>
{
    /// <summary>
    /// kubelab's and kubectl's output of one `get` (stdout, then stderr). The server computes AGE at each request, so
    /// kubectl runs before and after kubelab: kubelab's output must be one of the two (when a second turned between
    /// them and an object's AGE with it), and a difference that lasts five tries is a real one.
    /// </summary>
    private void SameAsKubectl(params string[] args)
    {
        (string Out, string Err) kubelab = ("", ""), kubectl = ("", "");
        (string Out, string Err) Kubectl()
        {
            var (_, output, error) = lab.Kubectl("1.29", ["get", .. args]);
            return (output, error.Replace("kubectl get", "kubelab get", StringComparison.Ordinal));
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = Kubectl();
            var ours = lab.Cli.Run(["get", .. args, "--name", lab.Name]);
            kubelab = (ours.Out, ours.Err);
            kubectl = Kubectl();
            if (kubelab == before || kubelab == kubectl)
            {
                return;
            }
        }

        Assert.Fail($"kubelab get {string.Join(' ', args)} differs from kubectl's: {FirstDifference(kubectl.Out, kubelab.Out) ?? FirstDifference(kubectl.Err, kubelab.Err)}");
    }

    private static string? FirstDifference(string expected, string actual)
    {
        var want = expected.Split('\n');
        var got = actual.Split('\n');
        for (var i = 0; i < Math.Max(want.Length, got.Length); i++)
        {
            var a = i < want.Length ? want[i] : "(none)";
            var b = i < got.Length ? got[i] : "(none)";
            if (a != b)
            {
                return $"line {i + 1}\nkubectl: {a}\nkubelab: {b}";
            }
        }

        return null;
    }

    [SkippableFact]
    public void Tables_are_the_servers_printed_as_kubectl_prints_them()
    {
        ApiLab.RequireKubectl("1.29");
        SameAsKubectl("nodes");
        SameAsKubectl("nodes", "-o", "wide");
        SameAsKubectl("pods", "-o", "wide");
        SameAsKubectl("svc", "-A");
        SameAsKubectl("all");
        SameAsKubectl("all", "-A", "--no-headers");
        SameAsKubectl("pods", "-l", "app=nginx", "--show-labels");
        SameAsKubectl("pods", "-A", "--field-selector", "spec.nodeName=vm1");
        SameAsKubectl("pod/test-pod", "svc/nginx-service", "deployments.apps/nginx-deployment");
        SameAsKubectl("ep,endpointslices", "-A");
        SameAsKubectl("pods", "-n", "kube-system", "-o", "wide");
        SameAsKubectl("rs", "-o", "wide");
        SameAsKubectl("pods", "-l", "app=none");
        SameAsKubectl("nodes", "-l", "app=none");
    }

    [SkippableFact]
    public void Any_api_server_given_by_kubeconfig_is_asked_the_same_way()
    {
        ApiLab.RequireKubectl("1.29");
        // the lab's kubeconfig as any cluster's: discovery, the server's Tables and its objects, not kubelab's own reader
        SameAsKubectl("pods", "-A", "-o", "wide", "--kubeconfig", lab.Kubeconfig);
        SameAsKubectl("leases,serviceaccounts", "-n", "kube-node-lease", "--kubeconfig", lab.Kubeconfig);
        SameAsKubectl("svc", "nginx-service", "-o", "yaml", "--kubeconfig", lab.Kubeconfig);
        // the context's namespace is where a get without -n looks, as kubectl's
        var kubeSystem = Path.Combine(lab.LabDir, "..", "kube-system.kubeconfig");
        File.Copy(lab.Kubeconfig, kubeSystem, overwrite: true);
        Assert.Equal(0, lab.Kubectl("1.29", "config", "set-context", "--current", "--namespace=kube-system", "--kubeconfig", kubeSystem).Code);
        SameAsKubectl("pods", "--kubeconfig", kubeSystem);
        Assert.Contains("coredns-", lab.Cli.Ok("get", "pods", "--kubeconfig", kubeSystem, "-o", "name"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Every_kind_the_server_serves_is_there_custom_resources_too()
    {
        ApiLab.RequireKubectl("1.29");
        // kinds kubelab's own store reader never knew
        SameAsKubectl("sa");
        SameAsKubectl("leases", "-A");
        SameAsKubectl("crd");
        SameAsKubectl("ipaddresspools.metallb.io", "-A");
        SameAsKubectl("clusterroles", "system:coredns", "-o", "wide");
        SameAsKubectl("pc");
    }

    [SkippableFact]
    public void Objects_print_as_kubectl_prints_them_in_every_format()
    {
        ApiLab.RequireKubectl("1.29");
        SameAsKubectl("deploy", "nginx-deployment", "-o", "yaml");
        SameAsKubectl("pods", "-o", "json");
        SameAsKubectl("node", "vm2", "-o", "yaml");
        SameAsKubectl("pods,svc", "-o", "name");
        SameAsKubectl("pods", "-o", "jsonpath={.items[*].status.podIP}");
        SameAsKubectl("pods", "-A", "-o", "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName");
        SameAsKubectl("cm", "-n", "kube-system", "-o", "yaml", "--show-managed-fields");
    }

    [SkippableFact]
    public void Strings_are_quoted_folded_and_escaped_as_kubectl_does()
    {
        ApiLab.RequireKubectl("1.29");
        // go-yaml v2: double quotes for what would read as another type (or holds a tab), single quotes for indicators,
        // plain otherwise, long lines folded at 80 columns, keys treated as strings too
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["percent"] = "25%",
            ["quotes"] = "say \"hi\"",
            ["colon-space"] = "a: b",
            ["colon"] = "a:b",
            ["hash"] = "a #b",
            ["hash-inside"] = "a#b",
            ["indicator"] = "[x]",
            ["dash"] = "- x",
            ["dashes"] = "--- x",
            ["apostrophe"] = "'x",
            ["date"] = "2026-12-04",
            ["time"] = "2026-12-04T10:00:00Z",
            ["sexagesimal"] = "10:30",
            ["hex"] = "0x1F",
            ["octal-ish"] = "08",
            ["underscores"] = "1_000",
            ["exponent"] = "1e3",
            ["yes"] = "yes",
            ["tab"] = "a\tb",
            ["lines"] = "one\ntwo\n",
            ["n"] = "key that reads as a boolean",
            ["lead"] = " x",
            ["unicode"] = "é ü",
            ["html"] = "<a href=\"x\">&amp;</a>",
            ["controls"] = "x\u0001y\u2028z\rq",
            ["long"] = string.Join(' ', Enumerable.Repeat("word", 40)),
            ["version"] = "1.2.3",
            ["null"] = "~x",
        };
        var data = string.Join(",", values.Select(v => $"{System.Text.Json.JsonSerializer.Serialize(v.Key)}:{System.Text.Json.JsonSerializer.Serialize(v.Value)}"));
        var manifest = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"yaml-strings\"},\"data\":{" + data + "}}";
        Assert.Equal(0, lab.KubectlWithInput("1.29", manifest, "apply", "-f", "-").Code);

        SameAsKubectl("cm", "yaml-strings", "-o", "yaml");
        SameAsKubectl("cm", "yaml-strings", "-o", "json"); // Go's JSON escapes <, > and &
    }

    [SkippableFact]
    public void Errors_are_kubectls_and_what_was_found_still_prints()
    {
        ApiLab.RequireKubectl("1.29");
        SameAsKubectl("pods", "test-pod", "no-such-pod");
        SameAsKubectl("pods", "no-such-pod", "-o", "json");
        SameAsKubectl("pods", "a", "b", "-o", "yaml");
        SameAsKubectl("no-such-type");
        SameAsKubectl("pods", "test-pod", "-A");

        var (code, _, _) = lab.Cli.Run("get", "pods", "no-such-pod", "--name", lab.Name);
        Assert.NotEqual(0, code);
    }
}
