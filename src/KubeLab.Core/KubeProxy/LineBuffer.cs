namespace KubeLab.Core.KubeProxy;

/// <summary>
/// kube-proxy's utilproxy.LineBuffer: rules are written as words joined by single spaces, one rule per
/// line ending in "\n". No quoting or escaping is done; callers pass comments with their quotes. Backed by
/// one growable char array so that slices (one per chain) can be copied out in any order.
/// </summary>
public sealed class LineBuffer
{
    private char[] _buffer;
    private int _length;

    public LineBuffer(int capacity = 256) => _buffer = new char[Math.Max(16, capacity)];

    public int Length => _length;

    /// <summary>Lines written so far.</summary>
    public int Lines { get; private set; }

    public void Write(params ReadOnlySpan<string> words)
    {
        var needed = words.Length;
        foreach (var word in words)
        {
            needed += word.Length;
        }

        Reserve(needed);
        var span = _buffer.AsSpan();
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0)
            {
                span[_length++] = ' ';
            }

            words[i].CopyTo(span[_length..]);
            _length += words[i].Length;
        }

        span[_length++] = '\n';
        Lines++;
    }

    public void WriteRaw(string line) => Write(line);

    /// <summary>The text written so far (valid until the next write).</summary>
    public ReadOnlySpan<char> AsSpan() => _buffer.AsSpan(0, _length);

    internal ReadOnlySpan<char> Slice(int start, int length) => _buffer.AsSpan(start, length);

    /// <summary>The text written so far (valid until the next write).</summary>
    internal ReadOnlyMemory<char> AsMemory() => _buffer.AsMemory(0, _length);

    internal ReadOnlyMemory<char> Memory(int start, int length) => _buffer.AsMemory(start, length);

    public override string ToString() => new(_buffer, 0, _length);

    private void Reserve(int needed)
    {
        if (_length + needed <= _buffer.Length)
        {
            return;
        }

        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + needed));
    }
}
