using System.Net;
using KubeLab.Core.Model;

namespace KubeLab.Core.MetalLB;

/// <summary>What the MetalLB controller knows of one LoadBalancer Service (k8salloc.Ports, SharingKey, BackendKey).</summary>
/// <param name="Key">"namespace/name", the allocator's service key.</param>
/// <param name="Requested">spec.loadBalancerIP or the metallb.universe.tf/loadBalancerIPs annotation.</param>
/// <param name="Pool">The metallb.universe.tf/address-pool annotation.</param>
/// <param name="Current">status.loadBalancer.ingress[0].ip, the end state of an earlier convergence.</param>
public sealed record LoadBalancerRequest(
    string Key,
    IPAddress? Requested,
    string? Pool,
    string? SharingKey,
    string BackendKey,
    IReadOnlyList<string> Ports,
    IPAddress? Current);

/// <summary>The outcome for one Service: its address and pool, or MetalLB's error (the AllocationFailed event's text).</summary>
public sealed record LoadBalancerAllocation(string Key, IPAddress? IP, string? Pool, string? Error)
{
    public bool Failed => Error is not null;
}

/// <summary>
/// MetalLB v0.14.5's controller allocation, as a function: controller/service.go's convergeBalancer and allocateIP over
/// internal/allocator/allocator.go. Services that already hold an address keep it when the config still allows it
/// (Assign is idempotent); the rest get, in order: the requested address, else the first free address of the
/// annotated pool, else of any autoAssign pool. Addresses are tried from each prefix's first address on (the network
/// address included, as MetalLB's cursor does), skipping .0/.255 in pools with avoidBuggyIPs. Two Services share an
/// address only with the same metallb.universe.tf/allow-shared-ip key, the same backend key and no common port.
/// MetalLB ranges over a Go map of pools (no order); KubeLab tries them by name so that a lab is reproducible.
/// </summary>
public static class MetalLbAllocator
{
    public static IReadOnlyList<LoadBalancerAllocation> Allocate(IReadOnlyList<MetalLbPool> pools, IReadOnlyList<LoadBalancerRequest> requests)
    {
        var ordered = pools.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var users = new Dictionary<IPAddress, List<LoadBalancerRequest>>();
        var results = new Dictionary<string, LoadBalancerAllocation>(StringComparer.Ordinal);

        // first the services that already have an address (they were converged before), in order
        foreach (var request in requests.Where(r => r.Current is not null))
        {
            var current = request.Current!;
            var pool = MetalLbPool.PoolFor(ordered, current);
            var keep = pool is not null
                && Assign(ordered, users, request, current) is null
                && (request.Pool is null || request.Pool == pool.Name)
                && (request.Requested is null || request.Requested.Equals(current));
            if (keep)
            {
                results[request.Key] = new LoadBalancerAllocation(request.Key, current, pool!.Name, null);
            }
            else
            {
                Unassign(users, request);
            }
        }

        foreach (var request in requests.Where(r => !results.ContainsKey(r.Key)))
        {
            var (ip, error) = AllocateOne(ordered, users, request);
            results[request.Key] = ip is null
                ? new LoadBalancerAllocation(request.Key, null, null, error)
                : new LoadBalancerAllocation(request.Key, ip, MetalLbPool.PoolFor(ordered, ip)!.Name, null);
        }

        return requests.Select(r => results[r.Key]).ToList();
    }

    private static (IPAddress? IP, string? Error) AllocateOne(List<MetalLbPool> pools, Dictionary<IPAddress, List<LoadBalancerRequest>> users, LoadBalancerRequest request)
    {
        if (request.Requested is { } requested)
        {
            return Assign(pools, users, request, requested) is { } error ? (null, error) : (requested, null);
        }

        if (request.Pool is { } poolName)
        {
            var pool = pools.FirstOrDefault(p => p.Name == poolName);
            if (pool is null)
            {
                return (null, $"unknown pool \"{poolName}\"");
            }

            return FromPool(pools, users, request, pool) is { } ip ? (ip, null) : (null, $"no available IPs in pool \"{poolName}\"");
        }

        foreach (var pool in pools.Where(p => p.AutoAssign))
        {
            if (FromPool(pools, users, request, pool) is { } ip)
            {
                return (ip, null);
            }
        }

        return (null, "no available IPs");
    }

    private static IPAddress? FromPool(List<MetalLbPool> pools, Dictionary<IPAddress, List<LoadBalancerRequest>> users, LoadBalancerRequest request, MetalLbPool pool)
    {
        foreach (var cidr in pool.Cidrs)
        {
            var size = IPMath.Size(cidr);
            for (long i = 0; i < size; i++)
            {
                var ip = IPMath.Add(cidr.BaseAddress, i);
                if (pool.AvoidBuggyIPs && MetalLbPool.Buggy(ip))
                {
                    continue;
                }

                if (Assign(pools, users, request, ip) is null)
                {
                    return ip;
                }
            }
        }

        return null;
    }

    /// <summary>Allocator.Assign: null when <paramref name="request"/> may hold <paramref name="ip"/> (and it now does), else why not.</summary>
    private static string? Assign(List<MetalLbPool> pools, Dictionary<IPAddress, List<LoadBalancerRequest>> users, LoadBalancerRequest request, IPAddress ip)
    {
        if (MetalLbPool.PoolFor(pools, ip) is null)
        {
            return $"\"{ip}\" is not allowed in config";
        }

        var others = users.TryGetValue(ip, out var list) ? list.Where(u => u.Key != request.Key).ToList() : [];
        if (others.Count > 0)
        {
            var existing = others[0];
            var sharing = !string.IsNullOrEmpty(existing.SharingKey) && existing.SharingKey == request.SharingKey && existing.BackendKey == request.BackendKey;
            if (!sharing)
            {
                return $"can't change sharing key for \"{request.Key}\", address also in use by {string.Join(',', others.Select(o => o.Key))}";
            }

            foreach (var port in request.Ports)
            {
                if (others.Any(o => o.Ports.Contains(port)))
                {
                    return $"port {port} is already in use on \"{ip}\"";
                }
            }
        }

        Unassign(users, request);
        if (!users.TryGetValue(ip, out var holders))
        {
            users[ip] = holders = [];
        }

        holders.Add(request);
        return null;
    }

    private static void Unassign(Dictionary<IPAddress, List<LoadBalancerRequest>> users, LoadBalancerRequest request)
    {
        foreach (var holders in users.Values)
        {
            holders.RemoveAll(u => u.Key == request.Key);
        }
    }
}
