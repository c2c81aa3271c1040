using KubeLab.Core.KubeProxy;

namespace KubeLab.Core.Tests.KubeProxy;

public sealed class LineBufferTests
{
    [Fact]
    public void Words_are_written_in_UTF8_joined_by_spaces_one_line_each_whatever_their_characters()
    {
        var buffer = new LineBuffer(16);
        buffer.Write("-A", "KUBE-SVC-X", "-m", "comment", "--comment", "\"café/ü-svc:ñ → 東京\"", "-j", "KUBE-SEP-Y");
        buffer.Write("-A", "KUBE-SEP-Y", "-j", "DNAT");

        Assert.Equal("-A KUBE-SVC-X -m comment --comment \"café/ü-svc:ñ → 東京\" -j KUBE-SEP-Y\n-A KUBE-SEP-Y -j DNAT\n", buffer.ToString());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(buffer.ToString()), buffer.Length);
        Assert.Equal(2, buffer.Lines);
    }
}
