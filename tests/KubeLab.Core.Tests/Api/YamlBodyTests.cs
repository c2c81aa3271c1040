using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// Request bodies in YAML (Content-Type application/yaml for create and update, application/apply-patch+yaml for
/// server-side apply), as kube-apiserver v1.29 takes them: read as sigs.k8s.io/yaml reads them, with the JSON
/// bodies' limits, and malformed YAML refused with 400 in the API server's words; sent by a plain HTTP client and by
/// Debian's python3-kubernetes, read back with the real kubectl.
/// </summary>
public sealed class YamlBodyTests(ApiLab lab) : IClassFixture<ApiLab>
{
    private const string Python = "/usr/bin/python3";

    private static StringContent Yaml(string text, string mediaType = "application/yaml") => new(text, Encoding.UTF8, mediaType);

    private static async Task<JsonElement> StatusOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [SkippableFact]
    public async Task A_yaml_body_creates_and_updates_an_object_with_anchors_and_block_scalars()
    {
        ApiLab.RequireKubectl("1.29");
        using var http = lab.AdminHttp(out var port);
        var url = $"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps";
        const string created = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: yaml-body
              labels: &labels
                app: yaml
              annotations: *labels
            data:
              script: |
                echo hi
                echo there
              count: "3"
            """;
        using (var response = await http.PostAsync(url, Yaml(created)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("yaml-body", (await StatusOf(response)).GetProperty("metadata").GetProperty("name").GetString());
        }

        Assert.Equal("3|echo hi\necho there\n|yaml|yaml", lab.KubectlOk("1.29", "get", "configmap", "yaml-body", "-o", "jsonpath={.data.count}|{.data.script}|{.metadata.labels.app}|{.metadata.annotations.app}"));
        // the writer's managedFields entry names the client (no fieldManager: the User-Agent's first part)
        Assert.Equal("Update", lab.KubectlOk("1.29", "get", "configmap", "yaml-body", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[0].operation}"));

        using (var response = await http.PutAsync(url + "/yaml-body?fieldManager=yaml-writer", Yaml(created.Replace("count: \"3\"", "count: \"4\"", StringComparison.Ordinal))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("4", lab.KubectlOk("1.29", "get", "configmap", "yaml-body", "-o", "jsonpath={.data.count}"));
        Assert.Equal("yaml-writer {\"f:data\":{\"f:count\":{}}}", lab.KubectlOk("1.29", "get", "configmap", "yaml-body", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[?(@.manager==\"yaml-writer\")].manager} {.metadata.managedFields[?(@.manager==\"yaml-writer\")].fieldsV1}"));
    }

    [Fact]
    public async Task Malformed_yaml_is_refused_with_400_in_the_api_servers_words_and_nothing_is_stored()
    {
        using var http = lab.AdminHttp(out var port);
        const string body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken-yaml\n data: [\n";
        using var response = await http.PostAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps", Yaml(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = await StatusOf(response);
        Assert.Equal("BadRequest", status.GetProperty("reason").GetString());
        // transformDecodeError: no kind was read, so the body is summarised as the hex of its first 30 bytes
        var hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(body)[..30]);
        Assert.StartsWith($"the object provided is unrecognized ({hex} ...): error converting YAML to JSON: yaml: line 5: ", status.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var get = await http.GetAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps/broken-yaml");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Yaml_whose_aliases_expand_past_the_limits_is_refused_and_nothing_is_stored()
    {
        using var http = lab.AdminHttp(out var port);
        // a "billion laughs": each level refers to the one before ten times
        var body = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\n  annotations:\n    a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 9; i++)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"    a{i}: &a{i} [{string.Join(",", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        using var response = await http.PostAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps", Yaml(body.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("error converting YAML to JSON: yaml: line ", (await StatusOf(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("document contains excessive aliasing", (await StatusOf(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
        using var get = await http.GetAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps/laughs");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_server_side_apply_body_may_be_yaml_and_malformed_yaml_is_an_error_decoding_yaml()
    {
        using var http = lab.AdminHttp(out var port);
        var url = $"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps/applied-yaml?fieldManager=yaml-applier";
        using (var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = Yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied-yaml\ndata:\n  color: blue\n", "application/apply-patch+yaml") })
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var applied = await StatusOf(response);
            Assert.Equal("blue", applied.GetProperty("data").GetProperty("color").GetString());
            Assert.Equal("yaml-applier", applied.GetProperty("metadata").GetProperty("managedFields")[0].GetProperty("manager").GetString());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = Yaml("data:\n  color: [\n", "application/apply-patch+yaml") })
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.StartsWith("error decoding YAML: error converting YAML to JSON: yaml: line ", (await StatusOf(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_in_neither_json_yaml_nor_protobuf_is_refused_with_the_api_servers_415()
    {
        using var http = lab.AdminHttp(out var port);
        using var response = await http.PostAsync($"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps", Yaml("name: x", "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf", (await StatusOf(response)).GetProperty("message").GetString());
    }

    [SkippableFact]
    public void The_python_client_creates_an_object_from_a_yaml_body()
    {
        Skip.IfNot(File.Exists(Python) && Run("-c", "import kubernetes").Code == 0,
            "NOT RUN: Debian's python3-kubernetes is not installed (`apt-get install python3-kubernetes`; .ci/run installs it)");
        var script = $$"""
            from kubernetes import client, config
            config.load_kube_config(config_file="{{lab.Kubeconfig}}")
            api = client.ApiClient()
            body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: python-yaml\ndata:\n  greeting: hello\n"
            made = api.call_api("/api/v1/namespaces/default/configmaps", "POST", header_params={"Content-Type": "application/yaml", "Accept": "application/json"},
                                body=body, response_type="object", _return_http_data_only=True)
            print(made["metadata"]["name"], made["data"]["greeting"])
            try:
                api.call_api("/api/v1/namespaces/default/configmaps", "POST", header_params={"Content-Type": "application/yaml", "Accept": "application/json"},
                             body="metadata: [\n", response_type="object")
            except client.exceptions.ApiException as e:
                print(e.status, e.reason)
            """;
        var (code, output, error) = Run("-c", script);
        Assert.True(code == 0, error);
        Assert.Equal("python-yaml hello\n400 Bad Request\n", output);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python3 did not finish in 60 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
