using System.Text.Json;
using k8s;
using k8s.Models;
using KubeLab.Core.Api;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Api;

// Cases ported from kubernetes/kubernetes pkg/printers/internalversion/printers_test.go. The API server always
// generates the wide cells (pkg/printers/storage: GenerateOptions{Wide: true}), so every expected row here is the
// whole row; where upstream checks only the narrow cells, the wide ones follow from the same printer function.
// Upstream's `time.Now().Add(1.9e9)` (1.9s in the future) is Ago(-1.9s) here, and prints "0s".
public class TablePrintersTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 12, 0, 0, 0, TimeSpan.Zero);

    private static DateTime Ago(TimeSpan ago) => (Now - ago).UtcDateTime;

    private static readonly TimeSpan AlmostNow = TimeSpan.FromSeconds(-1.9);

    private static object?[] Row(string resource, IKubernetesObject<V1ObjectMeta> value) => [.. TablePrinters.Cells(resource, value, Now)];

    private static V1ObjectMeta Meta(string name, TimeSpan? age = null) =>
        new() { Name = name, CreationTimestamp = age is { } a ? Ago(a) : null };

    private static V1ContainerState Running() => new() { Running = new V1ContainerStateRunning() };

    private static V1ContainerState Waiting(string? reason = null) => new() { Waiting = new V1ContainerStateWaiting { Reason = reason } };

    private static V1ContainerState Terminated(string? reason = null, int exitCode = 0) =>
        new() { Terminated = new V1ContainerStateTerminated { Reason = reason, ExitCode = exitCode } };

    private static V1ContainerState FinishedAgo(TimeSpan ago) =>
        new() { Terminated = new V1ContainerStateTerminated { FinishedAt = Ago(ago) } };

    private static V1ContainerStatus Status(
        bool ready = false, int restarts = 0, V1ContainerState? state = null, V1ContainerState? last = null, string? name = null, bool? started = null) =>
        new() { Name = name, Ready = ready, RestartCount = restarts, State = state, LastState = last, Started = started };

    private static List<V1Container> Containers(int n) => [.. Enumerable.Range(0, n).Select(_ => new V1Container())];

    private static V1Pod Pod(
        string name, int containers, string phase, IList<V1ContainerStatus>? statuses = null,
        int initContainers = 0, IList<V1ContainerStatus>? initStatuses = null, string? reason = null,
        IList<V1PodCondition>? conditions = null, bool deleted = false) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, DeletionTimestamp = deleted ? Ago(TimeSpan.FromSeconds(10)) : null },
            Spec = new V1PodSpec { Containers = Containers(containers), InitContainers = initContainers > 0 ? Containers(initContainers) : null },
            Status = new V1PodStatus
            {
                Phase = phase,
                Reason = reason,
                ContainerStatuses = statuses,
                InitContainerStatuses = initStatuses,
                Conditions = conditions,
            },
        };

    private static object?[] NarrowPod(params object?[] cells) => [.. cells, "<none>", "<none>", "<none>", "<none>"];

    // ---- HumanDuration (k8s.io/apimachinery/pkg/util/duration) ----

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(59, "59s")]
    [InlineData(90, "90s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(123, "2m3s")]
    [InlineData(275, "4m35s")]
    [InlineData(330, "5m30s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(6000, "100m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(180 * 60, "3h")]
    [InlineData(3 * 3600 + 30 * 60 + 59, "3h30m")]
    [InlineData(7 * 3600 + 59 * 60, "7h59m")]
    [InlineData(8 * 3600 + 59 * 60, "8h")]
    [InlineData(22 * 3600, "22h")]
    [InlineData(47 * 3600 + 3599, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(49 * 3600, "2d1h")]
    [InlineData(191 * 3600, "7d23h")]
    [InlineData(192 * 3600, "8d")]
    [InlineData(90 * 86400, "90d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(731 * 86400, "2y1d")]
    [InlineData(8 * 365 * 86400 - 86400, "7y364d")]
    [InlineData(8 * 365 * 86400, "8y")]
    [InlineData(3650L * 86400, "10y")]
    public void HumanDuration_keeps_two_or_three_significant_figures(long seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(-1.9, "0s")]
    [InlineData(-1.0, "0s")]
    [InlineData(-2.0, "<invalid>")]
    [InlineData(-2.1, "<invalid>")]
    [InlineData(1.9, "1s")]
    public void HumanDuration_tolerates_under_two_seconds_of_clock_skew(double seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void TranslateTimestampSince_prints_unknown_for_a_missing_timestamp_and_ages_otherwise()
    {
        Assert.Equal("<unknown>", HumanDuration.Since(null, Now));
        Assert.Equal("<unknown>", HumanDuration.Since(default(DateTime), Now));
        Assert.Equal("30s", HumanDuration.Since(Ago(TimeSpan.FromSeconds(30)), Now));
        Assert.Equal("5m", HumanDuration.Since(Ago(TimeSpan.FromMinutes(5)), Now));
        Assert.Equal("100m", HumanDuration.Since(Ago(TimeSpan.FromMinutes(100)), Now));
        Assert.Equal("2d", HumanDuration.Since(Ago(TimeSpan.FromDays(2)), Now));
        Assert.Equal("10y", HumanDuration.Since(Ago(TimeSpan.FromDays(3650)), Now));
        Assert.Equal("<invalid>", HumanDuration.Since(Ago(TimeSpan.FromSeconds(-2.1)), Now));
    }

    // ---- Label selectors (labels.FormatLabels, metav1.FormatLabelSelector) ----

    [Fact]
    public void Label_selectors_print_sorted_by_key_with_set_based_requirements()
    {
        Assert.Equal("<none>", LabelSelectorText.FormatLabelSelector(null));
        Assert.Equal("<none>", LabelSelectorText.FormatLabelSelector(new V1LabelSelector()));
        Assert.Equal("app=nginx", LabelSelectorText.FormatLabelSelector(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "nginx" } }));
        var selector = new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web" },
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["frontend", "backend"] },
                new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "NotIn", Values = ["dev"] },
                new V1LabelSelectorRequirement { Key = "canary", OperatorProperty = "Exists" },
                new V1LabelSelectorRequirement { Key = "legacy", OperatorProperty = "DoesNotExist" },
            ],
        };
        Assert.Equal("app=web,canary,env notin (dev),!legacy,tier in (backend,frontend)", LabelSelectorText.FormatLabelSelector(selector));
    }

    [Fact]
    public void An_invalid_label_selector_prints_as_an_error()
    {
        var noValues = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = [] }] };
        var badKey = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["-bad"] = "x" } };
        var badOperator = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "a", OperatorProperty = "Gt", Values = ["1"] }] };
        Assert.Equal("<error>", LabelSelectorText.FormatLabelSelector(noValues));
        Assert.Equal("<error>", LabelSelectorText.FormatLabelSelector(badKey));
        Assert.Equal("<error>", LabelSelectorText.FormatLabelSelector(badOperator));
        Assert.Equal("<none>", LabelSelectorText.FormatLabels(new Dictionary<string, string>()));
        Assert.Equal("a=1,b=2", LabelSelectorText.FormatLabels(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
    }

    // ---- Pods (TestPrintPod, TestPrintPodWithRestartableInitContainer, TestPrintPodwide) ----

    public static TheoryData<string, V1Pod, object?[]> Pods => new()
    {
        {
            "container counts and restarts",
            Pod("test1", 2, "podPhase", [Status(true, 3, Running()), Status(restarts: 3)]),
            NarrowPod("test1", "1/2", "podPhase", "6", "<unknown>")
        },
        {
            "a waiting container's reason overrides the phase",
            Pod("test2", 2, "podPhase", [Status(true, 3, Running()), Status(restarts: 3, state: Waiting("ContainerWaitingReason"))]),
            NarrowPod("test2", "1/2", "ContainerWaitingReason", "6", "<unknown>")
        },
        {
            "the first container's reason wins over a later terminated one",
            Pod("test3", 2, "podPhase", [Status(restarts: 3, state: Waiting("ContainerWaitingReason")), Status(restarts: 3, state: Terminated("ContainerTerminatedReason"))]),
            NarrowPod("test3", "0/2", "ContainerWaitingReason", "6", "<unknown>")
        },
        {
            "ready is not enough for running",
            Pod("test4", 2, "podPhase", [Status(true, 3, Running()), Status(true, 3)]),
            NarrowPod("test4", "1/2", "podPhase", "6", "<unknown>")
        },
        {
            "status.reason overrides the phase",
            Pod("test5", 2, "podPhase", [Status(true, 3, Running()), Status(true, 3)], reason: "podReason"),
            NarrowPod("test5", "1/2", "podReason", "6", "<unknown>")
        },
        {
            "completed and running without the Ready condition",
            Pod("test6", 2, "Running", [Status(true, 3, Terminated("Completed")), Status(true, 3, Running())]),
            NarrowPod("test6", "1/2", "NotReady", "6", "<unknown>")
        },
        {
            "completed and running with the Ready condition",
            Pod("test6", 2, "Running", [Status(true, 3, Terminated("Completed")), Status(true, 3, Running())],
                conditions: [new V1PodCondition { Type = "Ready", Status = "True" }]),
            NarrowPod("test6", "1/2", "Running", "6", "<unknown>")
        },
        {
            "an init container restarting",
            Pod("test7", 1, "podPhase", [Status(state: Waiting())], 1, [Status(false, 3, Running(), FinishedAgo(TimeSpan.FromSeconds(10)))]),
            NarrowPod("test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>")
        },
        {
            "two init containers, the first restarting",
            Pod("test8", 1, "podPhase", [Status(state: Waiting())], 2,
                [Status(false, 3, Running(), FinishedAgo(TimeSpan.FromSeconds(10))), Status(state: Waiting())]),
            NarrowPod("test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>")
        },
        {
            "two init containers, the first done",
            Pod("test9", 1, "podPhase", [Status(state: Waiting())], 2,
                [Status(state: Terminated()), Status(false, 3, Running(), FinishedAgo(TimeSpan.FromSeconds(10)))]),
            NarrowPod("test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>")
        },
        {
            "two init containers, the first done after restarts",
            Pod("test10", 1, "podPhase", [Status(state: Waiting())], 2,
            [
                Status(false, 2, Terminated(), FinishedAgo(TimeSpan.FromMinutes(2))),
                Status(false, 3, Running(), FinishedAgo(TimeSpan.FromSeconds(10))),
            ]),
            NarrowPod("test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>")
        },
        {
            "init done: only app container restarts count",
            Pod("test11", 1, "Running", [Status(false, 4, Running(), FinishedAgo(TimeSpan.FromSeconds(20)))], 1,
                [Status(false, 2, Terminated(), FinishedAgo(TimeSpan.FromMinutes(2)))]),
            NarrowPod("test11", "0/1", "Running", "4 (20s ago)", "<unknown>")
        },
        {
            "restarted 5d ago",
            Pod("test12", 1, "Running", [Status(true, 3, Running(), FinishedAgo(TimeSpan.FromDays(5)))]),
            NarrowPod("test12", "1/1", "Running", "3 (5d ago)", "<unknown>")
        },
        {
            "one never restarted, one 10d ago",
            Pod("test13", 2, "Running", [Status(true, 0, Running()), Status(true, 3, Running(), FinishedAgo(TimeSpan.FromDays(10)))]),
            NarrowPod("test13", "2/2", "Running", "3 (10d ago)", "<unknown>")
        },
        {
            "the latest restart is shown",
            Pod("test14", 2, "Running",
                [Status(true, 6, Running(), FinishedAgo(TimeSpan.FromDays(5))), Status(true, 3, Running(), FinishedAgo(TimeSpan.FromDays(20)))]),
            NarrowPod("test14", "2/2", "Running", "9 (5d ago)", "<unknown>")
        },
        {
            "scheduling gated",
            Pod("test15", 2, "podPhase", conditions: [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "SchedulingGated" }]),
            NarrowPod("test15", "0/2", "SchedulingGated", "0", "<unknown>")
        },
        {
            "succeeded",
            Pod("test16", 1, "Succeeded", [Status(state: Terminated("Completed"))]),
            NarrowPod("test16", "0/1", "Completed", "0", "<unknown>")
        },
        {
            "failed",
            Pod("test17", 1, "Failed", [Status(state: Terminated("Error", 1))]),
            NarrowPod("test17", "0/1", "Error", "0", "<unknown>")
        },
        {
            // v1.29 shows Terminating for any deleted pod; upstream's "Completed" here came with v1.31 (kubernetes#122038).
            "succeeded and deleted",
            Pod("test18", 1, "Succeeded", [Status(state: Terminated("Completed"))], deleted: true),
            NarrowPod("test18", "0/1", "Terminating", "0", "<unknown>")
        },
        {
            "running and deleted",
            Pod("test19", 1, "Running", [Status(state: Running())], deleted: true),
            NarrowPod("test19", "0/1", "Terminating", "0", "<unknown>")
        },
        {
            "pending and deleted",
            Pod("test20", 1, "Pending", deleted: true),
            NarrowPod("test20", "0/1", "Terminating", "0", "<unknown>")
        },
        {
            "deleted on an unreachable node",
            Pod("lost", 1, "Running", [Status(true, 0, Running())], reason: "NodeLost", deleted: true),
            NarrowPod("lost", "1/1", "Unknown", "0", "<unknown>")
        },
        {
            "CrashLoopBackOff after restarts",
            Pod("crash", 1, "Running", [Status(false, 5, Waiting("CrashLoopBackOff"), FinishedAgo(TimeSpan.FromSeconds(75)))]),
            NarrowPod("crash", "0/1", "CrashLoopBackOff", "5 (75s ago)", "<unknown>")
        },
        {
            "a failed init container shows its reason, exit code or signal",
            Pod("initfail", 1, "Pending", [Status(state: Waiting("PodInitializing"))], 1, [Status(false, 1, Terminated("Error", 1))]),
            NarrowPod("initfail", "0/1", "Init:Error", "1", "<unknown>")
        },
        {
            "a failed init container without a reason shows its exit code",
            Pod("initexit", 1, "Pending", [Status(state: Waiting("PodInitializing"))], 1, [Status(false, 0, Terminated(null, 2))]),
            NarrowPod("initexit", "0/1", "Init:ExitCode:2", "0", "<unknown>")
        },
        {
            "a waiting init container shows its reason",
            Pod("initwait", 1, "Pending", [Status(state: Waiting("PodInitializing"))], 1, [Status(false, 0, Waiting("ImagePullBackOff"))]),
            NarrowPod("initwait", "0/1", "Init:ImagePullBackOff", "0", "<unknown>")
        },
        {
            "a container killed by a signal",
            Pod("signal", 1, "Running", [Status(state: new V1ContainerState { Terminated = new V1ContainerStateTerminated { Signal = 9, ExitCode = 137 } })]),
            NarrowPod("signal", "0/1", "Signal:9", "0", "<unknown>")
        },
    };

    [Theory]
    [MemberData(nameof(Pods))]
    public void Pod_rows_match_the_v1_29_printer(string because, V1Pod pod, object?[] expected)
    {
        Assert.NotEmpty(because);
        Assert.Equal(expected, Row("pods", pod));
    }

    private static V1Pod SidecarPod(string name, string phase, IList<V1ContainerStatus> initStatuses, V1ContainerStatus app, string initialized) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                InitContainers =
                [
                    new V1Container { Name = "restartable-init-1", RestartPolicy = "Always" },
                    new V1Container { Name = "restartable-init-2", RestartPolicy = "Always" },
                ],
                Containers = Containers(1),
            },
            Status = new V1PodStatus
            {
                Phase = phase,
                InitContainerStatuses = initStatuses,
                ContainerStatuses = [app],
                Conditions = [new V1PodCondition { Type = "Initialized", Status = initialized }],
            },
        };

    [Fact]
    public void Sidecars_count_in_ready_and_restarts_once_started()
    {
        var tenSeconds = FinishedAgo(TimeSpan.FromSeconds(10));
        var notStarted = SidecarPod("test1", "Pending",
            [Status(false, 3, Running(), tenSeconds, "restartable-init-1", false), Status(false, 0, Waiting(), null, "restartable-init-2", false)],
            Status(state: Waiting()), "False");
        Assert.Equal(NarrowPod("test1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"), Row("pods", notStarted));

        var firstStarted = SidecarPod("test1", "Pending",
            [Status(false, 3, Running(), tenSeconds, "restartable-init-1", true), Status(false, 0, Running(), null, "restartable-init-2", false)],
            Status(state: Waiting()), "False");
        Assert.Equal(NarrowPod("test1", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"), Row("pods", firstStarted));

        var running = SidecarPod("test2", "Running",
            [Status(false, 3, Running(), tenSeconds, "restartable-init-1", true), Status(false, 0, Running(), null, "restartable-init-2", true)],
            Status(true, 4, Running(), FinishedAgo(TimeSpan.FromSeconds(20))), "True");
        Assert.Equal(NarrowPod("test2", "1/3", "Running", "7 (10s ago)", "<unknown>"), Row("pods", running));

        var completed = SidecarPod("test3", "Succeeded",
            [Status(false, 3, Terminated("Error", 137), tenSeconds, "restartable-init-1", false), Status(false, 0, Terminated("Error", 137), null, "restartable-init-2", false)],
            Status(false, 4, Terminated("Completed"), FinishedAgo(TimeSpan.FromSeconds(20))), "True");
        Assert.Equal(NarrowPod("test3", "0/3", "Completed", "7 (10s ago)", "<unknown>"), Row("pods", completed));
    }

    [Fact]
    public void Statuses_of_containers_that_are_not_in_the_spec_are_plain_init_containers()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "test4" },
            Spec = new V1PodSpec
            {
                InitContainers = [new V1Container { Name = "init1" }, new V1Container { Name = "sidecar1", RestartPolicy = "Always" }],
                Containers = [new V1Container { Name = "container1" }],
            },
            Status = new V1PodStatus
            {
                Phase = "Running",
                InitContainerStatuses = [Status(name: "initinvalid"), Status(name: "init1"), Status(name: "sidecar1")],
                ContainerStatuses = [Status(name: "containerinvalid"), Status(name: "container1")],
            },
        };
        Assert.Equal(NarrowPod("test4", "0/2", "Init:0/2", "0", "<unknown>"), Row("pods", pod));
    }

    [Fact]
    public void Wide_pod_cells_show_the_first_pod_IP_node_nominated_node_and_readiness_gates()
    {
        var pod = Pod("test1", 2, "podPhase", [Status(true, 3, Running()), Status(restarts: 3)],
            conditions: [new V1PodCondition { Type = "condition1", Status = "False" }, new V1PodCondition { Type = "condition2", Status = "True" }]);
        pod.Spec.NodeName = "test1";
        pod.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "condition1" }, new V1PodReadinessGate { ConditionType = "condition2" }, new V1PodReadinessGate { ConditionType = "condition3" }];
        pod.Status.PodIPs = [new V1PodIP { Ip = "1.1.1.1" }, new V1PodIP { Ip = "2001:db8::" }];
        pod.Status.NominatedNodeName = "node1";
        Assert.Equal(["test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"], Row("pods", pod));
    }

    [Fact]
    public void Finished_pods_rows_carry_the_completed_condition()
    {
        Assert.Empty(TablePrinters.RowConditions("pods", Pod("test1", 2, "Running", [Status(true, 3, Running()), Status(restarts: 3)])));
        Assert.Equal(
            [new TableRowCondition("Completed", "True", "Succeeded", "The pod has completed successfully.")],
            TablePrinters.RowConditions("pods", Pod("test1", 2, "Succeeded", [Status(true, 3, Running()), Status(restarts: 3)])));
        var failed = Pod("test2", 2, "Failed", [Status(true, 3, Running()), Status(restarts: 3)]);
        Assert.Equal([new TableRowCondition("Completed", "True", "Failed", "The pod failed.")], TablePrinters.RowConditions("pods", failed));
        Assert.Equal(NarrowPod("test2", "1/2", "Failed", "6", "<unknown>"), Row("pods", failed));
        Assert.Empty(TablePrinters.RowConditions("services", new V1Service()));
    }

    // ---- Services (TestPrintService, TestPrintServiceLoadBalancer) ----

    private static V1Service Service(string name, string type, IList<V1ServicePort>? ports = null, IList<string>? externalIPs = null,
        IList<string>? lbIPs = null, IDictionary<string, string>? selector = null, string? clusterIP = "10.9.8.7", string? externalName = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec
            {
                Type = type,
                Ports = ports,
                ClusterIPs = clusterIP is null ? null : [clusterIP],
                ExternalIPs = externalIPs,
                Selector = selector,
                ExternalName = externalName,
            },
            Status = lbIPs is null ? null : new V1ServiceStatus
            {
                LoadBalancer = new V1LoadBalancerStatus { Ingress = [.. lbIPs.Select(ip => new V1LoadBalancerIngress { Ip = ip, Hostname = "host-" + ip })] },
            },
        };

    private static V1ServicePort Port(int port, string protocol = "tcp", int? nodePort = null) => new() { Port = port, Protocol = protocol, NodePort = nodePort };

    public static TheoryData<V1Service, object?[]> Services => new()
    {
        { Service("test1", "ClusterIP", [Port(2233)], selector: new Dictionary<string, string> { ["foo"] = "bar" }), ["test1", "ClusterIP", "10.9.8.7", "<none>", "2233/tcp", "<unknown>", "foo=bar"] },
        { Service("test2", "NodePort", [Port(8888, nodePort: 9999)]), ["test2", "NodePort", "10.9.8.7", "<none>", "8888:9999/tcp", "<unknown>", "<none>"] },
        { Service("test3", "LoadBalancer", [Port(8888)]), ["test3", "LoadBalancer", "10.9.8.7", "<pending>", "8888/tcp", "<unknown>", "<none>"] },
        { Service("test4", "LoadBalancer", [Port(8888)], ["80.11.12.10"]), ["test4", "LoadBalancer", "10.9.8.7", "80.11.12.10", "8888/tcp", "<unknown>", "<none>"] },
        { Service("test5", "LoadBalancer", [Port(8888)], ["80.11.12.10"], ["3.4.5.6"]), ["test5", "LoadBalancer", "10.9.8.7", "3.4.5.6,80.11.12.10", "8888/tcp", "<unknown>", "<none>"] },
        {
            Service("test6", "LoadBalancer", [Port(8888)], ["80.11.12.10", "80.11.12.11"], ["3.4.5.6", "2.3.4.5"]),
            ["test6", "LoadBalancer", "10.9.8.7", "2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11", "8888/tcp", "<unknown>", "<none>"]
        },
        { Service("test7", "ExternalName", clusterIP: null, externalName: "my.database.example.com"), ["test7", "ExternalName", "<none>", "my.database.example.com", "<none>", "<unknown>", "<none>"] },
        {
            Service("service2", "LoadBalancer", [Port(80, "TCP"), Port(8090, "UDP"), Port(8000, "TCP"), Port(7777, "SCTP")], clusterIP: "1.3.4.5"),
            ["service2", "LoadBalancer", "1.3.4.5", "<pending>", "80/TCP,8090/UDP,8000/TCP,7777/SCTP", "<unknown>", "<none>"]
        },
        {
            // The server prints wide, so a long ingress list is never clipped to 16 characters.
            Service("service4", "LoadBalancer", [Port(80, "TCP")], lbIPs: ["2.3.4.5", "3.4.5.6", "5.6.7.8"], selector: new Dictionary<string, string> { ["foo"] = "bar" }, clusterIP: "1.5.6.7"),
            ["service4", "LoadBalancer", "1.5.6.7", "2.3.4.5,3.4.5.6,5.6.7.8", "80/TCP", "<unknown>", "foo=bar"]
        },
        { Service("headless", "ClusterIP", [Port(80, "TCP")], clusterIP: "None"), ["headless", "ClusterIP", "None", "<none>", "80/TCP", "<unknown>", "<none>"] },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void Service_rows_match_the_printer(V1Service service, object?[] expected) =>
        Assert.Equal(expected, Row("services", service));

    [Fact]
    public void A_load_balancer_ingress_list_is_clipped_to_16_characters_only_when_not_wide()
    {
        var status = new V1LoadBalancerStatus
        {
            Ingress = [new V1LoadBalancerIngress { Ip = "2.3.4.5" }, new V1LoadBalancerIngress { Ip = "3.4.5.6" }, new V1LoadBalancerIngress { Hostname = "host5678" }],
        };
        Assert.Equal("2.3.4.5,3.4.5...", TablePrinters.LoadBalancerStatusText(status, wide: false));
        Assert.Equal("2.3.4.5,3.4.5.6,host5678", TablePrinters.LoadBalancerStatusText(status, wide: true));
    }

    // ---- Nodes (TestPrintNodeStatus, TestPrintNodeRole, TestPrintNodeOSImage, …) ----

    private static V1Node Node(string name, IList<V1NodeCondition>? conditions = null, bool unschedulable = false,
        IDictionary<string, string>? labels = null, IList<V1NodeAddress>? addresses = null, V1NodeSystemInfo? info = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1NodeSpec { Unschedulable = unschedulable },
            Status = new V1NodeStatus { Conditions = conditions, Addresses = addresses, NodeInfo = info },
        };

    private static V1NodeAddress Address(string address, string type) => new() { Address = address, Type = type };

    private static V1NodeCondition Ready(string status) => new() { Type = "Ready", Status = status };

    private static object?[] NarrowNode(string name, string status, string roles = "<none>") =>
        [name, status, roles, "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"];

    public static TheoryData<V1Node, object?[]> Nodes => new()
    {
        { Node("foo1", [Ready("True")]), NarrowNode("foo1", "Ready") },
        { Node("foo2", [Ready("True")], unschedulable: true), NarrowNode("foo2", "Ready,SchedulingDisabled") },
        { Node("foo3", [Ready("True"), Ready("True")]), NarrowNode("foo3", "Ready") },
        { Node("foo4", [Ready("False")]), NarrowNode("foo4", "NotReady") },
        { Node("foo5", [Ready("False")], unschedulable: true), NarrowNode("foo5", "NotReady,SchedulingDisabled") },
        { Node("foo6", [new V1NodeCondition { Type = "InvalidValue", Status = "True" }]), NarrowNode("foo6", "Unknown") },
        { Node("foo7", [new V1NodeCondition()]), NarrowNode("foo7", "Unknown") },
        { Node("foo8", [new V1NodeCondition { Type = "InvalidValue", Status = "True" }], unschedulable: true), NarrowNode("foo8", "Unknown,SchedulingDisabled") },
        { Node("unknown-ready", [Ready("Unknown")]), NarrowNode("unknown-ready", "NotReady") },
        { Node("foo9"), NarrowNode("foo9", "Unknown") },
        {
            Node("foo10", labels: new Dictionary<string, string>
            {
                ["node-role.kubernetes.io/master"] = "", ["node-role.kubernetes.io/control-plane"] = "", ["node-role.kubernetes.io/proxy"] = "", ["kubernetes.io/role"] = "node",
            }),
            NarrowNode("foo10", "Unknown", "control-plane,master,node,proxy")
        },
        { Node("foo11", labels: new Dictionary<string, string> { ["kubernetes.io/role"] = "node" }), NarrowNode("foo11", "Unknown", "node") },
        { Node("empty-role", labels: new Dictionary<string, string> { ["node-role.kubernetes.io/"] = "", ["kubernetes.io/role"] = "" }), NarrowNode("empty-role", "Unknown") },
        {
            Node("foo1", addresses: [Address("1.1.1.1", "ExternalIP")], info: new V1NodeSystemInfo { OsImage = "fake-os-image" }),
            ["foo1", "Unknown", "<none>", "<unknown>", "", "<none>", "1.1.1.1", "fake-os-image", "<unknown>", "<unknown>"]
        },
        {
            Node("foo2", addresses: [Address("1.1.1.1", "ExternalIP")], info: new V1NodeSystemInfo { KernelVersion = "fake-kernel-version" }),
            ["foo2", "Unknown", "<none>", "<unknown>", "", "<none>", "1.1.1.1", "<unknown>", "fake-kernel-version", "<unknown>"]
        },
        {
            Node("foo1", addresses: [Address("1.1.1.1", "ExternalIP")], info: new V1NodeSystemInfo { ContainerRuntimeVersion = "foo://1.2.3" }),
            ["foo1", "Unknown", "<none>", "<unknown>", "", "<none>", "1.1.1.1", "<unknown>", "<unknown>", "foo://1.2.3"]
        },
        {
            Node("foo3", addresses: [Address("2.2.2.2", "ExternalIP"), Address("3.3.3.3", "InternalIP"), Address("4.4.4.4", "ExternalIP")]),
            ["foo3", "Unknown", "<none>", "<unknown>", "", "3.3.3.3", "2.2.2.2", "<unknown>", "<unknown>", "<unknown>"]
        },
        {
            Node("foo3", addresses: [Address("2.2.2.2", "InternalIP"), Address("3.3.3.3", "ExternalIP"), Address("4.4.4.4", "InternalIP")]),
            ["foo3", "Unknown", "<none>", "<unknown>", "", "2.2.2.2", "3.3.3.3", "<unknown>", "<unknown>", "<unknown>"]
        },
        { Node("127.0.0.1"), NarrowNode("127.0.0.1", "Unknown") },
    };

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Node_rows_match_the_printer(V1Node node, object?[] expected) =>
        Assert.Equal(expected, Row("nodes", node));

    // ---- Events (TestPrintEvent) ----

    private static Corev1Event Event(string name, string kind, DateTime? first = null, DateTime? last = null, DateTime? eventTime = null,
        int? count = null, Corev1EventSeries? series = null, V1EventSource? source = null, string? reportingController = null, string? reportingInstance = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            InvolvedObject = new V1ObjectReference { Kind = kind, Name = kind + " Name", FieldPath = "spec.containers{foo}" },
            Reason = "Event Reason",
            Message = "Message Data",
            Type = "Warning",
            FirstTimestamp = first,
            LastTimestamp = last,
            EventTime = eventTime,
            Count = count,
            Series = series,
            Source = source ?? new V1EventSource { Component = "kubelet", Host = "Node1" },
            ReportingComponent = reportingController,
            ReportingInstance = reportingInstance,
        };

    public static TheoryData<Corev1Event, object?[]> Events
    {
        get
        {
            var twoDays = Ago(TimeSpan.FromDays(2));
            var threeDays = Ago(TimeSpan.FromDays(3));
            var basic = Event("event1", "Pod", threeDays, twoDays, count: 6, source: new V1EventSource { Component = "kubelet" });
            basic.Type = "Normal";
            return new()
            {
                { basic, ["2d", "Normal", "Event Reason", "pod/Pod Name", "spec.containers{foo}", "kubelet", "Message Data", "3d", 6L, "event1"] },
                {
                    Event("event2", "Deployment", threeDays, twoDays, count: 6),
                    ["2d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 6L, "event2"]
                },
                {
                    Event("event3", "Deployment", last: threeDays, eventTime: threeDays, count: 1),
                    ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 1L, "event3"]
                },
                {
                    Event("event4", "Deployment", first: threeDays, eventTime: threeDays, count: 1),
                    ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 1L, "event4"]
                },
                {
                    Event("event5", "Deployment", eventTime: threeDays, count: 1),
                    ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 1L, "event5"]
                },
                {
                    Event("event6", "Deployment", eventTime: threeDays, series: new Corev1EventSeries { Count = 2, LastObservedTime = twoDays }),
                    ["2d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 2L, "event6"]
                },
                {
                    Event("event7", "Deployment", eventTime: threeDays),
                    ["3d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, Node1", "Message Data", "3d", 1L, "event7"]
                },
                {
                    Event("event2", "Deployment", threeDays, twoDays, count: 6, source: new V1EventSource(), reportingController: "kubelet", reportingInstance: "test"),
                    ["2d", "Warning", "Event Reason", "deployment/Deployment Name", "spec.containers{foo}", "kubelet, test", "Message Data", "3d", 6L, "event2"]
                },
            };
        }
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_rows_match_the_printer(Corev1Event e, object?[] expected) =>
        Assert.Equal(expected, Row("events", e));

    [Fact]
    public void The_events_table_has_no_namespace_column_kubectl_adds_it_for_all_namespaces()
    {
        var columns = TablePrinters.Columns("events");
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], columns.Select(c => c.Name));
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Message"], columns.Where(c => c.Priority == 0).Select(c => c.Name));
        Assert.DoesNotContain(columns, c => c.Name == "Namespace");
        Assert.Equal("name", columns[^1].Format);
    }

    // ---- Namespaces, secrets, service accounts, config maps, leases ----

    [Fact]
    public void Namespace_rows_show_the_phase_and_age()
    {
        var ns = new V1Namespace { Metadata = Meta("namespace1", AlmostNow), Status = new V1NamespaceStatus { Phase = "FooStatus" } };
        Assert.Equal(["namespace1", "FooStatus", "0s"], Row("namespaces", ns));
        // Upstream's printer prints "" for a namespace without status; the API server never stores one (it sets Active).
        Assert.Equal(["namespace2", "Active", "<unknown>"], Row("namespaces", new V1Namespace { Metadata = Meta("namespace2") }));
    }

    [Fact]
    public void Secret_rows_count_data_keys()
    {
        var token = new V1Secret
        {
            Metadata = Meta("secret1", AlmostNow),
            Type = "kubernetes.io/service-account-token",
            Data = new Dictionary<string, byte[]> { ["token"] = "secret data"u8.ToArray() },
        };
        Assert.Equal(["secret1", "kubernetes.io/service-account-token", 1L, "0s"], Row("secrets", token));
        Assert.Equal(["secret1", "kubernetes.io/service-account-token", 0L, "0s"], Row("secrets", new V1Secret { Metadata = Meta("secret1", AlmostNow), Type = "kubernetes.io/service-account-token" }));
    }

    [Fact]
    public void Service_account_rows_count_secrets()
    {
        Assert.Equal(["sa1", 0L, "0s"], Row("serviceaccounts", new V1ServiceAccount { Metadata = Meta("sa1", AlmostNow), Secrets = [] }));
        Assert.Equal(["sa1", 2L, "0s"], Row("serviceaccounts", new V1ServiceAccount
        {
            Metadata = Meta("sa1", AlmostNow),
            Secrets = [new V1ObjectReference { Name = "Secret1" }, new V1ObjectReference { Name = "Secret2" }],
        }));
    }

    [Fact]
    public void Config_map_rows_count_data_and_binary_data()
    {
        Assert.Equal(["configmap1", 0L, "0s"], Row("configmaps", new V1ConfigMap { Metadata = Meta("configmap1", AlmostNow) }));
        Assert.Equal(["configmap2", 1L, "0s"], Row("configmaps", new V1ConfigMap
        {
            Metadata = Meta("configmap2", AlmostNow),
            Data = new Dictionary<string, string> { ["foo"] = "bar" },
        }));
        Assert.Equal(["configmap3", 2L, "0s"], Row("configmaps", new V1ConfigMap
        {
            Metadata = Meta("configmap3", AlmostNow),
            Data = new Dictionary<string, string> { ["foo"] = "bar" },
            BinaryData = new Dictionary<string, byte[]> { ["bin"] = "binary data"u8.ToArray() },
        }));
    }

    [Fact]
    public void Lease_rows_show_the_holder()
    {
        Assert.Equal(["lease1", "holder1", "0s"], Row("leases", new V1Lease { Metadata = Meta("lease1", AlmostNow), Spec = new V1LeaseSpec { HolderIdentity = "holder1" } }));
        Assert.Equal(["lease2", "holder2", "5m"], Row("leases", new V1Lease { Metadata = Meta("lease2", TimeSpan.FromMinutes(5)), Spec = new V1LeaseSpec { HolderIdentity = "holder2" } }));
        Assert.Equal(["free", "", "5m"], Row("leases", new V1Lease { Metadata = Meta("free", TimeSpan.FromMinutes(5)), Spec = new V1LeaseSpec() }));
    }

    // ---- Endpoints and EndpointSlices (TestPrintEndpoint, TestPrintEndpointSlice) ----

    private static V1Endpoints Endpoints(string name, TimeSpan age, params V1EndpointSubset[] subsets) =>
        new() { Metadata = Meta(name, age), Subsets = subsets.Length == 0 ? null : subsets };

    private static V1EndpointSubset Subset(IEnumerable<string> ips, params int[] ports) =>
        new()
        {
            Addresses = [.. ips.Select(ip => new V1EndpointAddress { Ip = ip })],
            Ports = ports.Length == 0 ? null : [.. ports.Select(p => new Corev1EndpointPort { Port = p, Protocol = "tcp" })],
        };

    [Fact]
    public void Endpoints_rows_list_three_addresses_then_how_many_more()
    {
        Assert.Equal(["endpoint1", "<none>", "0s"], Row("endpoints", Endpoints("endpoint1", AlmostNow)));
        Assert.Equal(["endpoint3", "1.2.3.4,5.6.7.8", "5m"], Row("endpoints", Endpoints("endpoint3", TimeSpan.FromMinutes(5), Subset(["1.2.3.4", "5.6.7.8"]))));
        Assert.Equal(["endpoint2", "1.2.3.4:8001,5.6.7.8:8001", "0s"], Row("endpoints", Endpoints("endpoint2", AlmostNow, Subset(["1.2.3.4", "5.6.7.8"], 8001))));
        Assert.Equal(
            ["endpoint2", "1.2.3.4:8001,5.6.7.8:8001,9.8.7.6:8001 + 1 more...", "0s"],
            Row("endpoints", Endpoints("endpoint2", AlmostNow, Subset(["1.2.3.4", "5.6.7.8", "9.8.7.6", "6.6.6.6"], 8001))));
        // Every port of a subset repeats its addresses; IPv6 goes in brackets (net.JoinHostPort).
        Assert.Equal(
            ["kube-dns", "10.42.0.3:53,10.42.0.3:53,10.42.0.3:9153", "22h"],
            Row("endpoints", Endpoints("kube-dns", TimeSpan.FromHours(22), Subset(["10.42.0.3"], 53, 53, 9153))));
        Assert.Equal(["v6", "[fd00::1]:80", "22h"], Row("endpoints", Endpoints("v6", TimeSpan.FromHours(22), Subset(["fd00::1"], 80))));
    }

    private static V1EndpointSlice Slice(string name, TimeSpan age, string addressType, IList<Discoveryv1EndpointPort>? ports, params string[][] endpoints) =>
        new()
        {
            Metadata = Meta(name, age),
            AddressType = addressType,
            Ports = ports,
            Endpoints = [.. endpoints.Select(a => new V1Endpoint { Addresses = a })],
        };

    private static Discoveryv1EndpointPort SlicePort(string name, int? port) => new() { Name = name, Port = port, Protocol = "TCP" };

    [Fact]
    public void Endpoint_slice_rows_list_ports_and_addresses_three_at_most()
    {
        Assert.Equal(
            ["abcslice.123", "IPv4", "80", "10.1.2.3,2001:db8::1234:5678", "0s"],
            Row("endpointslices", Slice("abcslice.123", AlmostNow, "IPv4", [SlicePort("http", 80)], ["10.1.2.3", "2001:db8::1234:5678"])));
        Assert.Equal(
            ["longerslicename.123", "IPv6", "80,443", "10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...", "5m"],
            Row("endpointslices", Slice("longerslicename.123", TimeSpan.FromMinutes(5), "IPv6", [SlicePort("http", 80), SlicePort("https", 443)],
                ["10.1.2.3", "2001:db8::1234:5678"], ["10.2.3.4", "2001:db8::2345:6789"])));
        Assert.Equal(
            ["multiportslice.123", "IPv4", "80,443,3000 + 1 more...", "10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...", "5m"],
            Row("endpointslices", Slice("multiportslice.123", TimeSpan.FromMinutes(5), "IPv4",
                [SlicePort("http", 80), SlicePort("https", 443), SlicePort("extra1", 3000), SlicePort("extra2", 3001)],
                ["10.1.2.3", "2001:db8::1234:5678"], ["10.2.3.4", "2001:db8::2345:6789"])));
        // A port without a number shows its name, without either "*"; no ports or addresses at all is "<unset>".
        Assert.Equal(
            ["named", "IPv4", "http,*", "<unset>", "5m"],
            Row("endpointslices", Slice("named", TimeSpan.FromMinutes(5), "IPv4", [SlicePort("http", null), new Discoveryv1EndpointPort()])));
        Assert.Equal(["empty", "IPv4", "<unset>", "<unset>", "5m"], Row("endpointslices", Slice("empty", TimeSpan.FromMinutes(5), "IPv4", null)));
    }

    // ---- Workloads (TestPrintDeployment, TestPrintDaemonSet, TestPrintJob, TestPrintReplicaSet, TestPrintStatefulSet) ----

    private static V1PodTemplateSpec TwoContainers(string prefix = "fake-") => new()
    {
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container { Name = prefix + "container1", Image = prefix + "image1" },
                new V1Container { Name = prefix + "container2", Image = prefix + "image2" },
            ],
        },
    };

    private static V1LabelSelector Selector(string key, string value) => new() { MatchLabels = new Dictionary<string, string> { [key] = value } };

    [Fact]
    public void Deployment_rows_show_ready_over_desired_and_the_selector_as_a_selector_string()
    {
        var deployment = new V1Deployment
        {
            Metadata = Meta("test1", AlmostNow),
            Spec = new V1DeploymentSpec { Replicas = 5, Template = TwoContainers(), Selector = Selector("foo", "bar") },
            Status = new V1DeploymentStatus { Replicas = 10, UpdatedReplicas = 2, AvailableReplicas = 1, UnavailableReplicas = 4 },
        };
        Assert.Equal(["test1", "0/5", 2L, 1L, "0s", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"], Row("deployments", deployment));

        // labels.Selector.String(), not FormatLabelSelector: an empty selector prints "" and a bad one "<invalid>".
        deployment.Spec.Selector = new V1LabelSelector();
        Assert.Equal("", Row("deployments", deployment)[^1]);
        deployment.Spec.Selector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "a", OperatorProperty = "In" }] };
        Assert.Equal("<invalid>", Row("deployments", deployment)[^1]);
    }

    [Fact]
    public void Daemon_set_rows_show_the_scheduling_counts_and_node_selector()
    {
        var ds = new V1DaemonSet
        {
            Metadata = Meta("test1", AlmostNow),
            Spec = new V1DaemonSetSpec { Template = TwoContainers(), Selector = Selector("foo", "bar") },
            Status = new V1DaemonSetStatus { CurrentNumberScheduled = 2, DesiredNumberScheduled = 3, NumberReady = 1, UpdatedNumberScheduled = 2, NumberAvailable = 0 },
        };
        Assert.Equal(["test1", 3L, 2L, 1L, 2L, 0L, "<none>", "0s", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"], Row("daemonsets", ds));
        ds.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" };
        Assert.Equal("kubernetes.io/os=linux", Row("daemonsets", ds)[6]);
    }

    public static TheoryData<V1Job, object?[]> Jobs => new()
    {
        {
            new V1Job
            {
                Metadata = Meta("job1", AlmostNow),
                Spec = new V1JobSpec { Completions = 2, Template = TwoContainers("fake-job-"), Selector = Selector("job-label", "job-lable-value") },
                Status = new V1JobStatus { Succeeded = 1 },
            },
            ["job1", "1/2", "", "0s", "fake-job-container1,fake-job-container2", "fake-job-image1,fake-job-image2", "job-label=job-lable-value"]
        },
        {
            new V1Job { Metadata = Meta("job2", TimeSpan.FromDays(3652)), Spec = new V1JobSpec(), Status = new V1JobStatus { Succeeded = 0 } },
            ["job2", "0/1", "", "10y", "", "", "<none>"]
        },
        {
            new V1Job
            {
                Metadata = Meta("job3", TimeSpan.FromDays(3650)),
                Spec = new V1JobSpec(),
                Status = new V1JobStatus { StartTime = Ago(TimeSpan.FromMinutes(-1)), CompletionTime = Ago(TimeSpan.FromMinutes(-31)) },
            },
            ["job3", "0/1", "30m", "10y", "", "", "<none>"]
        },
        {
            new V1Job { Metadata = Meta("job4", TimeSpan.FromDays(3650)), Spec = new V1JobSpec(), Status = new V1JobStatus { StartTime = Ago(TimeSpan.FromMinutes(20)) } },
            ["job4", "0/1", "20m", "10y", "", "", "<none>"]
        },
        {
            new V1Job { Metadata = Meta("parallel", TimeSpan.FromMinutes(5)), Spec = new V1JobSpec { Parallelism = 3 }, Status = new V1JobStatus { Succeeded = 1 } },
            ["parallel", "1/1 of 3", "", "5m", "", "", "<none>"]
        },
    };

    [Theory]
    [MemberData(nameof(Jobs))]
    public void Job_rows_match_the_v1_29_printer_without_a_status_column(V1Job job, object?[] expected) =>
        Assert.Equal(expected, Row("jobs", job));

    [Fact]
    public void Replica_set_and_stateful_set_rows_match_the_printer()
    {
        var rs = new V1ReplicaSet
        {
            Metadata = Meta("test1", AlmostNow),
            Spec = new V1ReplicaSetSpec { Replicas = 5, Template = TwoContainers(), Selector = Selector("foo", "bar") },
            Status = new V1ReplicaSetStatus { Replicas = 5, ReadyReplicas = 2 },
        };
        Assert.Equal(["test1", 5L, 5L, 2L, "0s", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"], Row("replicasets", rs));

        var sts = new V1StatefulSet
        {
            Metadata = Meta("test1", AlmostNow),
            Spec = new V1StatefulSetSpec { Replicas = 5, Template = TwoContainers() },
            Status = new V1StatefulSetStatus { Replicas = 5, ReadyReplicas = 2 },
        };
        Assert.Equal(["test1", "2/5", "0s", "fake-container1,fake-container2", "fake-image1,fake-image2"], Row("statefulsets", sts));
    }

    // ---- Ingresses, ingress classes, network policies, storage classes, role bindings ----

    [Fact]
    public void Ingress_rows_show_class_hosts_address_and_ports()
    {
        var ingress = new V1Ingress
        {
            Metadata = Meta("test1", TimeSpan.FromDays(3650)),
            Spec = new V1IngressSpec
            {
                IngressClassName = "foo",
                DefaultBackend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "default-backend", Port = new V1ServiceBackendPort { Name = "default-backend", Number = 80 } } },
            },
            Status = new V1IngressStatus
            {
                LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = [new V1IngressLoadBalancerIngress { Ip = "2.3.4.5", Hostname = "localhost.localdomain" }] },
            },
        };
        Assert.Equal(["test1", "foo", "*", "2.3.4.5", "80", "10y"], Row("ingresses", ingress));

        ingress.Spec.IngressClassName = null;
        ingress.Spec.Tls = [new V1IngressTLS { Hosts = ["a.example.com"] }];
        ingress.Spec.Rules = [.. new[] { "a.example.com", "", "b.example.com", "c.example.com", "d.example.com" }.Select(h => new V1IngressRule { Host = h })];
        Assert.Equal(["test1", "<none>", "a.example.com,b.example.com,c.example.com + 2 more...", "2.3.4.5", "80, 443", "10y"], Row("ingresses", ingress));
    }

    [Fact]
    public void Ingress_class_rows_show_the_controller_and_parameters()
    {
        var withParams = new V1IngressClass
        {
            Metadata = Meta("test1", TimeSpan.FromDays(3650)),
            Spec = new V1IngressClassSpec { Controller = "example.com/controller", Parameters = new V1IngressClassParametersReference { Kind = "customgroup", Name = "example" } },
        };
        Assert.Equal(["test1", "example.com/controller", "customgroup/example", "10y"], Row("ingressclasses", withParams));
        withParams.Spec.Parameters.ApiGroup = "example.com";
        Assert.Equal(["test1", "example.com/controller", "customgroup.example.com/example", "10y"], Row("ingressclasses", withParams));
        var bare = new V1IngressClass { Metadata = Meta("test2", TimeSpan.FromDays(11 * 365)), Spec = new V1IngressClassSpec { Controller = "example.com/controller2" } };
        Assert.Equal(["test2", "example.com/controller2", "<none>", "11y"], Row("ingressclasses", bare));
    }

    [Fact]
    public void Network_policy_rows_show_the_pod_selector()
    {
        Assert.Equal(["all", "<none>", "5m"], Row("networkpolicies", new V1NetworkPolicy { Metadata = Meta("all", TimeSpan.FromMinutes(5)), Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector() } }));
        Assert.Equal(["web", "app=nginx", "5m"], Row("networkpolicies", new V1NetworkPolicy { Metadata = Meta("web", TimeSpan.FromMinutes(5)), Spec = new V1NetworkPolicySpec { PodSelector = Selector("app", "nginx") } }));
    }

    [Fact]
    public void Storage_class_rows_default_the_policies_and_mark_the_default_class()
    {
        Assert.Equal(["sc1", "kubernetes.io/glusterfs", "Delete", "Immediate", false, "0s"],
            Row("storageclasses", new V1StorageClass { Metadata = Meta("sc1", AlmostNow), Provisioner = "kubernetes.io/glusterfs" }));
        Assert.Equal(["sc5", "kubernetes.io/nfs", "Retain", "WaitForFirstConsumer", false, "5m"],
            Row("storageclasses", new V1StorageClass { Metadata = Meta("sc5", TimeSpan.FromMinutes(5)), Provisioner = "kubernetes.io/nfs", ReclaimPolicy = "Retain", VolumeBindingMode = "WaitForFirstConsumer" }));
        Assert.Equal(["sc6", "kubernetes.io/nfs", "Retain", "WaitForFirstConsumer", true, "5m"],
            Row("storageclasses", new V1StorageClass { Metadata = Meta("sc6", TimeSpan.FromMinutes(5)), Provisioner = "kubernetes.io/nfs", ReclaimPolicy = "Retain", VolumeBindingMode = "WaitForFirstConsumer", AllowVolumeExpansion = true }));
        // k3s's own class, as `kubectl get storageclass` shows it.
        var localPath = new V1StorageClass
        {
            Metadata = new V1ObjectMeta
            {
                Name = "local-path",
                CreationTimestamp = Ago(TimeSpan.FromHours(22)),
                Annotations = new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" },
            },
            Provisioner = "rancher.io/local-path",
            ReclaimPolicy = "Delete",
            VolumeBindingMode = "WaitForFirstConsumer",
            AllowVolumeExpansion = false,
        };
        Assert.Equal(["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "22h"], Row("storageclasses", localPath));
    }

    [Fact]
    public void Binding_rows_show_the_role_and_the_subjects_by_kind()
    {
        var subjects = new List<Rbacv1Subject>
        {
            new() { Kind = "User", Name = "user-name" },
            new() { Kind = "Group", Name = "group-name" },
            new() { Kind = "ServiceAccount", Name = "service-account-name", NamespaceProperty = "service-account-namespace" },
        };
        var crb = new V1ClusterRoleBinding { Metadata = Meta("binding2", AlmostNow), RoleRef = new V1RoleRef { Kind = "Role", Name = "role-name" }, Subjects = subjects };
        Assert.Equal(["binding2", "Role/role-name", "0s", "user-name", "group-name", "service-account-namespace/service-account-name"], Row("clusterrolebindings", crb));
        var rb = new V1RoleBinding { Metadata = Meta("binding1", AlmostNow), RoleRef = new V1RoleRef { Kind = "Role", Name = "extension-apiserver-authentication-reader" } };
        Assert.Equal(["binding1", "Role/extension-apiserver-authentication-reader", "0s", "", "", ""], Row("rolebindings", rb));
    }

    // ---- The default table (apiserver registry/rest/table.go) ----

    [Fact]
    public void Resources_without_a_printer_get_name_and_created_at_as_an_RFC3339_date()
    {
        var crd = new V1CustomResourceDefinition { Metadata = new V1ObjectMeta { Name = "foos.example.com", CreationTimestamp = new DateTime(2024, 6, 11, 2, 0, 0, DateTimeKind.Utc) } };
        var columns = TablePrinters.Columns("customresourcedefinitions");
        Assert.Equal([("Name", "string", "name"), ("Created At", "date", "")], columns.Select(c => (c.Name, c.Type, c.Format)));
        Assert.Equal(["foos.example.com", "2024-06-11T02:00:00Z"], Row("customresourcedefinitions", crd));
        Assert.Equal(columns, TablePrinters.Columns("widgets"));
    }

    // ---- Shape ----

    public static TheoryData<string, IKubernetesObject<V1ObjectMeta>> EmptyObjects => new()
    {
        { "pods", new V1Pod() },
        { "services", new V1Service() },
        { "endpoints", new V1Endpoints() },
        { "endpointslices", new V1EndpointSlice() },
        { "nodes", new V1Node() },
        { "namespaces", new V1Namespace() },
        { "events", new Corev1Event() },
        { "leases", new V1Lease() },
        { "configmaps", new V1ConfigMap() },
        { "secrets", new V1Secret() },
        { "serviceaccounts", new V1ServiceAccount() },
        { "deployments", new V1Deployment() },
        { "replicasets", new V1ReplicaSet() },
        { "daemonsets", new V1DaemonSet() },
        { "statefulsets", new V1StatefulSet() },
        { "jobs", new V1Job() },
        { "ingresses", new V1Ingress() },
        { "ingressclasses", new V1IngressClass() },
        { "networkpolicies", new V1NetworkPolicy() },
        { "storageclasses", new V1StorageClass() },
        { "rolebindings", new V1RoleBinding() },
        { "clusterrolebindings", new V1ClusterRoleBinding() },
        { "customresourcedefinitions", new V1CustomResourceDefinition() },
    };

    [Theory]
    [MemberData(nameof(EmptyObjects))]
    public void Every_row_has_one_cell_per_column_even_for_an_empty_object(string resource, IKubernetesObject<V1ObjectMeta> value)
    {
        var cells = TablePrinters.Cells(resource, value, Now);
        Assert.Equal(TablePrinters.Columns(resource).Count, cells.Count);
        Assert.All(cells, c => Assert.True(c is string or long or bool, $"{resource}: cell {c} is {c?.GetType().Name}"));
        Assert.All(TablePrinters.Columns(resource), c => Assert.False(string.IsNullOrWhiteSpace(c.Description), $"{resource}: {c.Name} has no description"));
    }

    [Fact]
    public void A_resource_printed_from_the_wrong_model_is_refused_with_both_type_names()
    {
        var e = Assert.Throws<ArgumentException>(() => TablePrinters.Cells("pods", new V1Service(), Now));
        Assert.Contains("resource \"pods\" is printed from a V1Pod, not a V1Service", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cells_encode_in_json_as_strings_and_integers()
    {
        var cm = new V1ConfigMap { Metadata = Meta("configmap3", TimeSpan.FromMinutes(5)), Data = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } };
        Assert.Equal("[\"configmap3\",2,\"5m\"]", JsonSerializer.Serialize(TablePrinters.Cells("configmaps", cm, Now)));
    }

    // ---- The seed's view (the cheat sheet: kubectl get nodes / svc -o wide / pods -o wide) ----

    private static readonly DateTimeOffset SeedCreated = new(2024, 6, 10, 3, 57, 4, TimeSpan.Zero);
    private static readonly DateTimeOffset SeedNow = SeedCreated + TimeSpan.FromHours(22) + TimeSpan.FromMinutes(12);

    private static ClusterState SeedLab()
    {
        var state = ControlPlane.Bootstrap(LabConfig.Default("seed", created: SeedCreated) with { Disable = ["servicelb"] }, SeedCreated);
        Assert.True(Scenarios.TryGet("seed", out var seed));
        return ControlPlane.Apply(state, ManifestReader.Read(seed, "seed"), SeedCreated).State;
    }

    private static string Header(string resource, bool wide) =>
        string.Join(" | ", TablePrinters.Columns(resource).Where(c => wide || c.Priority == 0).Select(c => c.Name.ToUpperInvariant()));

    [Fact]
    public void Column_names_are_the_headers_kubectl_prints_with_and_without_wide()
    {
        Assert.Equal("NAME | STATUS | ROLES | AGE | VERSION", Header("nodes", wide: false));
        Assert.Equal("NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE | SELECTOR", Header("services", wide: true));
        Assert.Equal("NAME | READY | STATUS | RESTARTS | AGE | IP | NODE | NOMINATED NODE | READINESS GATES", Header("pods", wide: true));
        Assert.Equal("NAME | READY | STATUS | RESTARTS | AGE", Header("pods", wide: false));
    }

    [Fact]
    public void The_seed_labs_nodes_print_as_kubectl_get_nodes_in_the_cheat_sheet()
    {
        var rows = NodeObjects.For(SeedLab()).Select(n => TablePrinters.Cells("nodes", n, SeedNow).Take(6).ToArray()).ToList();
        Assert.Equal(
        [
            ["vm1", "Ready", "control-plane,master", "22h", "v1.29.5+k3s1", "10.65.94.238"],
            ["vm2", "Ready", "<none>", "22h", "v1.29.5+k3s1", "10.65.94.199"],
            ["vm3", "Ready", "<none>", "22h", "v1.29.5+k3s1", "10.65.94.95"],
        ], rows);
    }

    [Fact]
    public void The_seed_labs_services_print_as_kubectl_get_svc_in_the_cheat_sheet()
    {
        var rows = SeedLab().All<V1Service>().ToDictionary(s => s.Metadata.Name, s => TablePrinters.Cells("services", s, SeedNow).ToArray());
        Assert.Equal(["kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP", "22h", "<none>"], rows["kubernetes"]);
        Assert.Equal(["nginx-service", "ClusterIP", "10.43.180.238", "<none>", "80/TCP", "22h", "app=nginx"], rows["nginx-service"]);
        Assert.Equal(["kube-dns", "ClusterIP", "10.43.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "22h"], rows["kube-dns"].Take(6));
    }

    [Fact]
    public void The_seed_labs_pods_print_as_kubectl_get_pods_wide_in_the_cheat_sheet()
    {
        var rows = SeedLab().All<V1Pod>()
            .Where(p => p.Metadata.NamespaceProperty is null or "default")
            .Select(p => TablePrinters.Cells("pods", p, SeedNow).ToArray())
            .ToDictionary(r => (string)r[5]!);
        Assert.Equal(["1/1", "Running", "0", "22h", "10.42.0.8", "vm1", "<none>", "<none>"], rows["10.42.0.8"].Skip(1));
        Assert.Equal(["1/1", "Running", "0", "22h", "10.42.2.2", "vm3", "<none>", "<none>"], rows["10.42.2.2"].Skip(1));
        Assert.Equal(["1/1", "Running", "0", "22h", "10.42.1.2", "vm2", "<none>", "<none>"], rows["10.42.1.2"].Skip(1));
        Assert.Equal(["test-pod", "1/1", "Running", "0", "22h", "10.42.1.4", "vm2", "<none>", "<none>"], rows["10.42.1.4"]);
        Assert.Matches("^nginx-deployment-[a-z0-9]+-[a-z0-9]{5}$", (string)rows["10.42.0.8"][0]!);
    }

    [Fact]
    public void A_pod_as_the_API_server_sends_it_in_JSON_prints_the_cheat_sheets_row()
    {
        const string json = """
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"test-pod","namespace":"default","creationTimestamp":"2024-06-11T01:48:33Z","labels":{"run":"test-pod"}},
             "spec":{"nodeName":"vm2","containers":[{"name":"test-pod","image":"nicolaka/netshoot","command":["sleep","infinity"]}]},
             "status":{"phase":"Running","podIP":"10.42.1.4","podIPs":[{"ip":"10.42.1.4"}],
                       "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}],
                       "containerStatuses":[{"name":"test-pod","ready":true,"started":true,"restartCount":0,"image":"docker.io/nicolaka/netshoot:latest",
                                             "imageID":"","state":{"running":{"startedAt":"2024-06-11T01:48:40Z"}}}]}}
            """;
        var pod = KubernetesJson.Deserialize<V1Pod>(json);
        var listedAt = new DateTimeOffset(2024, 6, 11, 1, 53, 8, TimeSpan.Zero);
        Assert.Equal(["test-pod", "1/1", "Running", "0", "4m35s", "10.42.1.4", "vm2", "<none>", "<none>"], TablePrinters.Cells("pods", pod, listedAt));
    }
}
