using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    /// <summary>
    /// printIngress: CLASS ("&lt;none&gt;" without ingressClassName), HOSTS (formatHosts), ADDRESS (the load
    /// balancer's IPs or hostnames, unclipped because the server prints wide), PORTS ("80", "80, 443" with TLS), AGE.
    /// </summary>
    private static object?[] Ingress(V1Ingress ingress, DateTimeOffset now)
    {
        var address = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var lb in ingress.Status?.LoadBalancer?.Ingress ?? [])
        {
            if (!string.IsNullOrEmpty(lb.Ip))
            {
                address.Add(lb.Ip);
            }
            else if (!string.IsNullOrEmpty(lb.Hostname))
            {
                address.Add(lb.Hostname);
            }
        }

        return
        [
            Name(ingress),
            ingress.Spec?.IngressClassName ?? None,
            IngressHosts(ingress.Spec?.Rules),
            string.Join(",", address),
            ingress.Spec?.Tls is { Count: > 0 } ? "80, 443" : "80",
            Age(ingress, now),
        ];
    }

    /// <summary>formatHosts: the first three rule hosts (rules without a host are skipped), then " + N more..." counting rules; "*" when none.</summary>
    private static string IngressHosts(IList<V1IngressRule>? rules)
    {
        const int max = 3;
        rules ??= [];
        var hosts = new List<string>();
        var more = false;
        foreach (var rule in rules)
        {
            if (hosts.Count == max)
            {
                more = true;
            }

            if (!more && !string.IsNullOrEmpty(rule.Host))
            {
                hosts.Add(rule.Host);
            }
        }

        if (hosts.Count == 0)
        {
            return "*";
        }

        var text = string.Join(",", hosts);
        return more ? F($"{text} + {rules.Count - max} more...") : text;
    }

    /// <summary>printIngressClass: CONTROLLER and PARAMETERS as "Kind[.apiGroup]/name" ("&lt;none&gt;" without).</summary>
    private static object?[] IngressClass(V1IngressClass ingressClass, DateTimeOffset now)
    {
        var parameters = None;
        if (ingressClass.Spec?.Parameters is { } p)
        {
            parameters = p.Kind + (p.ApiGroup is null ? "" : "." + p.ApiGroup) + "/" + p.Name;
        }

        return [Name(ingressClass), ingressClass.Spec?.Controller ?? "", parameters, Age(ingressClass, now)];
    }

    /// <summary>printNetworkPolicy: POD-SELECTOR (FormatLabelSelector, "&lt;none&gt;" for all pods).</summary>
    private static object?[] NetworkPolicy(V1NetworkPolicy policy, DateTimeOffset now) =>
        [Name(policy), LabelSelectorText.FormatLabelSelector(policy.Spec?.PodSelector), Age(policy, now)];
}
