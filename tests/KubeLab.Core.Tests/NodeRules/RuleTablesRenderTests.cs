using System.Text;
using KubeLab.Core.NodeRules;

namespace KubeLab.Core.Tests.NodeRules;

public sealed class RuleTablesRenderTests
{
    /// <summary>
    /// The chain declarations go out in pieces through one reused buffer (no large string): thousands of chains (many
    /// pieces), each name with two- and four-byte characters, give the same UTF-8 as the whole text encoded at once, in
    /// declaration order. (Where the builder splits a surrogate pair between its chunks is up to it; the encoder keeps
    /// such a pair whole by construction.)
    /// </summary>
    [Fact]
    public void Chain_declarations_written_in_pieces_are_the_text_encoded_whole()
    {
        var tables = new RuleTables();
        var expected = new StringBuilder("*filter\n");
        for (var i = 0; i < 5000; i++)
        {
            var chain = $"KUBE-{new string('x', i % 13)}𝔘{i}-é";
            tables.Chain("filter", chain);
            expected.Append(':').Append(chain).Append(" - [0:0]\n");
        }

        tables.Rules("filter", Encoding.UTF8.GetBytes("-A KUBE-𝔘0-é -j ACCEPT\n"));
        expected.Append("-A KUBE-𝔘0-é -j ACCEPT\nCOMMIT\n");

        using var output = new MemoryStream();
        tables.Render(output);

        Assert.Equal(Encoding.UTF8.GetBytes(expected.ToString()), output.ToArray());
        Assert.Equal(expected.ToString(), tables.Render());
    }
}
