namespace KubeLab.Core.Tests.Api;

/// <summary>
/// The add-ons' columns on a lab of its own: kubectl sizes every column to its longest cell, so objects that other
/// tests add to a shared lab (longer pod or service names) would change the widths these lines pin.
/// </summary>
public sealed class KubectlAddonsTests(ApiLab lab) : IClassFixture<ApiLab>
{
    [SkippableFact]
    public void Kubectl_1_29_lists_k3s_addons_with_its_columns()
    {
        ApiLab.RequireKubectl("1.29");
        var pods = lab.KubectlOk("1.29", "get", "pods", "-A").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NAMESPACE     NAME                                      READY   STATUS      RESTARTS   AGE", pods[0].TrimEnd());
        Assert.Contains(pods, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^kube-system   helm-install-traefik-crd-[a-z0-9]{5} +0/1     Completed   0          \d+s$"));
        Assert.Contains(pods, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^kube-system   traefik-[a-z0-9]+-[a-z0-9]{5} +1/1     Running     0          \d+s$"));
        var services = lab.KubectlOk("1.29", "get", "svc", "-A").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NAMESPACE     NAME             TYPE           CLUSTER-IP      EXTERNAL-IP   PORT(S)                      AGE", services[0]);
        // the seed's lab runs k3s with --disable servicelb, as the cheat sheet's: traefik's EXTERNAL-IP stays <pending>
        Assert.Contains(services, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^kube-system   traefik          LoadBalancer   10\.43\.\d+\.\d+ +<pending>     80:3\d{4}/TCP,443:3\d{4}/TCP   \d+s$"));
        Assert.Contains(services, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^kube-system   metrics-server   ClusterIP      10\.43\.\d+\.\d+ +<none>        443/TCP +\d+s$"));
        var jobs = lab.KubectlOk("1.29", "get", "jobs", "-n", "kube-system").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NAME                       COMPLETIONS   DURATION   AGE", jobs[0].TrimEnd());
        Assert.Matches(@"^helm-install-traefik-crd   1/1           \d+s +\d+s$", jobs[2]);
    }
}
