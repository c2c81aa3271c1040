using System.Net;
using System.Text;
using KubeLab.Core.Model;
using KubeLab.Core.Tests.Cli;
using KubeLab.Realize.Workloads;

namespace KubeLab.Core.Tests.Workloads;

/// <summary>Which images a lab emulates, with what flags, and what it says about the others.</summary>
public sealed class ImageEmulationTests
{
    private static Container Image(string image, string[]? args = null, string[]? command = null) =>
        new() { Name = "c", Image = image, Args = args ?? [], Command = command ?? [] };

    [Theory]
    [InlineData(new[] { "-text=hello", "-listen=:5678" }, "hello", 5678)]
    [InlineData(new[] { "--text=hello world" }, "hello world", 5678)]
    [InlineData(new[] { "-text", "hi", "-listen", "0.0.0.0:8080" }, "hi", 8080)]
    public void Http_echo_reads_its_go_flags(string[] args, string text, int port)
    {
        var emulation = ImageEmulation.Of(Image("hashicorp/http-echo:1.0", args));

        Assert.Equal(new Emulation(EmulatedImage.HttpEcho, port, text), emulation);
        Assert.Equal(emulation, ImageEmulation.Of(Image("hashicorp/http-echo", command: ["/http-echo", .. args])));
    }

    [Fact]
    public void Http_echo_without_text_is_not_emulated_since_it_exits_at_once()
    {
        Assert.Equal(EmulatedImage.None, ImageEmulation.Of(Image("hashicorp/http-echo", ["-listen=:5678"])).Kind);
    }

    [Theory]
    [InlineData("traefik/whoami", new string[0], 80, "")]
    [InlineData("containous/whoami:v1.5", new[] { "--port=8080", "-name", "blue" }, 8080, "blue")]
    public void Whoami_reads_port_and_name(string image, string[] args, int port, string name)
    {
        Assert.Equal(new Emulation(EmulatedImage.Whoami, port, Name: name), ImageEmulation.Of(Image(image, args)));
    }

    [Theory]
    [InlineData("nicolaka/netshoot", EmulatedImage.ToolBox)]
    [InlineData("busybox:1.36", EmulatedImage.ToolBox)]
    [InlineData("nginx:latest", EmulatedImage.Nginx)]
    [InlineData("redis:7", EmulatedImage.None)]
    public void Images_are_tool_boxes_servers_or_not_emulated(string image, EmulatedImage kind)
    {
        Assert.Equal(kind, ImageEmulation.Of(Image(image)).Kind);
    }

    [Fact]
    public void Run_of_an_image_that_is_not_emulated_warns_and_of_an_emulated_one_does_not()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--name", "img");

        var (code, output, error) = cli.Run("run", "cache", "--image=redis:7", "--name", "img");
        var echo = cli.Run("run", "hello", "--image=hashicorp/http-echo", "--port=5678", "--name", "img", "--", "-text=hello");
        var tools = cli.Run("run", "box", "--image=busybox", "--name", "img", "--command", "--", "sleep", "infinity");

        Assert.Equal(0, code);
        Assert.Contains("pod/cache created", output, StringComparison.Ordinal);
        Assert.StartsWith("Warning: image \"redis:7\" is not emulated (KubeLab runs no container images): pod default/cache shows Running, but nothing runs or listens in it. Emulated: nginx", error, StringComparison.Ordinal);
        Assert.True(echo.Code == 0 && echo.Err == "", echo.Err);
        Assert.True(tools.Code == 0 && tools.Err == "", tools.Err);

        // the same said where kubectl users look (describe, get events): a Warning Event on the pod, from kubelab
        var events = cli.Ok("get", "events", "--name", "img");
        Assert.Matches(@"\n\d+s\s+Warning\s+NotEmulated\s+pod/cache\s+Image ""redis:7"" is not emulated \(KubeLab runs no container images\): the pod shows Running, but nothing runs or listens in it\. Emulated: nginx", events);
        Assert.Single(events.Split('\n'), l => l.Contains("NotEmulated", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_of_a_deployment_warns_once_for_its_pods()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--name", "img");
        var file = Path.Combine(cli.Home, "web.yaml");
        File.WriteAllText(file, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                  - name: web
                    image: httpd:2.4
            """);

        var (code, _, error) = cli.Run("apply", "-f", file, "--name", "img");
        var again = cli.Run("apply", "-f", file, "--name", "img");

        Assert.Equal(0, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^Warning: image ""httpd:2\.4"" is not emulated \(KubeLab runs no container images\): pods default/web-[a-z0-9]+-[a-z0-9]{5}, default/web-[a-z0-9]+-[a-z0-9]{5} show Running", error);
        Assert.Equal("", again.Err); // unchanged: no new pod, nothing to say
    }

    [Fact]
    public void Http_echo_answers_its_text_with_a_newline_and_its_version_headers()
    {
        var responder = EchoResponders.HttpEcho("hello", 200, () => new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));

        var reply = responder(new HttpRequestHead("GET", "/any/path?x=1", "HTTP/1.1", [new("Host", "hello:5678")], null, []));
        var health = responder(new HttpRequestHead("GET", "/health", "HTTP/1.1", [], null, []));

        Assert.Equal("200 OK", reply.Status);
        Assert.Equal("hello\n", Encoding.UTF8.GetString(reply.Body));
        Assert.Equal(["Content-Length: 6", "Content-Type: text/plain; charset=utf-8", "Date: Thu, 03 Dec 2026 10:00:00 GMT", "X-App-Name: http-echo", "X-App-Version: 1.0.0"],
            reply.Headers.Select(h => $"{h.Key}: {h.Value}"));
        Assert.Equal("{\"status\":\"ok\"}\n", Encoding.UTF8.GetString(health.Body));
    }

    [Fact]
    public void Whoami_prints_the_pod_and_the_request_as_gos_request_write()
    {
        var responder = EchoResponders.Whoami("who-1", "", ["127.0.0.1", "10.42.1.7"], () => DateTimeOffset.UnixEpoch);
        var request = new HttpRequestHead("GET", "/", "HTTP/1.1",
            [new("Host", "whoami"), new("user-agent", "curl/7.88.1"), new("accept", "*/*"), new("x-b", "2"), new("X-A", "1")],
            new IPEndPoint(IPAddress.Parse("10.42.2.3"), 40000), []);

        var body = Encoding.Latin1.GetString(responder(request).Body);

        Assert.Equal(
            "Hostname: who-1\nIP: 127.0.0.1\nIP: 10.42.1.7\nRemoteAddr: 10.42.2.3:40000\n"
            + "GET / HTTP/1.1\r\nHost: whoami\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-A: 1\r\nX-B: 2\r\n\r\n", body);
    }
}
