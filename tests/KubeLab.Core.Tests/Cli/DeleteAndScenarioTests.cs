namespace KubeLab.Core.Tests.Cli;

public sealed class DeleteAndScenarioTests : IDisposable
{
    private readonly CliHarness cli = new();

    public DeleteAndScenarioTests() => cli.Ok("up", "--driver", "none", "--disable", "servicelb");

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Delete_of_a_file_with_a_namespace_and_its_objects_deletes_them_in_reverse_order_of_apply()
    {
        var path = Path.Combine(cli.Home, "team.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: team}
            spec: {containers: [{name: c, image: busybox}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: s, namespace: team}
            spec: {ports: [{port: 80}]}
            """);
        cli.Ok("apply", "-f", path);
        Assert.Equal("service \"s\" deleted\npod \"p\" deleted\nnamespace \"team\" deleted\n", cli.Ok("delete", "-f", path));
        Assert.DoesNotContain("team", cli.Ok("get", "ns"), StringComparison.Ordinal);
    }

    [Fact]
    public void Nodeport_scenario_is_the_cheat_sheets_nginx_np_svc_on_port_30000()
    {
        cli.Ok("apply", "-f", "seed");
        cli.Ok("apply", "-f", "nodeport");
        Assert.Matches(@"^nginx-np-svc   NodePort   10\.43\.100\.80   <none>        80:30000/TCP   ", cli.Ok("get", "svc", "nginx-np-svc").Split('\n')[1]);
    }
}
