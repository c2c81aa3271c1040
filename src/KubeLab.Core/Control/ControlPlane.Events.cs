using System.Globalization;
using k8s;
using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    private readonly List<Corev1Event> events = [];

    /// <summary>
    /// An event as client-go's legacy recorder (tools/record, used by kube-controller-manager and the kubelet in
    /// v1.29) makes it: named "&lt;object&gt;.&lt;UnixNano in hex&gt;", firstTimestamp = lastTimestamp = now, count 1, the
    /// recorder's source, and reportingComponent/reportingInstance copied from it.
    /// </summary>
    private void Record(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message, string component, string host = "", string? fieldPath = null)
    {
        var ev = NewEvent(regarding, type, reason, message, fieldPath);
        ev.FirstTimestamp = now.UtcDateTime;
        ev.LastTimestamp = now.UtcDateTime;
        ev.Count = 1;
        ev.Source = new V1EventSource { Component = component, Host = host.Length == 0 ? null : host };
        ev.ReportingComponent = component;
        ev.ReportingInstance = host;
        events.Add(ev);
    }

    /// <summary>
    /// An event as the events.k8s.io/v1 recorder (tools/events, the scheduler's in v1.29) makes it, seen through core/v1:
    /// eventTime (a MicroTime) instead of first/last timestamps, an action, reportingController and an instance
    /// "&lt;component&gt;-&lt;host&gt;", an empty source.
    /// </summary>
    private void RecordV1(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string message, string controller)
    {
        var ev = NewEvent(regarding, type, reason, message, fieldPath: null);
        ev.EventTime = eventClock.UtcDateTime;
        ev.Action = action;
        ev.Source = new V1EventSource();
        ev.ReportingComponent = controller;
        ev.ReportingInstance = $"{controller}-{config.Server.Name}";
        events.Add(ev);
    }

    private Corev1Event NewEvent(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message, string? fieldPath)
    {
        // UnixNano of the recording moment; the index keeps names unique within one control-plane run
        var nanos = (eventClock.ToUnixTimeMilliseconds() * 1_000_000) + (eventClock.Ticks % TimeSpan.TicksPerMillisecond * 100) + events.Count;
        var ns = string.IsNullOrEmpty(regarding.Metadata.NamespaceProperty) ? "default" : regarding.Metadata.NamespaceProperty;
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = $"{regarding.Metadata.Name}.{nanos.ToString("x", CultureInfo.InvariantCulture)}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                Kind = regarding.Kind,
                NamespaceProperty = regarding.Metadata.NamespaceProperty,
                Name = regarding.Metadata.Name,
                Uid = regarding.Metadata.Uid,
                ApiVersion = regarding.ApiVersion,
                ResourceVersion = regarding.Metadata.ResourceVersion,
                FieldPath = fieldPath,
            },
            Type = type,
            Reason = reason,
            Message = message,
        };
    }

    /// <summary>
    /// What the kubelet reports while it starts a pod's containers (pkg/kubelet/images/image_manager.go and
    /// kuberuntime_container.go, v1.29): the image (pulled for imagePullPolicy Always, else already present: the lab
    /// pulls nothing, so a pull takes no time), then "Created container" and "Started container".
    /// </summary>
    private void RecordContainersStarted(V1Pod pod)
    {
        var node = pod.Spec.NodeName;
        foreach (var container in pod.Spec.Containers)
        {
            var fieldPath = $"spec.containers{{{container.Name}}}";
            if (container.ImagePullPolicy == "Always")
            {
                Record(pod, "Normal", "Pulling", $"Pulling image \"{container.Image}\"", "kubelet", node, fieldPath);
                Record(pod, "Normal", "Pulled", $"Successfully pulled image \"{container.Image}\" in 0s (0s including waiting)", "kubelet", node, fieldPath);
            }
            else
            {
                Record(pod, "Normal", "Pulled", $"Container image \"{container.Image}\" already present on machine", "kubelet", node, fieldPath);
            }

            Record(pod, "Normal", "Created", $"Created container {container.Name}", "kubelet", node, fieldPath);
            Record(pod, "Normal", "Started", $"Started container {container.Name}", "kubelet", node, fieldPath);
        }

        // KubeLab's own Event (no k3s has it: k3s runs the image): the pod is Running and nothing runs in it
        if (ImageEmulation.NotEmulatedEvent(SnapshotBuilder.ToPod(pod)) is { } notEmulated)
        {
            Record(pod, "Warning", "NotEmulated", notEmulated, "kubelab", node, $"spec.containers{{{pod.Spec.Containers[0].Name}}}");
        }
    }

    /// <summary>The kubelet's killContainer: "Stopping container NAME" for each container of a pod being deleted.</summary>
    private void RecordContainersKilled(V1Pod pod)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Status?.Phase is not "Running")
        {
            return;
        }

        foreach (var container in pod.Spec.Containers)
        {
            Record(pod, "Normal", "Killing", $"Stopping container {container.Name}", "kubelet", pod.Spec.NodeName, $"spec.containers{{{container.Name}}}");
        }
    }
}
