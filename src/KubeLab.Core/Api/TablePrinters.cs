using System.Globalization;
using k8s;
using k8s.Models;
using KubeLab.Core.Control;

namespace KubeLab.Core.Api;

/// <summary>One column of a meta.k8s.io/v1 Table (metav1.TableColumnDefinition).</summary>
public sealed record TableColumn(string Name, string Type, string Format, int Priority, string Description);

/// <summary>A condition of a Table row (metav1.TableRowCondition); kube-apiserver sets one on finished pods.</summary>
public sealed record TableRowCondition(string Type, string Status, string Reason, string Message);

/// <summary>
/// The columns and cells kube-apiserver v1.29 puts in a meta.k8s.io/v1 Table for `kubectl get`, following
/// kubernetes/kubernetes pkg/printers/internalversion/printers.go (release-1.29): AddHandlers' column definitions and
/// the print* functions. Priority-1 columns are the ones kubectl shows only with -o wide; the server always sends
/// them. Cells are strings, longs (Go's int64) or booleans, as the server encodes them in JSON. Resources without a printer
/// get the API server's default table (staging/src/k8s.io/apiserver/pkg/registry/rest/table.go: Name, Created At).
/// No table has a Namespace column: `kubectl get -A` prints NAMESPACE from each row's object (the row's
/// PartialObjectMetadata, includeObject=Metadata by default), so the server must send that object with every row.
/// </summary>
public static partial class TablePrinters
{
    private const string None = "<none>";

    /// <summary>The column definitions for a resource, by its plural name as in the URL ("pods", "services", …).</summary>
    public static IReadOnlyList<TableColumn> Columns(string resource) =>
        ColumnsByResource.TryGetValue(resource, out var columns) ? columns : DefaultColumns;

    /// <summary>The row's cells, in column order, as the API server would encode them in JSON (strings, longs, booleans).</summary>
    public static IReadOnlyList<object?> Cells(string resource, IKubernetesObject<V1ObjectMeta> value, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(value);
        return resource switch
        {
            "pods" => Pod(As<V1Pod>(resource, value), now),
            "services" => Service(As<V1Service>(resource, value), now),
            "endpoints" => Endpoints(As<V1Endpoints>(resource, value), now),
            "endpointslices" => EndpointSlice(As<V1EndpointSlice>(resource, value), now),
            "nodes" => Node(As<V1Node>(resource, value), now),
            "namespaces" => Namespace(As<V1Namespace>(resource, value), now),
            "events" => Event(value is Eventsv1Event v1 ? ClusterEvents.ToCore(v1) : As<Corev1Event>(resource, value), now),
            "leases" => Lease(As<V1Lease>(resource, value), now),
            "configmaps" => ConfigMap(As<V1ConfigMap>(resource, value), now),
            "secrets" => Secret(As<V1Secret>(resource, value), now),
            "serviceaccounts" => ServiceAccount(As<V1ServiceAccount>(resource, value), now),
            "deployments" => Deployment(As<V1Deployment>(resource, value), now),
            "replicasets" => ReplicaSet(As<V1ReplicaSet>(resource, value), now),
            "daemonsets" => DaemonSet(As<V1DaemonSet>(resource, value), now),
            "statefulsets" => StatefulSet(As<V1StatefulSet>(resource, value), now),
            "jobs" => Job(As<V1Job>(resource, value), now),
            "ingresses" => Ingress(As<V1Ingress>(resource, value), now),
            "ingressclasses" => IngressClass(As<V1IngressClass>(resource, value), now),
            "networkpolicies" => NetworkPolicy(As<V1NetworkPolicy>(resource, value), now),
            "storageclasses" => StorageClass(As<V1StorageClass>(resource, value), now),
            "priorityclasses" => PriorityClass(As<V1PriorityClass>(resource, value), now),
            "rolebindings" => RoleBinding(As<V1RoleBinding>(resource, value), now),
            "clusterrolebindings" => ClusterRoleBinding(As<V1ClusterRoleBinding>(resource, value), now),
            "mutatingwebhookconfigurations" => MutatingWebhooks(As<V1MutatingWebhookConfiguration>(resource, value), now),
            "validatingwebhookconfigurations" => ValidatingWebhooks(As<V1ValidatingWebhookConfiguration>(resource, value), now),
            // MetalLB's kinds, served with the lab's own types, printed by their CRDs' columns
            "ipaddresspools" => CustomResources.Cells(MetalLB.MetalLbPrinterColumns.IPAddressPools, value, now),
            "l2advertisements" => CustomResources.Cells(MetalLB.MetalLbPrinterColumns.L2Advertisements, value, now),
            _ => DefaultCells(value),
        };
    }

