using System.Net;
using KubeLab.Core.Model;
using KubeLab.Realize.Workloads;

namespace KubeLab.Core.Tests.Workloads;

/// <summary>Which emulated workload a pod gets (pure; the servers themselves are tested in KubeLab.Netns.Tests).</summary>
public class WorkloadKindTests
{
    [Theory]
    [InlineData("nginx", true)]
    [InlineData("nginx:1.25", true)]
    [InlineData("docker.io/library/nginx@sha256:abc", true)]
    [InlineData("nginxinc/nginx-unprivileged:stable", true)]
    [InlineData("nicolaka/netshoot", false)]
    [InlineData("registry.local:5000/app:nginx", false)]
    public void Nginx_images_are_recognised_by_repository_name(string image, bool nginx)
    {
        Assert.Equal(nginx, LabWorkloads.IsNginxImage(image));
    }

    [Fact]
    public void Pods_get_coredns_nginx_builtin_or_nothing()
    {
        var nginx = new Pod { Namespace = "default", Name = "web", IP = IPAddress.Parse("10.42.0.8"), Containers = [new Container { Name = "nginx", Image = "nginx" }] };
        var coredns = new Pod
        {
            Namespace = "kube-system",
            Name = "coredns-1",
            IP = IPAddress.Parse("10.42.0.2"),
            Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" },
        };
        Assert.Equal(WorkloadKind.Nginx, LabWorkloads.KindOf(nginx, nginxInstalled: true));
        Assert.Equal(WorkloadKind.BuiltinHttp, LabWorkloads.KindOf(nginx, nginxInstalled: false));
        Assert.Equal(WorkloadKind.CoreDns, LabWorkloads.KindOf(coredns, nginxInstalled: true));
        Assert.Equal(WorkloadKind.None, LabWorkloads.KindOf(nginx with { IP = null }, nginxInstalled: true));
        Assert.Equal(WorkloadKind.None, LabWorkloads.KindOf(nginx with { Phase = PodPhase.Pending }, nginxInstalled: true));
        Assert.Equal(WorkloadKind.None, LabWorkloads.KindOf(nginx with { Containers = [new Container { Name = "c", Image = "nicolaka/netshoot" }] }, nginxInstalled: true));
    }

    [Fact]
    public void Nginx_config_keeps_the_masters_files_in_the_pod_folder_and_the_workers_files_in_the_served_folder()
    {
        var config = NginxWorkload.Config("/lab/nginx/kl-seed.p1", "/run/kubelab/nginx/kl-seed.p1", "www-data", "web-1", 80);
        Assert.Contains("user www-data;", config, StringComparison.Ordinal);
        Assert.Contains("pid /lab/nginx/kl-seed.p1/nginx.pid;", config, StringComparison.Ordinal);
        Assert.Contains("access_log /lab/nginx/kl-seed.p1/access.log main;", config, StringComparison.Ordinal);
        Assert.Contains("root /run/kubelab/nginx/kl-seed.p1/html;", config, StringComparison.Ordinal);
        Assert.Contains("client_body_temp_path /run/kubelab/nginx/kl-seed.p1/temp/client_body;", config, StringComparison.Ordinal);
        Assert.Contains("listen 80;", config, StringComparison.Ordinal);
        Assert.DoesNotContain("/var/", config, StringComparison.Ordinal);
        Assert.DoesNotContain("user root", config, StringComparison.Ordinal);
    }
}
