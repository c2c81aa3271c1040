using System.Diagnostics;
using System.Globalization;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// The API across an agent restart: revisions keep growing (they are the lab's persisted generation), a watch from
/// before the restart is told its history is gone (410 in an ERROR event, as the API server's watch cache says it,
/// so client-go relists), and a watch from the current revision sees what comes next.
/// </summary>
public sealed class AgentRestartTests
{
    [SkippableFact]
    public void After_an_agent_restart_revisions_never_go_back_and_old_watches_are_told_to_relist()
    {
        ApiLab.RequireKubectl("1.29");
        using var lab = new ApiLab();
        var before = ListRevision(lab);
        lab.KubectlOk("1.29", "run", "before-restart", "--image=nginx");
        var created = ListRevision(lab);
        Assert.True(created > before);

        // end the agent this test's lab started (its process id is in the lab's folder), then `up` starts it again
        var pid = int.Parse(File.ReadAllText(Path.Combine(lab.LabDir, "agent.pid")).Trim(), CultureInfo.InvariantCulture);
        using (var agent = Process.GetProcessById(pid))
        {
            agent.Kill();
            agent.WaitForExit(10_000);
        }

        lab.Cli.Ok("up", "--driver", "none", "--name", lab.Name);
        var restarted = ListRevision(lab);
        Assert.True(restarted >= created, $"the list's revision went back from {created} to {restarted} after the restart");
        Assert.Contains("before-restart", lab.KubectlOk("1.29", "get", "pods", "-o", "name"), StringComparison.Ordinal);

        var old = lab.KubectlOk("1.29", "get", "--raw", $"/api/v1/namespaces/default/pods?watch=1&resourceVersion={before}&timeoutSeconds=2");
        Assert.Matches($@"^\{{""type"":""ERROR"",""object"":\{{""kind"":""Status"",""apiVersion"":""v1"",""metadata"":\{{\}},""status"":""Failure"",""message"":""too old resource version: {before} \(\d+\)"",""reason"":""Expired"",""code"":410\}}\}}\n$", old);

        using var watch = lab.StartKubectl("1.29", "get", "--raw", $"/api/v1/namespaces/default/pods?watch=1&resourceVersion={restarted}&timeoutSeconds=20");
        lab.KubectlOk("1.29", "run", "after-restart", "--image=nginx");
        Assert.True(ApiLab.ReadUntil(watch, "\"name\":\"after-restart\"", TimeSpan.FromSeconds(15)), "the watch from the current revision did not see the new pod");
    }

    private static long ListRevision(ApiLab lab) =>
        long.Parse(System.Text.Json.JsonDocument.Parse(lab.KubectlOk("1.29", "get", "--raw", "/api/v1/namespaces/default/pods")).RootElement
            .GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture);
}
