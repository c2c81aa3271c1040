namespace KubeLab.Core.Tests.Cli;

/// <summary>kubectl get's selectors, table options, TYPE/NAME, all, endpoints and events; unknown options and verbs are usage errors.</summary>
public sealed class GetOptionsTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2024, 6, 10, 3, 0, 0, TimeSpan.Zero);
    private readonly CliHarness cli = new(() => Created);

    public GetOptionsTests()
    {
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        cli.Now = () => Created.AddMinutes(5);
    }

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Label_selector_with_show_labels_lists_only_the_nginx_pods_with_a_labels_column()
    {
        var lines = cli.Ok("get", "pods", "-l", "app=nginx", "--show-labels").TrimEnd('\n').Split('\n');
        Assert.Equal("NAME                                READY   STATUS    RESTARTS   AGE   LABELS", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^nginx-deployment-\S+   1/1     Running   0          5m    app=nginx,pod-template-hash=[a-z0-9]+$", l));
        Assert.Equal("test-pod   1/1   Running   0     5m\n", cli.Ok("get", "pods", "--selector", "app notin (nginx)", "--no-headers"));
        Assert.Equal("test-pod   1/1   Running   0     5m\n", cli.Ok("get", "pods", "-l", "!app", "--no-headers"));
    }

    [Fact]
    public void Field_selector_picks_pods_by_node_and_rejects_fields_the_api_server_does_not_index()
    {
        var vm2 = cli.Ok("get", "pods", "--field-selector", "spec.nodeName=vm2,status.phase=Running", "-o", "name");
        Assert.Matches(@"^pod/nginx-deployment-\S+\npod/test-pod\n$", vm2);
        Assert.Equal("pod/test-pod\n", cli.Ok("get", "pods", "--field-selector", "metadata.name=test-pod", "-o", "name"));
        var (code, _, error) = cli.Run("get", "pods", "--field-selector", "spec.foo=x");
        Assert.Equal(2, code);
        Assert.Contains("field label not supported: spec.foo", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_slash_name_and_all_print_kinds_with_their_prefixes()
    {
        Assert.Equal("""
            NAME       READY   STATUS    RESTARTS   AGE
            test-pod   1/1     Running   0          5m

            NAME                    TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)   AGE
            service/nginx-service   ClusterIP   10.43.180.238   <none>        80/TCP    5m

            """.Replace("NAME       READY   STATUS    RESTARTS   AGE\ntest-pod ", "NAME           READY   STATUS    RESTARTS   AGE\npod/test-pod ", StringComparison.Ordinal),
            cli.Ok("get", "pod/test-pod", "svc/nginx-service"));
        var all = cli.Ok("get", "all");
        Assert.Contains("pod/test-pod ", all, StringComparison.Ordinal);
        Assert.Contains("service/kubernetes ", all, StringComparison.Ordinal);
        Assert.Contains("\ndeployment.apps/nginx-deployment   3/3     3            3           5m\n", all, StringComparison.Ordinal);
        Assert.Contains("\nreplicaset.apps/nginx-deployment-", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoints_list_ready_addresses_as_kubectl_does_and_events_are_what_the_controllers_recorded()
    {
        Assert.Equal("""
            NAME            ENDPOINTS                                AGE
            kubernetes      10.65.94.238:6443                        5m
            nginx-service   10.42.0.8:80,10.42.1.2:80,10.42.2.2:80   5m

            """, cli.Ok("get", "ep"));
        Assert.Equal(cli.Ok("get", "ep", "nginx-service"), cli.Ok("get", "endpoints", "nginx-service"));
        var events = cli.Ok("get", "events");
        Assert.Matches(@"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n", events);
        Assert.Matches(@"\n5m\s+Normal\s+ScalingReplicaSet\s+deployment/nginx-deployment\s+Scaled up replica set nginx-deployment-7c79c4bf97 to 3\n", events);
        // the seed's test-pod names its node (spec.nodeName): no scheduler event, the kubelet's only
        Assert.DoesNotMatch(@"Scheduled\s+pod/test-pod\s", events);
        Assert.Matches(@"\n5m\s+Normal\s+Started\s+pod/test-pod\s+Started container \S+\n", events);
        var (code, output, error) = cli.Run("get", "events", "-n", "kube-public");
        Assert.Equal((0, ""), (code, output));
        Assert.Equal("No resources found in kube-public namespace.\n", error);
    }

    [Fact]
    public void Unknown_option_is_a_usage_error_that_names_it_and_suggests_the_closest()
    {
        var (code, output, error) = cli.Run("get", "pods", "--show-lables");
        Assert.Equal((2, ""), (code, output));
        Assert.Equal("error: unknown flag: --show-lables\n\nDid you mean this?\n\t--show-labels\n\nSee 'kubelab get --help' for usage.\n", error);
        (code, _, error) = cli.Run("get", "pods", "-w");
        Assert.Equal(2, code);
        Assert.StartsWith("error: unknown shorthand flag: 'w' in -w\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Typo_in_a_verb_suggests_the_verb()
    {
        var (code, _, error) = cli.Run("gte", "pods");
        Assert.Equal(2, code);
        Assert.Equal("error: unknown command \"gte\" for \"kubelab\"\n\nDid you mean this?\n\tget\n\nRun 'kubelab --help' for usage.\n", error);
    }
}
