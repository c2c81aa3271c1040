namespace KubeLab.Core.Tests.Cli;

/// <summary>
/// Objects the API server rejects are rejected with its words (exit 2, nothing changed): the decoder's
/// (encoding/json, strict field validation), kubectl's, and pkg/apis/core/validation's messages.
/// </summary>
public sealed class ApiServerRejectionTests : IDisposable
{
    private readonly CliHarness cli = new();

    public ApiServerRejectionTests() => cli.Ok("up", "--driver", "none");

    public void Dispose() => cli.Dispose();

    private string Rejected(string yaml, params string[] expected)
    {
        var path = Path.Combine(cli.Home, "input.yaml");
        File.WriteAllText(path, yaml);
        var before = File.ReadAllText(Path.Combine(cli.Home, "kubelab", "state.json"));
        var (code, output, error) = cli.Run("apply", "-f", path);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        foreach (var text in expected)
        {
            Assert.Contains(text, error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("k8s.Models", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(cli.Home, "kubelab", "state.json")));
        return error;
    }

    [Fact]
    public void Unknown_field_is_named_by_its_path_as_strict_field_validation_does() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  prots: [{port: 80}]\n",
            "input.yaml:6: Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.prots\"");

    [Fact]
    public void Unknown_field_in_a_list_item_carries_the_items_index() =>
        Rejected("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: c
                    image: nginx
                    imagePullPolicyy: Always
            """,
            "input.yaml:12: Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\"");

    [Fact]
    public void Port_as_a_string_is_the_json_decoders_type_error() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: \"80\"}]}\n",
            "input.yaml:4: Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32");

    [Fact]
    public void Replicas_as_a_string_is_the_json_decoders_type_error() =>
        Rejected("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: "1"
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: c, image: nginx}]}
            """,
            "input.yaml:5: Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");

    [Fact]
    public void Label_value_that_is_a_number_is_the_json_decoders_type_error() =>
        Rejected("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {tier: 1}}\nspec: {containers: [{name: c, image: busybox}]}\n",
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string");

    [Fact]
    public void List_whose_items_are_not_a_list_is_kubectls_decode_error() =>
        Rejected("apiVersion: v1\nkind: List\nitems: 5\n",
            "input.yaml:3: unable to decode \"", "json: cannot unmarshal number into Go struct field decodeList.items of type []json.RawMessage");
}
