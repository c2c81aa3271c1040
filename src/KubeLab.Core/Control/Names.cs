using System.Text.RegularExpressions;

namespace KubeLab.Core.Control;

/// <summary>Kubernetes name rules and generated names (apimachinery validation and util/rand).</summary>
public static partial class Names
{
    /// <summary>k8s.io/apimachinery/pkg/util/rand: no vowels and no confusable characters.</summary>
    public const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string RandomSuffix(Random random, int length = 5) =>
        new(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());

    /// <summary>rand.SafeEncodeString: each character mapped into the alphabet.</summary>
    public static string SafeEncode(string text) => new(text.Select(c => Alphabet[c % Alphabet.Length]).ToArray());

    /// <summary>32-bit FNV-1a, as Kubernetes hashes pod templates.</summary>
    public static uint Fnv32a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    /// <summary>Names of pods, deployments, config maps... (validation.IsDNS1123Subdomain).</summary>
    public static string? ValidateSubdomain(string name) =>
        name.Length > 253 ? "must be no more than 253 characters"
        : Dns1123Subdomain().IsMatch(name) ? null
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    /// <summary>Service names (validation.IsDNS1035Label).</summary>
    public static string? ValidateDns1035Label(string name) =>
        name.Length > 63 ? "must be no more than 63 characters"
        : Dns1035Label().IsMatch(name) ? null
        : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    /// <summary>Namespaces and port names (validation.IsDNS1123Label).</summary>
    public static string? ValidateDns1123Label(string name) =>
        name.Length > 63 ? "must be no more than 63 characters"
        : Dns1123Label().IsMatch(name) ? null
        : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    /// <summary>
    /// RBAC object names (rbac validation's ValidateRBACName = path.IsValidPathSegmentName): anything but "." and "..",
    /// without "/" or "%" ("metallb-system:controller" is a valid ClusterRole name).
    /// </summary>
    public static string? ValidatePathSegmentName(string name) =>
        name is "." or ".." ? $"may not be '{name}'"
        : name.Contains('/', StringComparison.Ordinal) ? "may not contain '/'"
        : name.Contains('%', StringComparison.Ordinal) ? "may not contain '%'"
        : null;
}
