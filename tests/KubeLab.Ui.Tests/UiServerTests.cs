using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json.Nodes;

namespace KubeLab.Ui.Tests;

/// <summary>The server without a browser: where it listens, whom it answers, and that its data is the CLI's.</summary>
[Collection(ModelLabCollection.Name)]
public sealed class UiServerTests(ModelLabFixture fixture)
{
    [Fact]
    public void Server_listens_on_loopback_only()
    {
        var port = fixture.Lab.Server.Url.Port;
        Assert.All(fixture.Lab.Server.Addresses, a => Assert.Equal($"http://127.0.0.1:{port}", a));
        // Every listening TCP socket of this network namespace on the UI's port (the kernel's list, /proc/net/tcp{,6}).
        var listeners = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(e => e.Port == port).ToList();
        Assert.NotEmpty(listeners);
        Assert.All(listeners, e => Assert.True(IPAddress.IsLoopback(e.Address), $"{e} is not a loopback address"));
    }

    [Fact]
    public async Task Server_answers_only_to_its_own_host_names()
    {
        using var http = new HttpClient();
        var ok = await http.GetAsync(fixture.Lab.Server.Url);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("default-src 'self'", ok.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var rebound = new HttpRequestMessage(HttpMethod.Get, fixture.Lab.Server.Url);
        rebound.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(rebound)).StatusCode);
    }

    [Fact]
    public async Task Trace_api_is_kubelab_trace_json_with_a_command_for_each_hop()
    {
        using var http = new HttpClient();
        var page = JsonNode.Parse(await http.GetStringAsync(new Uri(fixture.Lab.Server.Url, "/api/trace?from=test-pod&to=http://nginx-service/")))!;
        var cli = JsonNode.Parse(fixture.Lab.Ok("trace", "test-pod", "http://nginx-service/", "-o", "json", "--name", fixture.Lab.Name))!;
        var commands = Strip(page);
        Assert.True(JsonNode.DeepEquals(cli, page), "the page's trace differs from `kubelab trace -o json` beyond the added commands");
        Assert.Contains($"kubelab exec test-pod --name {fixture.Lab.Name} -- cat /etc/resolv.conf", commands);
        Assert.Contains($"kubelab exec vm1 --name {fixture.Lab.Name} -- ip -d link show flannel.1", commands);
    }

    [Fact]
    public async Task Topology_api_is_the_graph_commands_model()
    {
        using var http = new HttpClient();
        var page = JsonNode.Parse(await http.GetStringAsync(new Uri(fixture.Lab.Server.Url, "/api/topology")))!;
        var text = fixture.Lab.Ok("graph", "--name", fixture.Lab.Name);
        foreach (var pod in page["nodes"]!.AsArray().SelectMany(n => n!["pods"]!.AsArray()))
        {
            Assert.Contains($"{pod!["veth"]} ── eth0 {pod["ip"]}  {pod["namespace"]}/{pod["name"]}", text, StringComparison.Ordinal);
        }

        foreach (var service in page["services"]!.AsArray())
        {
            Assert.Contains($"{service!["namespace"]}/{service["name"]} {service["clusterIP"]} → ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bad_trace_input_gets_the_tracers_message_and_400()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(fixture.Lab.Server.Url, "/api/trace?from=no-such-pod&to=http://nginx-service/"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no-such-pod", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!, StringComparison.Ordinal);
    }

    /// <summary>Removes every "commands" the UI added; returns them.</summary>
    private static List<string> Strip(JsonNode node)
    {
        var found = new List<string>();
        if (node is JsonObject json)
        {
            if (json["commands"] is JsonArray commands)
            {
                found.AddRange(commands.Select(c => (string)c!));
                json.Remove("commands");
            }

            foreach (var child in json.Select(p => p.Value).OfType<JsonNode>().ToList())
            {
                found.AddRange(Strip(child));
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array.OfType<JsonNode>())
            {
                found.AddRange(Strip(child));
            }
        }

        return found;
    }
}
