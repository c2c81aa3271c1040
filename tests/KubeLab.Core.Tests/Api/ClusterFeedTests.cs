using KubeLab.Core.Api;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;
using KubeLab.Server;

namespace KubeLab.Core.Tests.Api;

public class ClusterFeedTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);
    private static readonly ApiResource Pods = ApiResources.Find("", "v1", "pods")!;

    private static ClusterState Seed() => ControlPlane.Bootstrap(LabConfig.Default("feed", created: Now), Now);

    private static ClusterState Run(ClusterState state, string pod) =>
        ControlPlane.Apply(state, ManifestReader.Read($"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\nspec:\n  containers:\n  - name: c\n    image: nicolaka/netshoot\n", "test"), Now).State;

    [Fact]
    public void A_watch_from_a_revision_sees_each_change_after_it_in_order()
    {
        var feed = new ClusterFeed();
        var first = Seed();
        feed.Publish(first);
        var second = Run(first, "a");
        feed.Publish(second);
        var third = ControlPlane.Delete(second, [new ObjectRef("Pod", "default", "a")], Now).State;
        feed.Publish(third);

        var events = feed.After(first.Generation, Pods);
        Assert.Equal(["ADDED a", "DELETED a"], events.Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
        Assert.Equal([second.Generation, third.Generation], events.Select(e => e.Revision));
        Assert.Empty(feed.After(third.Generation, Pods));
    }

    [Fact]
    public void A_watch_from_before_the_history_kept_is_gone()
    {
        var feed = new ClusterFeed();
        var state = Run(Seed(), "a");
        feed.Publish(state); // an agent that started at this revision holds nothing older
        var error = Assert.Throws<ApiStatusException>(() => feed.After(state.Generation - 1, Pods));
        Assert.Equal((410, "Expired"), (error.Code, error.Reason));
        Assert.StartsWith("too old resource version:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_feed_never_goes_backwards()
    {
        var feed = new ClusterFeed();
        var older = Seed();
        var newer = Run(older, "a");
        feed.Publish(newer);
        feed.Publish(older);
        Assert.Equal(newer.Generation, feed.Revision);
        Assert.Contains(feed.List(Pods).Items, p => p.Metadata.Name == "a");
    }
}
