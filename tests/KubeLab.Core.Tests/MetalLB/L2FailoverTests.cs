using System.Net;
using KubeLab.Core.MetalLB;
using KubeLab.Realize.Netns;

namespace KubeLab.Core.Tests.MetalLB;

/// <summary>What a speaker sends when it takes a VIP over (MetalLB v0.14.5 internal/layer2/arp.go Gratuitous).</summary>
public class L2FailoverTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("10.123.123.100");

    [Fact]
    public void Only_the_node_that_takes_a_vip_over_announces_it()
    {
        L2Announcement[] before = [new("default/a", Vip, "vm1"), new("default/b", IPAddress.Parse("10.123.123.101"), "vm3")];
        L2Announcement[] after = [new("default/a", Vip, "vm2"), new("default/b", IPAddress.Parse("10.123.123.101"), "vm3")];
        Assert.Equal([new L2Announcement("default/a", Vip, "vm2")], L2Speakers.Taken(before, after));
        Assert.Empty(L2Speakers.Taken(after, after));
        // two Services sharing a VIP (allow-shared-ip) make one announcement
        Assert.Single(L2Speakers.Taken([], [new("default/a", Vip, "vm2"), new("default/c", Vip, "vm2")]));
    }

    [Theory]
    [InlineData(GratuitousArp.Request)]
    [InlineData(GratuitousArp.Reply)]
    public void The_gratuitous_frame_is_broadcast_with_the_vip_as_sender_and_target(ushort operation)
    {
        byte[] mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
        var frame = GratuitousArp.Frame(mac, Vip, operation);
        Assert.Equal(
            "ffffffffffff" + "525400123456" + "0806" + "0001" + "0800" + "06" + "04" + $"000{operation}"
            + "525400123456" + "0a7b7b64" + "ffffffffffff" + "0a7b7b64",
            Convert.ToHexString(frame).ToLowerInvariant());
    }
}
