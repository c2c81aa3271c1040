using System.Security.Cryptography;
using System.Text;

namespace KubeLab.Core.KubeProxy;

/// <summary>
/// kube-proxy's per-service-port chain names (pkg/proxy/iptables/proxier.go, portProtoHash and
/// servicePortEndpointChainName): the first 16 characters of base32(SHA-256(text)), standard upper-case
/// alphabet. The text is the service-port name ("ns/name" or "ns/name:port") + the lower-case protocol,
/// and for endpoint chains also the endpoint string ("10.42.0.8:80").
/// </summary>
public static class ChainNames
{
    public const string Services = "KUBE-SERVICES";
    public const string ExternalServices = "KUBE-EXTERNAL-SERVICES";
    public const string NodePorts = "KUBE-NODEPORTS";
    public const string PostRouting = "KUBE-POSTROUTING";
    public const string MarkMasq = "KUBE-MARK-MASQ";
    public const string Forward = "KUBE-FORWARD";
    public const string ProxyFirewall = "KUBE-PROXY-FIREWALL";
    public const string Firewall = "KUBE-FIREWALL";
    public const string ProxyCanary = "KUBE-PROXY-CANARY";

    /// <summary>KUBE-SVC-…: the cluster-traffic-policy chain.</summary>
    public static string Service(string servicePortName, string protocol) => "KUBE-SVC-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-SVL-…: the local-traffic-policy chain.</summary>
    public static string ServiceLocal(string servicePortName, string protocol) => "KUBE-SVL-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-EXT-…: external (node port, external IP, load balancer) traffic.</summary>
    public static string External(string servicePortName, string protocol) => "KUBE-EXT-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-FW-…: loadBalancerSourceRanges filtering.</summary>
    public static string LoadBalancerFirewall(string servicePortName, string protocol) => "KUBE-FW-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-SEP-…: one endpoint of a service port.</summary>
    public static string Endpoint(string servicePortName, string protocol, string endpoint) =>
        Named("KUBE-SEP-", servicePortName, protocol, endpoint);

    /// <summary>The 16-character hash shared by a service port's SVC, SVL, EXT and FW chains.</summary>
    public static string PortProtoHash(string servicePortName, string protocol) => Named("", servicePortName, protocol, "");

    /// <summary>First 16 characters of base32(SHA-256(text)); 16 base32 characters use exactly 10 bytes.</summary>
    public static string Hash16(string text) => Named("", text, "", "");

    // One SHA-256 context per thread, reset after each name: a 10,000-Service node has ~130,000 names, and a fresh
    // context per name (SHA256.HashData) costs a third more.
    [ThreadStatic]
    private static IncrementalHash? _sha256;

    /// <summary>prefix + Hash16(a + b + c), without building a + b + c or the hash as strings.</summary>
    private static string Named(string prefix, string a, string b, string c)
    {
        const int stackLimit = 512;
        var maxBytes = Encoding.UTF8.GetMaxByteCount(a.Length + b.Length + c.Length);
        var text = maxBytes <= stackLimit ? stackalloc byte[stackLimit] : new byte[maxBytes];
        var length = Encoding.UTF8.GetBytes(a, text);
        length += Encoding.UTF8.GetBytes(b, text[length..]);
        length += Encoding.UTF8.GetBytes(c, text[length..]);
        var sha256 = _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha256.AppendData(text[..length]);
        Span<byte> hash = stackalloc byte[32];
        sha256.GetHashAndReset(hash);

        Span<char> name = stackalloc char[prefix.Length + 16];
        prefix.CopyTo(name);
        Base32(hash, name[prefix.Length..]);
        return new string(name);
    }

    /// <summary>The first 16 characters of base32 (standard upper-case alphabet) of <paramref name="hash"/>.</summary>
    private static void Base32(ReadOnlySpan<byte> hash, Span<char> chars)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        for (var group = 0; group < 2; group++)
        {
            // 5 bytes = 40 bits = 8 base32 characters.
            ulong bits = 0;
            for (var i = 0; i < 5; i++)
            {
                bits = (bits << 8) | hash[(group * 5) + i];
            }

            for (var i = 0; i < 8; i++)
            {
                chars[(group * 8) + i] = alphabet[(int)((bits >> (35 - (5 * i))) & 31)];
            }
        }
    }
}
