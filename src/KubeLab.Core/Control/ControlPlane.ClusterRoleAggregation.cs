using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    /// <summary>
    /// The clusterrole-aggregation controller (kube-controller-manager's, in the k3s process): a ClusterRole with an
    /// aggregationRule holds the rules of the other ClusterRoles its selectors match, selector by selector and, for
    /// each, role by role in name order, every rule once (a rule equal to one already taken, empty and missing lists
    /// alike, is skipped). This is how admin, edit and view get their rules from system:aggregate-to-* and from any
    /// role labelled rbac.authorization.k8s.io/aggregate-to-*: "true". Aggregated roles feed one another (view into
    /// edit, edit into admin), so the pass repeats until nothing changes.
    /// </summary>
    private void ReconcileClusterRoleAggregation()
    {
        var roles = All<V1ClusterRole>().ToList();
        var aggregated = roles.Where(r => r.AggregationRule?.ClusterRoleSelectors is { Count: > 0 }).ToList();
        if (aggregated.Count == 0)
        {
            return;
        }

        roles.Sort((a, b) => string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name));
        for (var pass = 0; pass <= aggregated.Count; pass++)
        {
            var changed = false;
            foreach (var role in aggregated)
            {
                var rules = new List<V1PolicyRule>();
                foreach (var selector in role.AggregationRule.ClusterRoleSelectors)
                {
                    foreach (var source in roles.Where(r => r.Metadata.Name != role.Metadata.Name && Selectors.Matches(selector, r.Metadata.Labels)))
                    {
                        rules.AddRange((source.Rules ?? []).Where(rule => !rules.Any(taken => SameRule(taken, rule))));
                    }
                }

                if (rules.Count != (role.Rules?.Count ?? 0) || !rules.Zip(role.Rules ?? []).All(p => SameRule(p.First, p.Second)))
                {
                    role.Rules = rules.Select(CopyRule).ToList();
                    aggregatedRoles.Add(new StoredObject("ClusterRole", "", role.Metadata.Name, role).Key);
                    changed = true;
                }
            }

            if (!changed)
            {
                return;
            }
        }
    }

    /// <summary>The keys of the ClusterRoles whose rules the aggregation wrote in this commit: those rules are its write.</summary>
    private readonly HashSet<string> aggregatedRoles = new(StringComparer.Ordinal);

    private static bool SameRule(V1PolicyRule a, V1PolicyRule b) =>
        SameList(a.Verbs, b.Verbs) && SameList(a.ApiGroups, b.ApiGroups) && SameList(a.Resources, b.Resources)
        && SameList(a.ResourceNames, b.ResourceNames) && SameList(a.NonResourceURLs, b.NonResourceURLs);

    private static bool SameList(IList<string>? a, IList<string>? b) => (a ?? []).SequenceEqual(b ?? [], StringComparer.Ordinal);

    private static V1PolicyRule CopyRule(V1PolicyRule rule) => new()
    {
        ApiGroups = rule.ApiGroups?.ToList(),
        Resources = rule.Resources?.ToList(),
        ResourceNames = rule.ResourceNames?.ToList(),
        NonResourceURLs = rule.NonResourceURLs?.ToList(),
        Verbs = rule.Verbs?.ToList(),
    };
}
