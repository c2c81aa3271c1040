using System.Text;
using System.Text.Unicode;

namespace KubeLab.Core.KubeProxy;

/// <summary>
/// kube-proxy's utilproxy.LineBuffer: rules are written as words joined by single spaces, one rule per
/// line ending in "\n". No quoting or escaping is done; callers pass comments with their quotes. Backed by
/// one growable array of UTF-8 bytes (what iptables-restore reads; half the memory of the same text in UTF-16 chars,
/// a 10,000-Service node's 32 MB) so that slices (one per chain) can be copied out in any order.
/// </summary>
public sealed class LineBuffer
{
    private byte[] _buffer;
    private int _length;

    // Not cleared: only the bytes written (below _length) are ever read, and a 10,000-Service node's buffer is 35 MB.
    public LineBuffer(int capacity = 256) => _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(16, capacity));

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>Lines written so far.</summary>
    public int Lines { get; private set; }

    public void Write(params ReadOnlySpan<string> words)
    {
        var chars = words.Length;
        foreach (var word in words)
        {
            chars += word.Length;
        }

        // Up to 3 bytes a UTF-16 char (names and addresses are ASCII: one byte).
        Reserve(chars * 3);
        var span = _buffer.AsSpan();
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0)
            {
                span[_length++] = (byte)' ';
            }

            // Rules are ASCII but for what users name: narrow char by char (words are short), else transcode.
            var word = words[i];
            var ascii = span.Slice(_length, word.Length);
            var j = 0;
            while (j < word.Length && word[j] <= 0x7F)
            {
                ascii[j] = (byte)word[j];
                j++;
            }

            if (j == word.Length)
            {
                _length += j;
            }
            else
            {
                Utf8.FromUtf16(word, span[_length..], out _, out var written);
                _length += written;
            }
        }

        span[_length++] = (byte)'\n';
        Lines++;
    }

    public void WriteRaw(string line) => Write(line);

    /// <summary>The text written so far, UTF-8 (valid until the next write).</summary>
    internal ReadOnlyMemory<byte> AsMemory() => _buffer.AsMemory(0, _length);

    internal ReadOnlyMemory<byte> Memory(int start, int length) => _buffer.AsMemory(start, length);

    public override string ToString() => Encoding.UTF8.GetString(_buffer, 0, _length);

    private void Reserve(int needed)
    {
        if (_length + needed <= _buffer.Length)
        {
            return;
        }

        var larger = GC.AllocateUninitializedArray<byte>(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        _buffer = larger;
    }
}
