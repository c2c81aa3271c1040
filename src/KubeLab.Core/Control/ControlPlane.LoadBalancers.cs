using System.Globalization;
using System.Net;
using k8s.Models;
using KubeLab.Core.MetalLB;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    public const string MetalLbNamespace = "metallb-system";
    public const string MetalLbAddressPoolAnnotation = "metallb.universe.tf/address-pool";
    public const string MetalLbLoadBalancerIPsAnnotation = "metallb.universe.tf/loadBalancerIPs";
    public const string MetalLbSharedIPAnnotation = "metallb.universe.tf/allow-shared-ip";
    public const string MetalLbAllocatedFromAnnotation = "metallb.universe.tf/ip-allocated-from-pool";
    private const string MetalLbController = "metallb-controller";
    private const string MetalLbSpeaker = "metallb-speaker";

    /// <summary>MetalLB runs in the lab once its namespace or one of its pools exists (KubeLab's emulated install).</summary>
    private bool MetalLbInstalled() =>
        objects.Any(o => o.Kind == V1beta1IPAddressPool.KubeKind || (o.Kind == "Namespace" && o.Name == MetalLbNamespace));

    /// <summary>
    /// MetalLB v0.14.5's controller (controller/service.go convergeBalancer): every LoadBalancer Service without a
    /// spec.loadBalancerClass gets an address from <see cref="MetalLbAllocator"/>, written to status.loadBalancer.ingress
    /// with the ip-allocated-from-pool annotation and an IPAllocated event; a failure clears the status (EXTERNAL-IP
    /// stays &lt;pending&gt;) with an AllocationFailed warning. A Service that stops being a LoadBalancer loses both.
    /// Then the speakers: the elected node's speaker reports "nodeAssigned" when the announcing node changes.
    /// </summary>
    private void ReconcileLoadBalancers()
    {
        if (!MetalLbInstalled())
        {
            return;
        }

        var pools = All<V1beta1IPAddressPool>().Select(p =>
        {
            try
            {
                return MetalLbPool.Parse(p);
            }
            catch (FormatException)
            {
                return null; // refused at admission; one stored before that check is skipped, as MetalLB skips a bad config
            }
        }).OfType<MetalLbPool>().ToList();

        foreach (var service in All<V1Service>().Where(s => s.Spec?.Type != "LoadBalancer" && s.Metadata.Annotations?.ContainsKey(MetalLbAllocatedFromAnnotation) == true).ToList())
        {
            service.Metadata.Annotations.Remove(MetalLbAllocatedFromAnnotation);
            service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };
            Touch(service);
        }

        var services = All<V1Service>().Where(s => s.Spec?.Type == "LoadBalancer" && string.IsNullOrEmpty(s.Spec.LoadBalancerClass)).ToList();
        var requests = services.Select(LoadBalancerRequestOf).ToList();
        var allocations = MetalLbAllocator.Allocate(pools, requests);
        // MetalLB's manifest applied: its controller Deployment is where the allocator runs; scaled to 0, nothing is allocated
        var controllerRuns = MetalLbComponents.ControllerRuns(All<V1Deployment>(), All<V1Pod>());
        for (var i = 0; controllerRuns && i < services.Count; i++)
        {
            var (service, request, allocation) = (services[i], requests[i], allocations[i]);
            if (allocation.IP is { } ip)
            {
                if (!ip.Equals(request.Current) || service.Metadata.Annotations?.Get(MetalLbAllocatedFromAnnotation) != allocation.Pool)
                {
                    service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = ip.ToString() }] } };
                    service.Metadata.Annotations ??= new Dictionary<string, string>();
                    service.Metadata.Annotations[MetalLbAllocatedFromAnnotation] = allocation.Pool!;
                    Touch(service);
                    // c.client.Infof(svc, "IPAllocated", "Assigned IP %q", lbIPs): %q of a []net.IP
                    RecordEvent(service, "Normal", "IPAllocated", $"Assigned IP [\"{ip}\"]", MetalLbController);
                }
            }
            else
            {
                if (request.Current is not null)
                {
                    service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };
                    service.Metadata.Annotations?.Remove(MetalLbAllocatedFromAnnotation);
                    Touch(service);
                }

                RecordEvent(service, "Warning", "AllocationFailed", $"Failed to allocate IP for \"{request.Key}\": {allocation.Error}", MetalLbController);
            }
        }

        foreach (var announcement in L2Speakers.Announcements(ToState()))
        {
            var (ns, name) = (announcement.Service.Split('/')[0], announcement.Service.Split('/')[1]);
            var service = services.First(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == name);
            // speaker/main.go: c.client.Infof(svc, "nodeAssigned", "announcing from node %q with protocol %q", ...)
            var message = $"announcing from node \"{announcement.Node}\" with protocol \"layer2\"";
            if (LastEvent(service, "nodeAssigned")?.Message != message)
            {
                RecordEvent(service, "Normal", "nodeAssigned", message, MetalLbSpeaker, once: false);
            }
        }
    }

    private static LoadBalancerRequest LoadBalancerRequestOf(V1Service service)
    {
        var annotations = service.Metadata.Annotations ?? new Dictionary<string, string>();
        var requestedText = !string.IsNullOrEmpty(service.Spec.LoadBalancerIP) ? service.Spec.LoadBalancerIP : annotations.Get(MetalLbLoadBalancerIPsAnnotation);
        var requested = requestedText is not null && IPAddress.TryParse(requestedText.Trim(), out var ip) ? ip : null;
        var current = service.Status?.LoadBalancer?.Ingress is [{ Ip: { } text }] && IPAddress.TryParse(text, out var held) ? held : null;
        // k8salloc.BackendKey: with externalTrafficPolicy Local, services sharing an address must select the same pods
        var backend = service.Spec.ExternalTrafficPolicy == "Local" ? Selectors.Format(service.Spec.Selector) : "";
        return new LoadBalancerRequest(
            $"{service.Metadata.NamespaceProperty}/{service.Metadata.Name}",
            requested,
            annotations.Get(MetalLbAddressPoolAnnotation),
            annotations.Get(MetalLbSharedIPAnnotation),
            backend,
            (service.Spec.Ports ?? []).Select(p => $"{p.Protocol ?? "TCP"}/{p.Port}").ToList(),
            current);
    }

    private void Touch(V1Service service) => service.Metadata.ResourceVersion = generation.ToString(CultureInfo.InvariantCulture);

    /// <summary>The events stored before this apply and those recorded during it.</summary>
    private IEnumerable<Corev1Event> KnownEvents() => storedEvents.Select(o => o.Object).OfType<Corev1Event>().Concat(events);

    private Corev1Event? LastEvent(V1Service service, string reason) =>
        KnownEvents().LastOrDefault(e => e.InvolvedObject?.Uid == service.Metadata.Uid && e.Reason == reason);

    /// <summary>
    /// MetalLB's events through the control plane's recorder. With <paramref name="once"/>, the same reason and message
    /// is not recorded twice for the object (the recorder would count it up; KubeLab converges on every apply).
    /// </summary>
    private void RecordEvent(V1Service service, string type, string reason, string message, string component, bool once = true)
    {
        if (once && KnownEvents().Any(e => e.InvolvedObject?.Uid == service.Metadata.Uid && e.Reason == reason && e.Message == message))
        {
            return;
        }

        Record(service, type, reason, message, component);
    }
}
