using System.Text;

namespace KubeLab.Core.KubeProxy;

/// <summary>
/// kube-proxy's utilproxy.LineBuffer: rules are written as words joined by single spaces, one rule per
/// line ending in "\n". No quoting or escaping is done; callers pass comments with their quotes.
/// </summary>
public sealed class LineBuffer
{
    private readonly StringBuilder _text;

    public LineBuffer(int capacity = 256) => _text = new StringBuilder(capacity);

    public int Length => _text.Length;

    /// <summary>Lines written so far.</summary>
    public int Lines { get; private set; }

    public void Write(params ReadOnlySpan<string> words)
    {
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0)
            {
                _text.Append(' ');
            }

            _text.Append(words[i]);
        }

        _text.Append('\n');
        Lines++;
    }

    public void WriteRaw(string line)
    {
        _text.Append(line).Append('\n');
        Lines++;
    }

    internal void CopyTo(StringBuilder target, int start, int length) => target.Append(_text, start, length);

    internal void CopyTo(StringBuilder target) => target.Append(_text);

    public override string ToString() => _text.ToString();
}
