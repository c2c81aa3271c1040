using System.Security.Cryptography;
using System.Text;

namespace KubeLab.Core.Tests.Trace;

/// <summary>kube-proxy's chain-name hash (reference §3.2): base32(sha256(servicePortName + protocol [+ endpoint]))[:16].</summary>
internal static class ChainNameHash
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Of(string text)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var sb = new StringBuilder();
        var buffer = 0;
        var bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5 && sb.Length < 16)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        return sb.ToString();
    }
}
