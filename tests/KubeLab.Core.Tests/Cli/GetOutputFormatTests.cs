namespace KubeLab.Core.Tests.Cli;

/// <summary>`kubelab get -o jsonpath=…` and `-o custom-columns=…`, as kubectl prints them, on the seed lab (model only).</summary>
public sealed class GetOutputFormatTests : IDisposable
{
    private readonly CliHarness cli = new();

    public GetOutputFormatTests() => cli.Ok("up", "--driver", "none", "--name", "seed", "-f", "seed");

    public void Dispose() => cli.Dispose();

    private string Get(params string[] args) => cli.Ok(["get", .. args, "--name", "seed"]);

    [Fact]
    public void Jsonpath_prints_a_field_of_one_object_without_a_newline()
    {
        Assert.Equal("10.43.180.238", Get("svc", "nginx-service", "-o", "jsonpath={.spec.clusterIP}"));
        Assert.Equal("80", Get("svc", "nginx-service", "-o", "jsonpath={.spec.ports[0].port}"));
        Assert.Equal("{\"app\":\"nginx\"}", Get("svc", "nginx-service", "-o", "jsonpath='{.spec.selector}'"));
    }

    [Fact]
    public void Jsonpath_over_a_list_joins_values_with_a_space_in_the_api_servers_order()
    {
        var names = Get("pods", "-o", "jsonpath={.items[*].metadata.name}").Split(' ');

        Assert.Equal(4, names.Length);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal("test-pod", names[^1]);
    }

    [Fact]
    public void Jsonpath_range_and_filters_print_one_line_per_item()
    {
        var lines = Get("pods", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.status.podIP}{\"\\n\"}{end}");
        var onVm2 = Get("pods", "-o", "jsonpath={.items[?(@.spec.nodeName==\"vm2\")].status.podIP}");

        Assert.Matches(@"^(nginx-deployment-7c79c4bf97-[a-z0-9]{5}\t10\.42\.[012]\.[28]\n){3}test-pod\t10\.42\.1\.4\n$", lines);
        Assert.Equal("10.42.1.2 10.42.1.4", onVm2);
    }

    [Fact]
    public void Custom_columns_print_a_table_with_none_for_missing_values()
    {
        var table = Get("pods", "-o", "custom-columns=NAME:.metadata.name,IP:.status.podIP,NODE:spec.nodeName,GATES:.spec.readinessGates[*].conditionType");

        var lines = table.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^NAME +IP +NODE +GATES$", lines[0]);
        Assert.Matches(@"^test-pod +10\.42\.1\.4 +vm2 +<none>$", lines[^1]);
        Assert.Equal(5, lines.Length);
        // kubectl's tabwriter: columns padded to the widest cell plus 3
        Assert.Equal(lines[0].IndexOf("IP", StringComparison.Ordinal), lines[^1].IndexOf("10.42.1.4", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_output_format_is_a_usage_error_in_kubectls_words()
    {
        var (code, _, error) = cli.Run("get", "pods", "-o", "go-template={{.}}", "--name", "seed");

        Assert.Equal(2, code);
        Assert.Contains("unable to match a printer suitable for the output format \"go-template={{.}}\", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_jsonpath_is_a_usage_error()
    {
        var (code, _, error) = cli.Run("get", "pods", "-o", "jsonpath={.items[*].metadata.name", "--name", "seed");

        Assert.Equal(2, code);
        Assert.Contains("error parsing jsonpath {.items[*].metadata.name, unclosed action", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_and_json_leave_out_managed_fields_unless_asked_as_kubectl_does()
    {
        Assert.DoesNotContain("managedFields", Get("svc", "nginx-service", "-o", "yaml"), StringComparison.Ordinal);
        Assert.DoesNotContain("managedFields", Get("deployments", "-o", "json"), StringComparison.Ordinal);
        var shown = Get("svc", "nginx-service", "-o", "yaml", "--show-managed-fields");
        Assert.Contains("  managedFields:\n  - apiVersion: v1\n    fieldsType: FieldsV1\n", shown, StringComparison.Ordinal);
        Assert.Contains("    manager: kubectl-client-side-apply\n    operation: Update\n", shown, StringComparison.Ordinal);
        // jsonpath reads the object as the API server sends it
        Assert.Equal("kubectl-client-side-apply", Get("svc", "nginx-service", "-o", "jsonpath={.metadata.managedFields[0].manager}"));
    }

    [Fact]
    public void Kubelab_run_writes_the_pod_as_kubectl_run_without_a_last_applied_configuration()
    {
        cli.Ok("run", "mf-run", "--image=nginx", "--name", "seed");
        Assert.Equal("kubectl-run k3s", Get("pod", "mf-run", "-o", "jsonpath={.metadata.managedFields[*].manager}").Replace("k3s kubectl-run", "kubectl-run k3s", StringComparison.Ordinal));
        Assert.Equal("", Get("pod", "mf-run", "-o", "jsonpath={.metadata.annotations}"));
    }
}
