using KubeLab.Cli.Rendering;

namespace KubeLab.Core.Tests.Cli;

public class RenderingTests
{
    [Theory]
    [InlineData(45, "45s")]
    [InlineData(119, "119s")]
    [InlineData(275, "4m35s")]
    [InlineData(300, "5m")]
    [InlineData(3600, "60m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 600, "3h10m")]
    [InlineData(22 * 3600, "22h")]
    [InlineData(50 * 3600, "2d2h")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(3 * 365 * 86400, "3y")]
    public void Age_is_kubectls_human_duration(int seconds, string expected) =>
        Assert.Equal(expected, Age.Human(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Tab_writer_pads_to_three_blanks_with_a_minimum_of_six_and_leaves_the_last_cell_alone()
    {
        var text = TabWriter.Format([["NAME", "AGE", "X"], ["kubernetes", "22h", "last cell"]]);
        Assert.Equal("NAME         AGE   X\nkubernetes   22h   last cell\n", text);
    }
}