    /// <summary>
    /// The row's conditions: printPod marks a Succeeded or Failed pod's row Completed (podSuccessConditions,
    /// podFailedConditions); every other row has none.
    /// </summary>
    public static IReadOnlyList<TableRowCondition> RowConditions(string resource, IKubernetesObject<V1ObjectMeta> value) =>
        resource == "pods" && value is V1Pod pod
            ? pod.Status?.Phase switch
            {
                "Succeeded" => [new TableRowCondition("Completed", "True", "Succeeded", "The pod has completed successfully.")],
                "Failed" => [new TableRowCondition("Completed", "True", "Failed", "The pod failed.")],
                _ => [],
            }
            : [];

    /// <summary>The default table convertor's row: the name and the creation time in RFC 3339 UTC (a "date" cell).</summary>
    private static object?[] DefaultCells(IKubernetesObject<V1ObjectMeta> value)
    {
        // Go formats a zero metav1.Time as 0001-01-01T00:00:00Z.
        var created = HumanDuration.ToOffset(value.Metadata?.CreationTimestamp) ?? DateTimeOffset.MinValue;
        return [Name(value), created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)];
    }

    private static T As<T>(string resource, IKubernetesObject<V1ObjectMeta> value)
        where T : class =>
        value as T ?? throw new ArgumentException(
            $"resource \"{resource}\" is printed from a {typeof(T).Name}, not a {value.GetType().Name}", nameof(value));

    private static string Name(IKubernetesObject<V1ObjectMeta> value) => value.Metadata?.Name ?? "";

    private static string Age(IKubernetesObject<V1ObjectMeta> value, DateTimeOffset now) =>
        HumanDuration.Since(value.Metadata?.CreationTimestamp, now);

    /// <summary>layoutContainerCells: container names and images, each joined with ",".</summary>
    private static (string Names, string Images) ContainerCells(IList<V1Container>? containers) =>
        (string.Join(",", (containers ?? []).Select(c => c.Name)), string.Join(",", (containers ?? []).Select(c => c.Image)));

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // Column definitions, in printers.go's order (AddHandlers).
    private static TableColumn NameColumn => new("Name", "string", "name", 0, SwaggerDoc.Of("ObjectMeta.name"));

    private static TableColumn AgeColumn => C("Age", SwaggerDoc.Of("ObjectMeta.creationTimestamp"));

    private static TableColumn C(string name, string description, int priority = 0, string type = "string") =>
        new(name, type, "", priority, description);

    private static TableColumn Wide(string name, string description) => C(name, description, priority: 1);

    private const string ContainersText = "Names of each container in the template.";
    private const string ImagesText = "Images referenced by each container in the template.";

    private static readonly TableColumn[] DefaultColumns =
    [
        NameColumn,
        new("Created At", "date", "", 0, SwaggerDoc.Of("ObjectMeta.creationTimestamp")),
    ];

    private static readonly Dictionary<string, TableColumn[]> ColumnsByResource = new(StringComparer.Ordinal)
    {
        ["pods"] =
        [
            NameColumn,
            C("Ready", "The aggregate readiness state of this pod for accepting traffic."),
            C("Status", "The aggregate status of the containers in this pod."),
            C("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            AgeColumn,
            Wide("IP", SwaggerDoc.Of("PodStatus.podIP")),
            Wide("Node", SwaggerDoc.Of("PodSpec.nodeName")),
            Wide("Nominated Node", SwaggerDoc.Of("PodStatus.nominatedNodeName")),
            Wide("Readiness Gates", SwaggerDoc.Of("PodSpec.readinessGates")),
        ],
        ["replicasets"] =
        [
            NameColumn,
            C("Desired", SwaggerDoc.Of("ReplicaSetSpec.replicas"), type: "integer"),
            C("Current", SwaggerDoc.Of("ReplicaSetStatus.replicas"), type: "integer"),
            C("Ready", SwaggerDoc.Of("ReplicaSetStatus.readyReplicas"), type: "integer"),
            AgeColumn,
            Wide("Containers", ContainersText),
            Wide("Images", ImagesText),
            Wide("Selector", SwaggerDoc.Of("ReplicaSetSpec.selector")),
        ],
        ["daemonsets"] =
        [
            NameColumn,
            C("Desired", SwaggerDoc.Of("DaemonSetStatus.desiredNumberScheduled"), type: "integer"),
            C("Current", SwaggerDoc.Of("DaemonSetStatus.currentNumberScheduled"), type: "integer"),
            C("Ready", SwaggerDoc.Of("DaemonSetStatus.numberReady"), type: "integer"),
            C("Up-to-date", SwaggerDoc.Of("DaemonSetStatus.updatedNumberScheduled"), type: "integer"),
            C("Available", SwaggerDoc.Of("DaemonSetStatus.numberAvailable"), type: "integer"),
            C("Node Selector", SwaggerDoc.Of("PodSpec.nodeSelector")),
            AgeColumn,
            Wide("Containers", ContainersText),
            Wide("Images", ImagesText),
            Wide("Selector", SwaggerDoc.Of("DaemonSetSpec.selector")),
        ],
        // v1.29 has no Status column for jobs (it came with v1.30).
        ["jobs"] =
        [
            NameColumn,
            C("Completions", SwaggerDoc.Of("JobStatus.succeeded")),
            C("Duration", "Time required to complete the job."),
            AgeColumn,
            Wide("Containers", ContainersText),
            Wide("Images", ImagesText),
            Wide("Selector", SwaggerDoc.Of("JobSpec.selector")),
        ],
        ["services"] =
        [
            NameColumn,
            C("Type", SwaggerDoc.Of("ServiceSpec.type")),
            C("Cluster-IP", SwaggerDoc.Of("ServiceSpec.clusterIP")),
            C("External-IP", SwaggerDoc.Of("ServiceSpec.externalIPs")),
            C("Port(s)", SwaggerDoc.Of("ServiceSpec.ports")),
            AgeColumn,
            Wide("Selector", SwaggerDoc.Of("ServiceSpec.selector")),
        ],
        ["statefulsets"] =
        [
            NameColumn,
            C("Ready", "Number of the pod with ready state"),
            AgeColumn,
            Wide("Containers", ContainersText),
            Wide("Images", ImagesText),
        ],
        ["endpoints"] =
        [
            NameColumn,
            C("Endpoints", SwaggerDoc.Of("Endpoints.subsets")),
            AgeColumn,
        ],
        ["nodes"] =
        [
            NameColumn,
            C("Status", "The status of the node"),
            C("Roles", "The roles of the node"),
            AgeColumn,
            C("Version", SwaggerDoc.Of("NodeSystemInfo.kubeletVersion")),
            Wide("Internal-IP", SwaggerDoc.Of("NodeStatus.addresses")),
            Wide("External-IP", SwaggerDoc.Of("NodeStatus.addresses")),
            Wide("OS-Image", SwaggerDoc.Of("NodeSystemInfo.osImage")),
            Wide("Kernel-Version", SwaggerDoc.Of("NodeSystemInfo.kernelVersion")),
            Wide("Container-Runtime", SwaggerDoc.Of("NodeSystemInfo.containerRuntimeVersion")),
        ],
        // No Namespace column: `kubectl get events -A` adds NAMESPACE itself, in front of the server's columns.
        ["events"] =
        [
            C("Last Seen", SwaggerDoc.Of("Event.lastTimestamp")),
            C("Type", SwaggerDoc.Of("Event.type")),
            C("Reason", SwaggerDoc.Of("Event.reason")),
            C("Object", SwaggerDoc.Of("Event.involvedObject")),
            Wide("Subobject", SwaggerDoc.Of("ObjectReference.fieldPath")),
            Wide("Source", SwaggerDoc.Of("Event.source")),
            C("Message", SwaggerDoc.Of("Event.message")),
            Wide("First Seen", SwaggerDoc.Of("Event.firstTimestamp")),
            Wide("Count", SwaggerDoc.Of("Event.count")),
            NameColumn with { Priority = 1 },
        ],
        ["namespaces"] =
        [
            NameColumn,
            C("Status", "The status of the namespace"),
            AgeColumn,
        ],
        ["secrets"] =
        [
            NameColumn,
            C("Type", SwaggerDoc.Of("Secret.type")),
            C("Data", SwaggerDoc.Of("Secret.data")),
            AgeColumn,
        ],
        ["serviceaccounts"] =
        [
            NameColumn,
            C("Secrets", SwaggerDoc.Of("ServiceAccount.secrets")),
            AgeColumn,
        ],
        ["deployments"] =
        [
            NameColumn,
            C("Ready", "Number of the pod with ready state"),
            C("Up-to-date", SwaggerDoc.Of("DeploymentStatus.updatedReplicas")),
            C("Available", SwaggerDoc.Of("DeploymentStatus.availableReplicas")),
            AgeColumn,
            Wide("Containers", ContainersText),
            Wide("Images", ImagesText),
            Wide("Selector", SwaggerDoc.Of("DeploymentSpec.selector")),
        ],
        ["configmaps"] =
        [
            NameColumn,
            C("Data", SwaggerDoc.Of("ConfigMap.data")),
            AgeColumn,
        ],
        ["leases"] =
        [
            NameColumn,
            C("Holder", SwaggerDoc.Of("LeaseSpec.holderIdentity")),
            AgeColumn,
        ],
        ["ingresses"] =
        [
            NameColumn,
            C("Class", "The name of the IngressClass resource that should be used for additional configuration"),
            C("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
            C("Address", "Address is a list containing ingress points for the load-balancer"),
            C("Ports", "Ports of TLS configurations that open"),
            AgeColumn,
        ],
        ["ingressclasses"] =
        [
            NameColumn,
            C("Controller", "Controller that is responsible for handling this class"),
            C("Parameters", "A reference to a resource with additional parameters"),
            AgeColumn,
        ],
        ["networkpolicies"] =
        [
            NameColumn,
            C("Pod-Selector", SwaggerDoc.Of("NetworkPolicySpec.podSelector")),
            AgeColumn,
        ],
        ["storageclasses"] =
        [
            NameColumn,
            C("Provisioner", SwaggerDoc.Of("StorageClass.provisioner")),
            C("ReclaimPolicy", SwaggerDoc.Of("StorageClass.reclaimPolicy")),
            C("VolumeBindingMode", SwaggerDoc.Of("StorageClass.volumeBindingMode")),
            C("AllowVolumeExpansion", SwaggerDoc.Of("StorageClass.allowVolumeExpansion")),
            AgeColumn,
        ],
        ["priorityclasses"] =
        [
            NameColumn,
            C("Value", SwaggerDoc.Of("PriorityClass.value"), type: "integer"),
            C("Global-Default", SwaggerDoc.Of("PriorityClass.globalDefault"), type: "boolean"),
            AgeColumn,
        ],
        ["rolebindings"] =
        [
            NameColumn,
            C("Role", SwaggerDoc.Of("RoleBinding.roleRef")),
            AgeColumn,
            Wide("Users", "Users in the roleBinding"),
            Wide("Groups", "Groups in the roleBinding"),
            Wide("ServiceAccounts", "ServiceAccounts in the roleBinding"),
        ],
        ["ipaddresspools"] = [.. CustomResources.Columns(MetalLB.MetalLbPrinterColumns.IPAddressPools)],
        ["l2advertisements"] = [.. CustomResources.Columns(MetalLB.MetalLbPrinterColumns.L2Advertisements)],
        ["mutatingwebhookconfigurations"] = WebhookColumns,
        ["validatingwebhookconfigurations"] = WebhookColumns,
        ["clusterrolebindings"] =
        [
            NameColumn,
            C("Role", SwaggerDoc.Of("ClusterRoleBinding.roleRef")),
            AgeColumn,
            Wide("Users", "Users in the clusterRoleBinding"),
            Wide("Groups", "Groups in the clusterRoleBinding"),
            Wide("ServiceAccounts", "ServiceAccounts in the clusterRoleBinding"),
        ],
        ["endpointslices"] =
        [
            NameColumn,
            C("AddressType", SwaggerDoc.Of("EndpointSlice.addressType")),
            C("Ports", SwaggerDoc.Of("EndpointSlice.ports")),
            C("Endpoints", SwaggerDoc.Of("EndpointSlice.endpoints")),
            AgeColumn,
        ],
    };
}
