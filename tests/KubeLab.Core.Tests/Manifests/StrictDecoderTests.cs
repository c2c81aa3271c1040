using System.Text;
using k8s.Models;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Manifests;

/// <summary>
/// The one strict decoder (apply -f, up -f and the lab's API server): encoding/json's type errors and strict field
/// validation's unknown fields, worded and placed as the API server words them.
/// </summary>
public sealed class StrictDecoderTests
{
    private static StrictDecoder.Result Check(string json, Type type, bool fromYaml = false) =>
        StrictDecoder.Check(Encoding.UTF8.GetBytes(json), type, fromYaml);

    private static string Refused(string text, string source = "x.yaml")
    {
        var e = Assert.Throws<KubeLabException>(() => ManifestReader.Read(text, source, strict: true));
        Assert.Equal(2, e.ExitCode);
        return e.Message;
    }

    [Fact]
    public void A_valid_object_passes_and_nulls_are_taken_as_go_takes_them()
    {
        Assert.True(Check("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":null},"spec":{"ports":[{"port":80,"targetPort":"http"}],"selector":{"app":"web"}}}""", typeof(V1Service)).Ok);
        Assert.True(Check("""{"spec":{"template":{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":1,"memory":"64Mi"}}}]}}}}""", typeof(V1Deployment)).Ok);
    }

    [Fact]
    public void Every_built_in_scenario_is_read_strictly()
    {
        foreach (var name in Scenarios.Descriptions.Keys)
        {
            Assert.True(Scenarios.TryGet(name, out var text));
            Assert.NotEmpty(ManifestReader.Read(text, name, strict: true));
        }
    }

    [Fact]
    public void Unknown_fields_are_listed_with_indices_in_the_order_given()
    {
        var result = Check("""{"metadata":{"nmae":"x"},"spec":{"ports":[{"port":80},{"port":81,"prot":"TCP"}],"selectr":{}}}""", typeof(V1Service));
        Assert.Null(result.TypeError);
        Assert.Equal(
            "Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"metadata.nmae\", unknown field \"spec.ports[1].prot\", unknown field \"spec.selectr\"",
            result.Message("Service", "v1"));
        Assert.Equal(["spec", "ports", 1, "prot"], result.Unknown[1].Path);
    }

    [Fact]
    public void Field_names_are_case_sensitive_as_in_sigs_k8s_io_json() =>
        Assert.Equal("spec.Ports", Assert.Single(Check("""{"spec":{"Ports":[]}}""", typeof(V1Service)).Unknown).Text);

    [Theory]
    [InlineData("""{"spec":{"replicas":"1"}}""", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")]
    [InlineData("""{"spec":{"replicas":1.5}}""", "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32")]
    [InlineData("""{"spec":{"replicas":1.0}}""", "json: cannot unmarshal number 1.0 into Go struct field DeploymentSpec.spec.replicas of type int32")]
    [InlineData("""{"spec":{"replicas":4294967296}}""", "json: cannot unmarshal number 4294967296 into Go struct field DeploymentSpec.spec.replicas of type int32")]
    [InlineData("""{"spec":{"paused":"yes"}}""", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":{"name":"c"}}}}}""", "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container")]
    [InlineData("""{"spec":"x"}""", "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec")]
    [InlineData("""{"metadata":{"labels":["a"]}}""", "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"c","imagePullPolicy":1}]}}}}""", "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.imagePullPolicy of type v1.PullPolicy")]
    [InlineData("""{"metadata":{"creationTimestamp":5}}""", "json: cannot unmarshal number into Go value of type string")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":true}}}]}}}}""", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    public void A_value_of_the_wrong_type_is_encoding_json_s_error(string json, string expected) =>
        Assert.Equal(expected, Check(json, typeof(V1Deployment)).TypeError?.Text);

    [Fact]
    public void An_int_or_string_of_the_wrong_type_is_its_own_unmarshalers_error()
    {
        Assert.Equal("json: cannot unmarshal bool into Go value of type int32", Check("""{"spec":{"ports":[{"port":80,"targetPort":true}]}}""", typeof(V1Service)).TypeError?.Text);
        Assert.True(Check("""{"spec":{"ports":[{"port":80,"targetPort":"http"},{"port":81,"targetPort":8080}]}}""", typeof(V1Service)).Ok);
    }

    [Fact]
    public void A_whole_float_is_an_integer_when_it_came_from_yaml_as_sigs_k8s_io_yaml_writes_it()
    {
        Assert.True(Check("""{"spec":{"replicas":1.0}}""", typeof(V1Deployment), fromYaml: true).Ok);
        Assert.NotNull(Check("""{"spec":{"replicas":1.5}}""", typeof(V1Deployment), fromYaml: true).TypeError);
        var deployment = (V1Deployment)Assert.Single(ManifestReader.Read("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: 1.0\n", "x.yaml", strict: true)).Object;
        Assert.Equal(1, deployment.Spec.Replicas);
    }

    [Fact]
    public void The_first_type_error_wins_over_unknown_fields_as_the_api_server_reports_it()
    {
        var result = Check("""{"spec":{"prots":1,"ports":[{"port":"80"}],"type":7}}""", typeof(V1Service));
        Assert.Equal("json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32", result.TypeError?.Text);
        Assert.Equal("Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32", result.Message("Service", "v1"));
    }

    [Fact]
    public void Yaml_errors_point_at_the_fields_line_in_documents_and_list_items()
    {
        const string text = "# web\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - port: 80\n  - port: 81\n    prot: TCP\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    a: b\n  dta: {}\n";
        Assert.Equal("x.yaml:9: Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.ports[1].prot\"", Refused(text));
        Assert.Equal("x.yaml:19: ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"dta\"", Refused(text.Replace("    prot: TCP\n", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Json_errors_point_at_the_fields_line()
    {
        const string text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\n    \"containers\": [{\"name\": \"c\",\n      \"image\": 5}]\n  }\n}\n";
        Assert.Equal("x.json:7: Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string", Refused(text, "x.json"));
    }

    [Fact]
    public void Without_strict_a_dump_keeps_its_lenient_reading()
    {
        // dumps of real clusters may carry fields newer than the model and numbers where labels have strings
        var service = (V1Service)Assert.Single(ManifestReader.Read("apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {v: 1}}\nspec: {ports: [{port: 80}], newField: x}\n", "x.yaml")).Object;
        Assert.Equal("1", service.Metadata.Labels["v"]);
        Assert.StartsWith("x.yaml:3: Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string", Refused("apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {v: 1}}\nspec: {ports: [{port: 80}], newField: x}\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_whose_items_are_not_a_list_is_kubectls_decode_error_in_both_modes()
    {
        const string expected = "unable to decode \"x.yaml\": json: cannot unmarshal string into Go struct field decodeList.items of type []json.RawMessage";
        Assert.Equal("x.yaml:3: " + expected, Refused("apiVersion: v1\nkind: List\nitems: five\n"));
        Assert.EndsWith(expected, Assert.Throws<KubeLabException>(() => ManifestReader.Read("apiVersion: v1\nkind: List\nitems: five\n", "x.yaml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_is_resolved_as_go_yaml_v2_resolves_it_for_kubectl_yes_is_a_boolean_and_0644_is_octal()
    {
        // the classic: an env value `yes` is a boolean in YAML 1.1, and the API server refuses it for a string
        const string pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    env:\n    - {name: A, value: yes}\n";
        Assert.Equal("x.yaml:9: Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal bool into Go struct field EnvVar.spec.containers.env.value of type string", Refused(pod));
        Assert.Equal("yes", ((V1Pod)Assert.Single(ManifestReader.Read(pod.Replace("value: yes", "value: \"yes\"", StringComparison.Ordinal), "x.yaml", strict: true)).Object).Spec.Containers[0].Env[0].Value);

        var numbers = (V1Pod)Assert.Single(ManifestReader.Read(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  terminationGracePeriodSeconds: 1_0\n  containers:\n  - name: c\n    image: busybox\n    ports:\n    - containerPort: 0x50\n    - containerPort: 0o120\n    - containerPort: +81\n    - containerPort: 08\n  volumes:\n  - name: v\n    configMap: {name: m, defaultMode: 0644}\n",
            "x.yaml", strict: true)).Object;
        Assert.Equal(420, numbers.Spec.Volumes[0].ConfigMap.DefaultMode);
        Assert.Equal([80, 80, 81, 8], numbers.Spec.Containers[0].Ports.Select(p => p.ContainerPort));
        Assert.Equal(10, numbers.Spec.TerminationGracePeriodSeconds);
        Assert.Equal([true, false, true, false, null], new[] { "on", "Off", "Y", "n", "~" }.Select(word => ManifestReader.Read($"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{hostNetwork: {word}}}\n", "x.yaml", strict: true)).Select(d => ((V1Pod)d.Single().Object).Spec.HostNetwork));
    }

    [Fact]
    public void MetalLbs_own_ip_address_pool_example_with_service_allocation_is_taken()
    {
        // MetalLB v0.14's documented example; its CRD takes every field, so apply's strict decoding must too
        const string pool = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: first-pool, namespace: metallb-system}\nspec:\n  addresses: [10.123.123.100-10.123.123.110]\n  serviceAllocation:\n    priority: 50\n    namespaces: [namespace-a]\n    serviceSelectors:\n    - matchLabels: {foo: bar}\n";
        var read = (KubeLab.Core.MetalLB.V1beta1IPAddressPool)Assert.Single(ManifestReader.Read(pool, "pool.yaml", strict: true)).Object;
        Assert.NotNull(read.Spec.ServiceAllocation);
    }
}
